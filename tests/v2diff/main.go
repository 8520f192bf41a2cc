// Command v2diff runs the same app-server v2 scenarios against two codex
// binaries, ours and a reference release, and prints how the messages they
// send differ.
//
// Each binary runs every scenario with a fresh HOME, CODEX_HOME and
// workspace and a fake model of its own playing the same script. Per
// scenario it prints the server's messages side by side (aligned on their
// method names) and, for messages of both sides, the member paths whose
// JSON types or enum-like values differ; a summary lists every difference
// once, most important first. Environment noise of the reference and values
// that differ naturally (ids, times, paths, text) are left out.
//
//	go run ./tests/v2diff -ours /tmp/codex -ref /path/to/codex-0.171.0
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

func main() {
	ours := flag.String("ours", "", "our codex binary")
	ref := flag.String("ref", "", "the reference codex binary")
	run := flag.String("run", "", "run only the scenarios whose name matches this regular expression")
	timeout := flag.Duration("timeout", 90*time.Second, "how long one scenario may take on one binary")
	out := flag.String("out", "", "write each run's transcript to DIR/<scenario>.<ours|ref>.jsonl")
	full := flag.Bool("full", false, "list every member of every message, not only those that differ")
	list := flag.Bool("list", false, "list the scenarios and exit")
	flag.Parse()
	if *list {
		for _, sc := range scenarios {
			fmt.Printf("%-18s %s\n", sc.name, sc.about)
		}
		return
	}
	if *ours == "" || *ref == "" {
		fmt.Fprintln(os.Stderr, "usage: v2diff -ours BINARY -ref BINARY [-run REGEXP] [-out DIR] [-full]")
		os.Exit(2)
	}
	for _, bin := range []string{*ours, *ref} {
		if _, err := os.Stat(bin); err != nil {
			fmt.Fprintln(os.Stderr, "v2diff:", err)
			os.Exit(2)
		}
	}
	filter, err := regexp.Compile(*run)
	if err != nil {
		fmt.Fprintln(os.Stderr, "v2diff: -run:", err)
		os.Exit(2)
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "v2diff:", err)
			os.Exit(1)
		}
	}

	var f findings
	failed := false
	for _, sc := range scenarios {
		if !filter.MatchString(sc.name) {
			continue
		}
		fmt.Printf("=== %s: %s\n", sc.name, sc.about)
		results := map[string]*result{}
		msgs := map[string][]message{}
		for _, side := range []struct{ name, bin string }{{"ours", *ours}, {"ref", *ref}} {
			res := runScenario(side.bin, sc, *timeout)
			results[side.name] = res
			m, ignored := serverMessages(res.entries)
			msgs[side.name] = m
			fmt.Printf("  %-4s %s\n", side.name+":", summaryLine(res, ignored))
			if *full && len(res.offered) > 0 {
				fmt.Printf("       tools offered to the model: %s\n", strings.Join(res.offered, ", "))
			}
			if res.err != nil {
				failed = true
				fmt.Printf("       error: %v\n", res.err)
				if s := lastLines(res.stderr, 8); s != "" {
					fmt.Printf("       stderr (end):\n%s\n", indent(s, "         "))
				}
			}
			if *out != "" {
				if err := writeTranscript(filepath.Join(*out, sc.name+"."+side.name+".jsonl"), res.entries); err != nil {
					fmt.Fprintln(os.Stderr, "v2diff:", err)
				}
			}
		}
		compare(os.Stdout, sc, msgs["ours"], msgs["ref"], *full, &f)
		fmt.Println()
	}
	f.print(os.Stdout)
	if failed {
		os.Exit(1)
	}
}

// summaryLine says what a run asked of its model and what was left out.
func summaryLine(res *result, ignored map[string]int) string {
	calls, other := 0, map[string]int{}
	for _, r := range res.requests {
		if strings.HasPrefix(r, "POST ") && strings.HasSuffix(r, "/responses") {
			calls++
		} else {
			other[r]++
		}
	}
	s := fmt.Sprintf("%d model calls", calls)
	if len(res.tools) > 0 {
		s += fmt.Sprintf(" (command tool called: %s)", strings.Join(res.tools, ", "))
	}
	if len(other) > 0 {
		s += "; other HTTP requests: " + counts(other)
	}
	if len(ignored) > 0 {
		s += "; ignored: " + counts(ignored)
	}
	return s
}

// counts renders a multiset as "a ×2, b", sorted.
func counts(m map[string]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		if m[k] > 1 {
			parts = append(parts, fmt.Sprintf("%s ×%d", k, m[k]))
		} else {
			parts = append(parts, k)
		}
	}
	return strings.Join(parts, ", ")
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// writeTranscript writes entries as JSON lines.
func writeTranscript(path string, entries []entry) error {
	var b strings.Builder
	for _, e := range entries {
		line, err := json.Marshal(e)
		if err != nil {
			return err
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
