package shellparse

import (
	"regexp"
	"strings"

	"github.com/codex-go/codex/protocol"
)

// The kinds of ParsedCommand.
const (
	// TypeRead is a command printing (part of) one file.
	TypeRead = "read"
	// TypeListFiles is a command listing files.
	TypeListFiles = "list_files"
	// TypeSearch is a command searching file contents.
	TypeSearch = "search"
	// TypeUnknown is any other command.
	TypeUnknown = "unknown"
)

// sedPrintRange matches the sed scripts that print a line or a range of
// numbered lines.
var sedPrintRange = regexp.MustCompile(`^[0-9]+(,[0-9]+)?p$`)

// lineCount matches the count of head -n and tail -n.
var lineCount = regexp.MustCompile(`^\+?[0-9]+$`)

// Options taking a separate value, per command, so that the value is not
// mistaken for an operand.
var (
	nlValued = set("-b", "-d", "-f", "-h", "-i", "-l", "-n", "-s", "-v", "-w",
		"--body-numbering", "--section-delimiter", "--footer-numbering", "--header-numbering",
		"--line-increment", "--join-blank-lines", "--number-format", "--number-separator",
		"--starting-line-number", "--number-width")
	lsValued = set("-I", "-T", "-w", "--ignore", "--hide", "--width", "--tabsize", "--block-size",
		"--format", "--sort", "--time", "--quoting-style", "--indicator-style", "--time-style")
	fdValued = set("-t", "-e", "-E", "-d", "-x", "-X", "-S", "-c", "-j", "-o",
		"--type", "--extension", "--exclude", "--max-depth", "--min-depth", "--exact-depth",
		"--exec", "--exec-batch", "--size", "--color", "--threads", "--owner", "--changed-within",
		"--changed-before", "--search-path", "--base-directory", "--path-separator",
		"--max-results", "--ignore-file")
)

// formatHelpers are commands that only reshape text; in a script of
// several commands they are left out of the description.
var formatHelpers = set("wc", "tr", "cut", "sort", "uniq", "xargs", "tee", "column", "awk", "yes", "printf")

// skipped are commands that say nothing about what a script of several
// commands reads or searches.
var skipped = set("cd", "true")

// displaySkip are directory names too generic to name a searched or listed
// path on their own.
var displaySkip = set("build", "dist", "node_modules", "src")

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// Parse describes what argv does, one entry per simple command, for the
// parsed_cmd field of exec_command_begin, classified as codex-cli 0.45 does
// so that clients draw the same labels:
//
//   - "read": cat FILE, head -n N FILE, tail -n N FILE, nl FILE and
//     sed -n RANGEp FILE; name is the file's display name.
//   - "list_files": ls, with the first listed path.
//   - "search": rg, grep, fd and find, with the query (the pattern, the
//     -name/-iname/-path/-regex of find) and the path; rg --files is a
//     search without a query.
//   - "unknown": anything else.
//
// In a script of several commands, cd, true and the text helpers (wc, tr,
// cut, sort, uniq, xargs, tee, column, awk, yes, printf; head, tail, nl and
// sed without a file) are left out, as is a leading echo, and repeated
// entries are merged. A script that cannot be split, or that has nothing
// left, is a single "unknown" entry holding the script's text. cmd is the
// command's words, quoted where a shell needs it.
func Parse(argv []string) []protocol.ParsedCommand {
	script, isShell := shellScript(argv)
	var segs []segment
	ok := true
	if isShell {
		segs, ok = splitScript(script)
	} else if len(argv) > 0 {
		segs = []segment{{words: argv}}
		script = displayJoin(argv)
	} else {
		ok = false
	}
	text := strings.TrimSpace(script)
	if !ok {
		if !isShell {
			text = displayJoin(argv)
		}
		return []protocol.ParsedCommand{{Type: TypeUnknown, Cmd: text}}
	}
	if pc, ok := catThroughSed(segs, text); ok {
		return []protocol.ParsedCommand{pc}
	}
	var kept [][]string
	for _, s := range segs {
		if len(segs) > 1 && (skipped[s.words[0]] || isFormatHelper(s.words)) {
			continue
		}
		kept = append(kept, s.words)
	}
	for len(kept) > 1 && kept[0][0] == "echo" {
		kept = kept[1:]
	}
	if len(kept) == 0 {
		return []protocol.ParsedCommand{{Type: TypeUnknown, Cmd: text}}
	}
	out := make([]protocol.ParsedCommand, 0, len(kept))
	for _, words := range kept {
		pc := describe(words)
		if n := len(out); n > 0 && samePC(out[n-1], pc) {
			continue
		}
		out = append(out, pc)
	}
	return out
}

// catThroughSed recognises "cat FILE | sed -n RANGEp", possibly piped on
// into text helpers: a single read of FILE whose cmd is the whole script.
func catThroughSed(segs []segment, text string) (protocol.ParsedCommand, bool) {
	if len(segs) < 2 || segs[0].op != opPipe || segs[1].words[0] != "sed" || len(segs[1].words) != 3 ||
		segs[1].words[1] != "-n" || !sedPrintRange.MatchString(segs[1].words[2]) {
		return protocol.ParsedCommand{}, false
	}
	for i := 1; i < len(segs)-1; i++ {
		if segs[i].op != opPipe || (i > 1 && !isFormatHelper(segs[i].words)) {
			return protocol.ParsedCommand{}, false
		}
	}
	if n := len(segs); n > 2 && !isFormatHelper(segs[n-1].words) {
		return protocol.ParsedCommand{}, false
	}
	pc := describe(segs[0].words)
	if pc.Type != TypeRead || segs[0].words[0] != "cat" {
		return protocol.ParsedCommand{}, false
	}
	pc.Cmd = text
	return pc, true
}

// samePC reports whether two entries are equal.
func samePC(a, b protocol.ParsedCommand) bool {
	return a.Type == b.Type && a.Cmd == b.Cmd && a.Name == b.Name && eqPtr(a.Query, b.Query) && eqPtr(a.Path, b.Path)
}

func eqPtr(a, b *string) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// isFormatHelper reports whether words only reshape text: head and tail
// without a file (fewer than three words), nl without a file, sed other
// than a ranged print of a file, and the commands of formatHelpers.
func isFormatHelper(words []string) bool {
	switch words[0] {
	case "head", "tail":
		return len(words) < 3
	case "nl":
		return len(operands(words[1:], nlValued)) == 0
	case "sed":
		return len(words) < 4 || words[1] != "-n" || !sedPrintRange.MatchString(words[2])
	}
	return formatHelpers[words[0]]
}

// describe classifies one simple command.
func describe(words []string) protocol.ParsedCommand {
	pc := protocol.ParsedCommand{Type: TypeUnknown, Cmd: displayJoin(words)}
	args := words[1:]
	switch words[0] {
	case "cat":
		if len(args) == 2 && args[0] == "--" {
			args = args[1:]
		}
		if len(args) == 1 && !strings.HasPrefix(args[0], "-") {
			readOf(&pc, args[0])
		}
	case "head", "tail":
		count := lineCount.MatchString
		if words[0] == "head" {
			count = isDigits
		}
		if len(args) == 3 && args[0] == "-n" && count(args[1]) && !strings.HasPrefix(args[2], "-") {
			readOf(&pc, args[2])
		}
	case "nl":
		if ops := operands(args, nlValued); len(ops) == 1 && ops[0] != "-" {
			readOf(&pc, ops[0])
		}
	case "sed":
		if len(args) >= 3 && args[0] == "-n" && sedPrintRange.MatchString(args[1]) && !strings.HasPrefix(args[2], "-") {
			readOf(&pc, args[2])
		}
	case "ls":
		pc.Type = TypeListFiles
		pc.Path = displayPath(first(operands(args, lsValued)))
	case "rg":
		ops := nonFlags(args)
		pc.Type = TypeSearch
		if hasWord(args, "--files") {
			pc.Path = displayPath(first(ops))
			break
		}
		pc.Query = first(ops)
		if len(ops) > 1 {
			pc.Path = displayPath(&ops[1])
		}
	case "grep":
		ops := nonFlags(args)
		pc.Type = TypeSearch
		pc.Query = first(ops)
		if len(ops) > 1 {
			pc.Path = displayPath(&ops[1])
		}
	case "fd":
		ops := operands(args, fdValued)
		pc.Type = TypeSearch
		pc.Query = first(ops)
		if len(ops) > 1 {
			pc.Path = displayPath(&ops[1])
		}
	case "find":
		pc.Type = TypeSearch
		pc.Path = displayPath(first(nonFlags(args)))
		for i := 0; i+1 < len(args); i++ {
			switch args[i] {
			case "-name", "-iname", "-path", "-regex":
				q := args[i+1]
				pc.Query = &q
			}
			if pc.Query != nil {
				break
			}
		}
	}
	return pc
}

// readOf makes pc a read of file.
func readOf(pc *protocol.ParsedCommand, file string) {
	pc.Type = TypeRead
	pc.Name = *displayPath(&file)
}

// displayPath shortens a path for display: its last component that is
// not a generic directory name (build, dist, node_modules, src), or the
// path without trailing slashes when every component is generic.
func displayPath(p *string) *string {
	if p == nil {
		return nil
	}
	trimmed := strings.TrimRight(*p, "/")
	parts := strings.Split(trimmed, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] != "" && !displaySkip[parts[i]] {
			return &parts[i]
		}
	}
	return &trimmed
}

// nonFlags returns the words of args that do not start with "-".
func nonFlags(args []string) []string {
	var out []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			out = append(out, a)
		}
	}
	return out
}

// first returns a pointer to the first element of s, or nil.
func first(s []string) *string {
	if len(s) == 0 {
		return nil
	}
	v := s[0]
	return &v
}

func hasWord(words []string, w string) bool {
	for _, x := range words {
		if x == w {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// option is one option met by scanArgs: a short option letter ("-n"), a
// long option ("--lines") or a whole short cluster's letters one by one.
type option struct {
	name  string
	value string
}

// operands returns the non-option arguments of args; see scanArgs.
func operands(args []string, valued map[string]bool) []string {
	ops, _ := scanArgs(args, valued)
	return ops
}

// scanArgs splits args getopt-style into operands and options. valued holds
// the options that take a value: a short one takes the rest of its cluster
// or else the next word, a long one its "=value" or else the next word.
// "--" ends the options and "-" is an operand.
func scanArgs(args []string, valued map[string]bool) (ops []string, opts []option) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(ops, args[i+1:]...), opts
		case a == "-" || !strings.HasPrefix(a, "-"):
			ops = append(ops, a)
		case strings.HasPrefix(a, "--"):
			if name, value, hasValue := strings.Cut(a, "="); hasValue {
				opts = append(opts, option{name: name, value: value})
			} else if valued[a] && i+1 < len(args) {
				opts = append(opts, option{name: a, value: args[i+1]})
				i++
			} else {
				opts = append(opts, option{name: a})
			}
		default:
			for j := 1; j < len(a); j++ {
				name := "-" + a[j:j+1]
				if !valued[name] {
					opts = append(opts, option{name: name})
					continue
				}
				value := a[j+1:]
				if value == "" && i+1 < len(args) {
					value = args[i+1]
					i++
				}
				opts = append(opts, option{name: name, value: value})
				break
			}
		}
	}
	return ops, opts
}
