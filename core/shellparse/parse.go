package shellparse

import (
	"path"
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

// sedPrintRange matches the sed scripts that print a line or a line range.
var sedPrintRange = regexp.MustCompile(`^[0-9]+(,([0-9]+|\$))?p$`)

// Options taking a separate value, per command, so that the value is not
// mistaken for an operand.
var (
	headTailValued = set("-n", "-c", "--lines", "--bytes", "-s", "--sleep-interval", "--pid", "--max-unchanged-stats")
	nlValued       = set("-b", "-d", "-f", "-h", "-i", "-l", "-n", "-s", "-v", "-w",
		"--body-numbering", "--section-delimiter", "--footer-numbering", "--header-numbering",
		"--line-increment", "--join-blank-lines", "--number-format", "--number-separator",
		"--starting-line-number", "--number-width")
	lessValued = set("-b", "-h", "-j", "-k", "-o", "-O", "-p", "-P", "-t", "-T", "-x", "-y", "-z")
	lsValued   = set("-I", "-T", "-w", "--ignore", "--hide", "--width", "--tabsize", "--block-size",
		"--format", "--sort", "--time", "--quoting-style", "--indicator-style", "--time-style")
	grepValued = set("-e", "-f", "-m", "-A", "-B", "-C", "-d", "-D",
		"--regexp", "--file", "--max-count", "--after-context", "--before-context", "--context",
		"--include", "--exclude", "--exclude-dir", "--exclude-from", "--label", "--binary-files",
		"--devices", "--directories")
	rgValued = set("-e", "-f", "-g", "-t", "-T", "-m", "-A", "-B", "-C", "-M", "-j", "-E", "-r", "-d",
		"--regexp", "--file", "--glob", "--iglob", "--type", "--type-not", "--type-add", "--type-clear",
		"--max-count", "--after-context", "--before-context", "--context", "--max-columns",
		"--threads", "--encoding", "--replace", "--max-depth", "--maxdepth", "--sort", "--sortr",
		"--color", "--colors", "--pre", "--pre-glob", "--path-separator", "--context-separator",
		"--field-match-separator", "--field-context-separator", "--ignore-file", "--max-filesize",
		"--dfa-size-limit", "--regex-size-limit", "--engine", "--hostname-bin", "--hyperlink-format")
	gitGrepValued = set("-e", "-f", "-A", "-B", "-C", "-m", "--max-depth", "--threads", "--max-count",
		"--after-context", "--before-context", "--context")
)

// formatHelpers are commands that only reshape the output of the pipeline
// stage before them.
var formatHelpers = set("head", "tail", "wc", "sort", "uniq", "cut", "tr", "nl")

// findListOptions are the find expression words that keep a find a plain
// listing, mapped to whether they take a value.
var findListOptions = map[string]bool{"-type": true, "-maxdepth": true, "-mindepth": true, "-print": false}

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// Parse describes what argv does, one entry per simple command, for the
// parsed_cmd field of exec_command_begin. Commands that print one file are
// "read" (name is the file's base name), listings are "list_files", content
// searches are "search", anything else "unknown"; cmd is the command's text.
// In a pipeline, later stages that only format output (head, tail, wc, sort,
// uniq, cut, tr, nl, sed -n) are dropped. A script that cannot be split is a
// single "unknown" entry holding the whole script (or the joined argv).
func Parse(argv []string) []protocol.ParsedCommand {
	script, isShell := shellScript(argv)
	var segs []segment
	ok := true
	if isShell {
		segs, ok = splitScript(script)
	} else if len(argv) > 0 {
		segs = []segment{{words: argv}}
	} else {
		ok = false
	}
	if !ok {
		text := script
		if !isShell {
			text = Join(argv)
		}
		return []protocol.ParsedCommand{{Type: TypeUnknown, Cmd: text}}
	}
	out := make([]protocol.ParsedCommand, 0, len(segs))
	for i, s := range segs {
		if i > 0 && segs[i-1].op == opPipe && isFormatHelper(s.words) {
			continue
		}
		out = append(out, describe(s.words))
	}
	return out
}

// isFormatHelper reports whether words only reshape piped-in text.
func isFormatHelper(words []string) bool {
	if words[0] == "sed" {
		return len(words) > 1 && words[1] == "-n"
	}
	return formatHelpers[words[0]]
}

// describe classifies one simple command.
func describe(words []string) protocol.ParsedCommand {
	pc := protocol.ParsedCommand{Type: TypeUnknown, Cmd: Join(words)}
	args := words[1:]
	switch words[0] {
	case "cat":
		readOne(&pc, operands(args, nil))
	case "head", "tail":
		readOne(&pc, operands(args, headTailValued))
	case "nl":
		readOne(&pc, operands(args, nlValued))
	case "less":
		readOne(&pc, operands(args, lessValued))
	case "sed":
		if len(args) == 3 && args[0] == "-n" && sedPrintRange.MatchString(args[1]) && !strings.HasPrefix(args[2], "-") {
			readOne(&pc, args[2:])
		}
	case "ls":
		ops, _ := scanArgs(args, lsValued)
		pc.Type = TypeListFiles
		pc.Path = single(ops)
	case "find":
		describeFind(&pc, args)
	case "rg":
		describeSearch(&pc, args, rgValued, true)
	case "grep", "egrep", "fgrep":
		describeSearch(&pc, args, grepValued, false)
	case "git":
		if len(args) > 0 && args[0] == "--no-pager" {
			args = args[1:]
		}
		if len(args) > 0 && args[0] == "grep" {
			describeSearch(&pc, args[1:], gitGrepValued, false)
		}
	}
	return pc
}

// readOne makes pc a read of the only file in ops, if there is exactly one.
func readOne(pc *protocol.ParsedCommand, ops []string) {
	if len(ops) != 1 || ops[0] == "-" {
		return
	}
	pc.Type = TypeRead
	pc.Name = path.Base(ops[0])
}

// describeFind makes pc a listing when the find has no filtering predicates
// beyond -type, -maxdepth and -mindepth.
func describeFind(pc *protocol.ParsedCommand, args []string) {
	i := 0
	for i < len(args) && (args[i] == "-H" || args[i] == "-L" || args[i] == "-P") {
		i++
	}
	var paths []string
	for ; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") || a == "!" || a == "(" || a == ")" || a == "," {
			break
		}
		paths = append(paths, a)
	}
	for ; i < len(args); i++ {
		valued, known := findListOptions[args[i]]
		if !known {
			return
		}
		if valued {
			if i+1 >= len(args) {
				return
			}
			i++
		}
	}
	pc.Type = TypeListFiles
	pc.Path = single(paths)
}

// describeSearch makes pc a search (or, for rg --files, a listing). The
// pattern is the value of -e/--regexp when given, else the first operand;
// the remaining operands are the searched paths.
func describeSearch(pc *protocol.ParsedCommand, args []string, valued map[string]bool, isRg bool) {
	ops, opts := scanArgs(args, valued)
	var query *string
	fromFile := false
	for _, o := range opts {
		switch o.name {
		case "--files":
			if isRg {
				pc.Type = TypeListFiles
				pc.Path = single(ops)
				return
			}
		case "-e", "--regexp":
			if query == nil {
				q := o.value
				query = &q
			}
		case "-f", "--file":
			fromFile = true
		}
	}
	if query == nil && !fromFile {
		if len(ops) == 0 {
			return
		}
		q := ops[0]
		query = &q
		ops = ops[1:]
	}
	pc.Type = TypeSearch
	pc.Query = query
	pc.Path = single(ops)
}

// single returns a pointer to the only element of s, or nil.
func single(s []string) *string {
	if len(s) != 1 {
		return nil
	}
	v := s[0]
	return &v
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
