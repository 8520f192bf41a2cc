package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// Marks of a row of the side-by-side table.
const (
	markSame    = '=' // the same message with the same members
	markShape   = '~' // the same message with different members
	markOurs    = '<' // only ours sent it
	markRef     = '>' // only the reference sent it
	markOrdered = '^' // both sent it, but in a different place
)

// row is one line of the side-by-side table: indexes into the two message
// lists, -1 for none.
type row struct {
	ours, ref int
	mark      byte
	// peer is, for a row marked markOrdered, the row of the same message on
	// the other side.
	peer int
}

// align lines the two message lists up: the longest common subsequence of
// their keys is matched; of the rest, messages of the same key on both
// sides are paired as order differences.
func align(ours, ref []message) []row {
	n, m := len(ours), len(ref)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if ours[i].key == ref[j].key {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var rows []row
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && ours[i].key == ref[j].key:
			mark := byte(markSame)
			if len(fieldDiffs(ours[i].shape, ref[j].shape)) > 0 {
				mark = markShape
			}
			rows = append(rows, row{ours: i, ref: j, mark: mark})
			i++
			j++
		case j == m || (i < n && lcs[i+1][j] >= lcs[i][j+1]):
			rows = append(rows, row{ours: i, ref: -1, mark: markOurs})
			i++
		default:
			rows = append(rows, row{ours: -1, ref: j, mark: markRef})
			j++
		}
	}
	// Pair leftovers of the same key, in order, as moved messages.
	used := map[int]bool{}
	for a := range rows {
		if rows[a].mark != markOurs {
			continue
		}
		for b := range rows {
			if rows[b].mark == markRef && !used[b] && ref[rows[b].ref].key == ours[rows[a].ours].key {
				used[b] = true
				rows[a].mark, rows[b].mark = markOrdered, markOrdered
				rows[a].peer, rows[b].peer = b, a
				break
			}
		}
	}
	return rows
}

// fieldDiff is one difference between the members of two messages.
type fieldDiff struct {
	// kind is "missing" (only the reference has the member), "extra" (only
	// ours has it) or "type" (both have it with different types or values).
	kind string
	path string
	// ours and ref describe the member's types on each side.
	ours, ref string
	// below counts the members under path left unreported because path
	// itself differs.
	below int
}

// parent returns the path a member path is found under, or "" at the top.
func parent(path string) string {
	if p, ok := strings.CutSuffix(path, "[]"); ok {
		return p
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// fieldDiffs compares two shapes. A member is only reported when the
// member holding it is an object or array on both sides; what lies below a
// reported member is counted instead.
func fieldDiffs(ours, ref map[string]map[string]bool) []fieldDiff {
	paths := map[string]bool{}
	for p := range ours {
		paths[p] = true
	}
	for p := range ref {
		paths[p] = true
	}
	reportable := func(p string) bool {
		for q := parent(p); q != ""; q = parent(q) {
			if !container(ours[q]) || !container(ref[q]) {
				return false
			}
		}
		return true
	}
	var out []fieldDiff
	index := map[string]int{}
	var sorted []string
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	for _, p := range sorted {
		o, r := ours[p], ref[p]
		if describe(o) == describe(r) {
			continue
		}
		if !reportable(p) {
			// Count it under the reported member above it.
			for q := parent(p); q != ""; q = parent(q) {
				if i, ok := index[q]; ok {
					out[i].below++
					break
				}
			}
			continue
		}
		d := fieldDiff{kind: "type", path: p, ours: describe(o), ref: describe(r)}
		switch {
		case o == nil:
			d.kind = "missing"
		case r == nil:
			d.kind = "extra"
		}
		index[p] = len(out)
		out = append(out, d)
	}
	return out
}

// String renders a field difference on one line.
func (d fieldDiff) String() string {
	return d.title() + " (" + d.detail() + ")"
}

// title names the member and how it differs.
func (d fieldDiff) title() string {
	switch d.kind {
	case "missing":
		return "missing field " + d.path
	case "extra":
		return "extra field " + d.path
	}
	return "type/value of " + d.path
}

// detail gives the types on the side(s) that have the member.
func (d fieldDiff) detail() string {
	s := ""
	switch d.kind {
	case "missing":
		s = "ref: " + d.ref
	case "extra":
		s = "ours: " + d.ours
	default:
		s = fmt.Sprintf("ours %s, ref %s", d.ours, d.ref)
	}
	if d.below > 0 {
		s += fmt.Sprintf(" [+%d members below]", d.below)
	}
	return s
}

// Categories of findings, in order of importance.
const (
	catMissingMsg = iota
	catExtraMsg
	catOrder
	catMissingField
	catExtraField
	catType
	catCount
)

// categoryTitles head the summary's sections.
var categoryTitles = [catCount]string{
	"messages the reference sends and ours does not",
	"messages ours sends and the reference does not",
	"messages both send, in a different order",
	"members the reference sends and ours does not",
	"members ours sends and the reference does not",
	"members of different type or enum value",
}

// findings collects the differences of all scenarios, once each, with the
// details and scenarios they were seen with.
type findings struct {
	order [catCount][]string
	seen  [catCount]map[string]*finding
}

// finding is one difference of the summary.
type finding struct {
	details   []string
	scenarios []string
}

// add records a finding of category cat seen in scenario; detail, when not
// empty, is one of its variants (e.g. the types seen).
func (f *findings) add(cat int, text, detail, scenario string) {
	if f.seen[cat] == nil {
		f.seen[cat] = map[string]*finding{}
	}
	g, ok := f.seen[cat][text]
	if !ok {
		g = &finding{}
		f.seen[cat][text] = g
		f.order[cat] = append(f.order[cat], text)
	}
	if detail != "" && !slices.Contains(g.details, detail) {
		g.details = append(g.details, detail)
	}
	if !slices.Contains(g.scenarios, scenario) {
		g.scenarios = append(g.scenarios, scenario)
	}
}

// print writes the summary.
func (f *findings) print(w io.Writer) {
	fmt.Fprintln(w, "=== summary: every difference once, most important first")
	total := 0
	for cat := range catCount {
		if len(f.order[cat]) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", categoryTitles[cat])
		for _, text := range f.order[cat] {
			total++
			g := f.seen[cat][text]
			if len(g.details) > 0 {
				text += " (" + strings.Join(g.details, "; ") + ")"
			}
			fmt.Fprintf(w, "  - %s   [%s]\n", text, strings.Join(g.scenarios, ", "))
		}
	}
	if total == 0 {
		fmt.Fprintln(w, "\nno differences")
	}
}

// compare prints the side-by-side table of one scenario and adds its
// differences to f.
func compare(w io.Writer, sc scenario, ours, ref []message, full bool, f *findings) {
	rows := align(ours, ref)
	const width = 52
	cell := func(msgs []message, i int) string {
		if i < 0 {
			return "."
		}
		k := msgs[i].key
		if len(k) > width-2 {
			k = k[:width-3] + "…"
		}
		return k
	}
	fmt.Fprintf(w, "\n  row   %-*s  %s\n", width, "ours", "ref")
	for n, r := range rows {
		note := ""
		if r.mark == markOrdered {
			note = fmt.Sprintf("   (other side: row %d)", r.peer+1)
		}
		fmt.Fprintf(w, "  %3d %c %-*s  %s%s\n", n+1, r.mark, width, cell(ours, r.ours), cell(ref, r.ref), note)
	}

	prev := func(msgs []message, i int) string {
		if i <= 0 {
			return "first"
		}
		return "after " + msgs[i-1].key
	}
	var details []string
	for n, r := range rows {
		switch {
		case r.mark == markOurs:
			f.add(catExtraMsg, ours[r.ours].key, "", sc.name)
		case r.mark == markRef:
			f.add(catMissingMsg, ref[r.ref].key, "", sc.name)
		case r.mark == markOrdered && r.ours >= 0:
			p := rows[r.peer]
			f.add(catOrder, ours[r.ours].key, fmt.Sprintf("ours %s, ref %s", prev(ours, r.ours), prev(ref, p.ref)), sc.name)
		}
		// Compare members of both sides' message, once per pair.
		oi, ri := r.ours, r.ref
		if r.mark == markOrdered {
			if oi < 0 {
				continue
			}
			ri = rows[r.peer].ref
		}
		if oi < 0 || ri < 0 {
			continue
		}
		diffs := fieldDiffs(ours[oi].shape, ref[ri].shape)
		for _, d := range diffs {
			cat := catType
			switch d.kind {
			case "missing":
				cat = catMissingField
			case "extra":
				cat = catExtraField
			}
			f.add(cat, ours[oi].key+": "+d.title(), d.detail(), sc.name)
		}
		if full {
			details = append(details, fullShape(n+1, ours[oi], ref[ri])...)
			continue
		}
		if len(diffs) > 0 {
			details = append(details, fmt.Sprintf("  row %d %s", n+1, ours[oi].key))
			for _, d := range diffs {
				details = append(details, "      "+d.String())
			}
		}
	}
	if full {
		for n, r := range rows {
			if r.mark == markOurs {
				details = append(details, oneShape(n+1, "ours only", ours[r.ours])...)
			}
			if r.mark == markRef {
				details = append(details, oneShape(n+1, "ref only", ref[r.ref])...)
			}
		}
	}
	if len(details) > 0 {
		fmt.Fprintln(w, "\n  members:")
		for _, d := range details {
			fmt.Fprintln(w, d)
		}
	}
}

// fullShape lists every member of a pair of messages with both sides'
// types, marking the lines that differ with '!'.
func fullShape(n int, ours, ref message) []string {
	out := []string{fmt.Sprintf("  row %d %s", n, ours.key)}
	paths := map[string]bool{}
	for p := range ours.shape {
		paths[p] = true
	}
	for p := range ref.shape {
		paths[p] = true
	}
	var sorted []string
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	for _, p := range sorted {
		o, r := describe(ours.shape[p]), describe(ref.shape[p])
		mark := " "
		if o != r {
			mark = "!"
		}
		out = append(out, fmt.Sprintf("    %s %-58s ours: %-28s ref: %s", mark, p, o, r))
	}
	return out
}

// oneShape lists every member of a message found on one side only.
func oneShape(n int, side string, m message) []string {
	out := []string{fmt.Sprintf("  row %d %s (%s)", n, m.key, side)}
	var sorted []string
	for p := range m.shape {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	for _, p := range sorted {
		out = append(out, fmt.Sprintf("      %-58s %s", p, describe(m.shape[p])))
	}
	return out
}
