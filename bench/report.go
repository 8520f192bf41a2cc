package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// report is everything one harness run produced.
type report struct {
	// Machine describes the host.
	Machine machine `json:"machine"`
	// Binaries are the binaries that were benchmarked.
	Binaries []binaryInfo `json:"binaries"`
	// Results holds one entry per selected benchmark, in report order.
	Results []result `json:"results"`
	// Notes explain missing binaries and similar conditions.
	Notes []string `json:"notes,omitempty"`
	// OursMissing is set when our binary could not be built.
	OursMissing bool `json:"oursMissing,omitempty"`
	// Hostile holds the rows of the hostile-input section, when it ran.
	Hostile []hostileResult `json:"hostile,omitempty"`
}

// binaryInfo identifies one benchmarked binary.
type binaryInfo struct {
	// Name is "ours" or "reference".
	Name string `json:"name"`
	// Path is the executable.
	Path string `json:"path"`
	// Version is what --version printed, if anything.
	Version string `json:"version,omitempty"`
}

// result is one benchmark's row.
type result struct {
	// Key is the -only selector.
	Key string `json:"key"`
	// Title is the row label.
	Title string `json:"title"`
	// Unit is what the numbers are in.
	Unit unit `json:"unit"`
	// Runs is the number of measured samples per binary.
	Runs int `json:"runs"`
	// Warmups is the number of discarded samples before them.
	Warmups int `json:"warmups"`
	// Ours summarises our binary's samples; nil when not measured.
	Ours *summary `json:"ours"`
	// Reference summarises the samples of the reference named by Against;
	// nil when not measured.
	Reference *summary `json:"reference"`
	// Against names the reference of this row: nameReference (codex-cli
	// 0.45.0) or nameReferenceV2 (codex-cli 0.171.0). Empty means
	// nameReference.
	Against string `json:"against,omitempty"`
	// Ratio is the ours/reference ratio of the medians; nil when either is
	// missing.
	Ratio *float64 `json:"ratio"`
	// Errors maps a binary's name to why its measurement failed.
	Errors map[string]string `json:"errors,omitempty"`
}

// note records an explanatory line.
func (r *report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// failed reports whether our binary is missing or any measurement failed.
func (r *report) failed() bool {
	if r.OursMissing {
		return true
	}
	for _, res := range r.Results {
		if len(res.Errors) > 0 {
			return true
		}
	}
	for _, h := range r.Hostile {
		if h.Error != "" {
			return true
		}
	}
	return false
}

// set stores the summary of the named binary: ours, or else the row's
// reference.
func (res *result) set(name string, s summary) {
	if name == nameOurs {
		res.Ours = &s
		return
	}
	res.Reference = &s
}

// against returns the name of the row's reference.
func (res *result) against() string {
	if res.Against == "" {
		return nameReference
	}
	return res.Against
}

// setError records why the named binary's measurement failed.
func (res *result) setError(name string, err error) {
	if res.Errors == nil {
		res.Errors = map[string]string{}
	}
	res.Errors[name] = err.Error()
}

// computeRatio fills Ratio when both medians are present and the
// reference's is positive.
func (res *result) computeRatio() {
	if res.Ours == nil || res.Reference == nil || res.Reference.Median <= 0 {
		res.Ratio = nil
		return
	}
	ratio := res.Ours.Median / res.Reference.Median
	res.Ratio = &ratio
}

// writeJSON prints r as indented JSON.
func writeJSON(w io.Writer, r *report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// formatValue renders v with about three significant digits.
func formatValue(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// cell renders one binary's column of a row.
func cell(s *summary, u unit, errMsg string, measured bool) string {
	switch {
	case errMsg != "":
		return "error"
	case s != nil:
		return fmt.Sprintf("%s %s (p90 %s)", formatValue(s.Median), u, formatValue(s.P90))
	case !measured:
		return "n/a"
	default:
		return "-"
	}
}

// writeTable prints r as an aligned text table with a header describing
// the machine and binaries, followed by notes and errors.
func writeTable(w io.Writer, r *report) error {
	var b strings.Builder
	// The labels of the header are padded to ten characters, or to the
	// longest one.
	width := 10
	for _, bin := range r.Binaries {
		width = max(width, len(bin.Name)+1)
	}
	fmt.Fprintf(&b, "%-*s %s\n", width, "machine:", r.Machine)
	for _, bin := range r.Binaries {
		version := bin.Version
		if version == "" {
			version = "version unknown"
		}
		fmt.Fprintf(&b, "%-*s %s (%s)\n", width, bin.Name+":", bin.Path, version)
	}
	if len(r.Results) > 0 {
		fmt.Fprintf(&b, "%-*s %s\n\n", width, "runs:", describeRuns(r.Results))
		writeResults(&b, r)
	}
	if len(r.Hostile) > 0 {
		writeHostileTable(&b, r.Hostile)
	}

	if len(r.Notes) > 0 {
		b.WriteString("\nnotes:\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  - %s\n", indentContinuation(n))
		}
	}
	var errs []string
	for _, res := range r.Results {
		for _, name := range []string{nameOurs, res.against()} {
			if msg, ok := res.Errors[name]; ok {
				errs = append(errs, fmt.Sprintf("%s / %s: %s", res.Key, name, msg))
			}
		}
	}
	if len(errs) > 0 {
		b.WriteString("\nerrors:\n")
		for _, e := range errs {
			fmt.Fprintf(&b, "  - %s\n", indentContinuation(e))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeResults appends the tables of the benchmarks to b: one per
// reference, in the order of their first row. The table of the 0.45
// reference comes without a heading, as it always did; any other is
// headed by the name and version of its reference.
func writeResults(b *strings.Builder, r *report) {
	has := map[string]bool{}
	versions := map[string]string{}
	for _, bin := range r.Binaries {
		has[bin.Name] = true
		versions[bin.Name] = bin.Version
	}
	var order []string
	tables := map[string][][]string{}
	for _, res := range r.Results {
		ref := res.against()
		if _, seen := tables[ref]; !seen {
			order = append(order, ref)
			tables[ref] = [][]string{{"benchmark", nameOurs, ref, "ours/" + ref}}
		}
		ratio := "n/a"
		if res.Ratio != nil {
			ratio = fmt.Sprintf("%.2fx", *res.Ratio)
		}
		tables[ref] = append(tables[ref], []string{
			res.Title,
			cell(res.Ours, res.Unit, res.Errors[nameOurs], has[nameOurs]),
			cell(res.Reference, res.Unit, res.Errors[ref], has[ref]),
			ratio,
		})
	}
	for i, ref := range order {
		if i > 0 {
			b.WriteByte('\n')
		}
		if ref != nameReference {
			version := versions[ref]
			if version == "" {
				version = "not available"
			}
			fmt.Fprintf(b, "compared with %s (%s):\n\n", ref, version)
		}
		writeRows(b, tables[ref])
	}
}

// describeRuns summarises the measured runs and warm-ups of every result on
// one line, grouping benchmarks that share the same counts.
func describeRuns(results []result) string {
	type counts struct{ runs, warmups int }
	var order []counts
	keys := map[counts][]string{}
	for _, res := range results {
		c := counts{res.Runs, res.Warmups}
		if _, seen := keys[c]; !seen {
			order = append(order, c)
		}
		keys[c] = append(keys[c], res.Key)
	}
	parts := make([]string, 0, len(order))
	for _, c := range order {
		parts = append(parts, fmt.Sprintf("%s %d after %d warm-up%s", strings.Join(keys[c], ", "), c.runs, c.warmups, plural(c.warmups)))
	}
	return "per binary: " + strings.Join(parts, "; ") + "; cells show median (p90)"
}

// plural returns "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// rateNote renders the throughput implied by the medians of a millisecond
// result whose samples each process items items named name, e.g.
// "stream10k: 10000 deltas per sample; at the median ours 52000 deltas/s,
// reference 18000 deltas/s". It is "" when there is nothing to report.
func rateNote(res result, items int, name string) string {
	if res.Unit != unitMillis || items <= 0 {
		return ""
	}
	var parts []string
	for _, c := range []struct {
		name string
		s    *summary
	}{{nameOurs, res.Ours}, {res.against(), res.Reference}} {
		if c.s != nil && c.s.Median > 0 {
			parts = append(parts, fmt.Sprintf("%s %.0f %s/s", c.name, float64(items)/(c.s.Median/1000), name))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("%s: %d %s per sample; at the median %s", res.Key, items, name, strings.Join(parts, ", "))
}

// writeRows writes rows as columns separated by " | ", padded to the widest
// cell, with a rule under the first row.
func writeRows(b *strings.Builder, rows [][]string) {
	if len(rows) == 0 {
		return
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	line := func(row []string) {
		parts := make([]string, len(row))
		for i, c := range row {
			parts[i] = c + strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
		}
		b.WriteString(strings.TrimRight(strings.Join(parts, " | "), " "))
		b.WriteByte('\n')
	}
	line(rows[0])
	rule := make([]string, len(widths))
	for i, wd := range widths {
		rule[i] = strings.Repeat("-", wd)
	}
	b.WriteString(strings.Join(rule, "-|-"))
	b.WriteByte('\n')
	for _, row := range rows[1:] {
		line(row)
	}
}

// indentContinuation indents every line after the first of a multi-line
// message so it reads as part of a list item.
func indentContinuation(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}

// joinNotes joins notes for an error message.
func joinNotes(notes []string) string {
	return strings.Join(notes, "\n  ")
}
