// Package approval decides when the user is asked before a shell command
// runs or a patch is applied, from the approval policy, the sandbox policy
// and what the command or patch does.
package approval

import (
	"regexp"
	"strings"

	"github.com/codex-go/codex/core/shellparse"
)

// safeAnyArgs are commands that only read whatever their arguments.
var safeAnyArgs = map[string]bool{
	"basename": true, "cat": true, "cd": true, "df": true, "dirname": true, "du": true,
	"echo": true, "false": true, "grep": true, "head": true, "id": true, "ls": true,
	"nl": true, "printenv": true, "pwd": true, "realpath": true, "stat": true,
	"tail": true, "true": true, "uname": true, "wc": true, "which": true, "whoami": true,
}

// sedPrint matches the only sed scripts considered safe: print line N or
// lines N to M.
var sedPrint = regexp.MustCompile(`^[0-9]+(,[0-9]+)?p$`)

// findUnsafe are the find actions that run commands or write files. find
// reads its expression word by word and matches these names exactly.
var findUnsafe = map[string]bool{
	"-exec": true, "-execdir": true, "-ok": true, "-okdir": true, "-delete": true,
	"-fls": true, "-fprint": true, "-fprint0": true, "-fprintf": true,
}

// dateOptions are GNU date's options: -s/--set sets the clock. An operand
// that does not start with "+" sets it too; isSafeCommand checks those.
var dateOptions = optionTable{
	dangerLong:  []string{"set"},
	dangerShort: "s",
	long: []string{"date=", "debug", "file=", "iso-8601", "resolution", "rfc-email",
		"rfc-3339=", "reference=", "utc", "universal", "help", "version"},
	complete:   true,
	valueShort: "dfr",
	optShort:   "I",
}

// treeOptions are tree's options: -o writes the listing to a file and -R
// writes one into every directory it reruns in. tree has no --output;
// refusing it costs nothing.
var treeOptions = optionTable{
	dangerLong:  []string{"output"},
	dangerShort: "oR",
	valueShort:  "LPIHT",
	valueAfter:  true,
}

// fileOptions are file's options: -C/--compile writes a compiled magic
// file, -z/-Z run decompressors and -p/--preserve-date sets file times.
var fileOptions = optionTable{
	dangerLong:  []string{"compile", "uncompress", "uncompress-noreport", "preserve-date"},
	dangerShort: "CzZp",
	long: []string{"magic-file=", "exclude=", "exclude-quiet=", "files-from=", "separator=",
		"parameter="},
	valueShort: "mefFP",
}

// rgOptions are ripgrep's options: --pre and --hostname-bin run programs,
// -z/--search-zip runs decompressors. -d is --max-depth from ripgrep 14 on.
var rgOptions = optionTable{
	dangerLong:  []string{"pre", "hostname-bin", "search-zip"},
	dangerShort: "z",
	valueShort:  "ABCEMTdefgjmrt",
}

// gitDangerLong are refused for every git subcommand: --output writes a
// file and --ext-diff runs the configured diff program.
var gitDangerLong = []string{"output", "ext-diff"}

// gitEndOfOptions ends git's options as "--" does.
const gitEndOfOptions = "--end-of-options"

// gitOptions are the options of the read-only git subcommands that need
// nothing more than gitDangerLong.
var gitOptions = optionTable{dangerLong: gitDangerLong, endOfOptions: gitEndOfOptions}

// gitGrepOptions are git grep's options: -O/--open-files-in-pager runs a
// pager on the matching files and --textconv runs the configured filters.
var gitGrepOptions = optionTable{
	dangerLong:   append([]string{"open-files-in-pager", "textconv"}, gitDangerLong...),
	dangerShort:  "O",
	long:         []string{"text"},
	valueShort:   "efABCm",
	endOfOptions: gitEndOfOptions,
}

// gitBranchOptions are every option of git branch (git 2.39, including
// hidden ones and the "--no-" forms parse-options accepts), so that an
// abbreviation can be resolved. The dangerous ones create, delete, rename,
// copy or retarget branches.
var gitBranchOptions = optionTable{
	dangerLong: append([]string{"delete", "move", "copy", "force", "set-upstream-to",
		"set-upstream", "unset-upstream", "edit-description", "track", "no-track",
		"create-reflog", "recurse-submodules"}, gitDangerLong...),
	dangerShort: "dDmMcCfut",
	long: []string{"abbrev", "all", "color", "column", "contains=", "format=", "ignore-case",
		"list", "merged=", "points-at=", "quiet", "remotes", "show-current", "sort=",
		"verbose", "with=", "without=", "no-abbrev", "no-all", "no-color", "no-column",
		"no-contains=", "no-copy", "no-create-reflog", "no-delete", "no-edit-description",
		"no-force", "no-format", "no-ignore-case", "no-list", "no-merged=", "no-move",
		"no-points-at", "no-quiet", "no-recurse-submodules", "no-remotes",
		"no-set-upstream", "no-set-upstream-to", "no-show-current", "no-sort",
		"no-unset-upstream", "no-verbose"},
	complete:     true,
	valueShort:   "u",
	optShort:     "t",
	endOfOptions: gitEndOfOptions,
}

// gitBranchList are the git branch options that select list mode, in
// which operands are patterns rather than names of branches to create.
var gitBranchList = map[string]bool{
	"list": true, "contains=": true, "no-contains=": true, "merged=": true,
	"no-merged=": true, "points-at=": true, "with=": true, "without=": true,
}

// gitBranchUnlist are the git branch options that undo a list option.
var gitBranchUnlist = map[string]bool{"no-list": true, "no-points-at": true}

// gitSubcommands are the git subcommands that only read, with their
// options.
var gitSubcommands = map[string]*optionTable{
	"status": &gitOptions, "log": &gitOptions, "diff": &gitOptions, "show": &gitOptions,
	"rev-parse": &gitOptions, "ls-files": &gitOptions, "blame": &gitOptions,
	"grep": &gitGrepOptions, "branch": &gitBranchOptions,
}

// IsKnownSafe reports whether argv only reads: it can be split into simple
// commands (see shellparse.Commands) and every one of them is on the safe
// list. Scripts that cannot be split are never safe.
func IsKnownSafe(argv []string) bool {
	cmds, ok := shellparse.Commands(argv)
	if !ok || len(cmds) == 0 {
		return false
	}
	for _, c := range cmds {
		if !isSafeCommand(c) {
			return false
		}
	}
	return true
}

// isSafeCommand reports whether one simple command only reads.
func isSafeCommand(words []string) bool {
	name, args := words[0], words[1:]
	if safeAnyArgs[name] {
		return true
	}
	switch name {
	case "date":
		s := dateOptions.scan(args)
		if s.danger {
			return false
		}
		for _, o := range s.operands {
			if !strings.HasPrefix(o, "+") {
				return false
			}
		}
		return true
	case "tree":
		return !treeOptions.scan(args).danger
	case "file":
		return !fileOptions.scan(args).danger
	case "sed":
		return (len(args) == 2 || len(args) == 3) && args[0] == "-n" && sedPrint.MatchString(args[1]) &&
			(len(args) == 2 || !strings.HasPrefix(args[2], "-"))
	case "rg":
		return !rgOptions.scan(args).danger
	case "find":
		for _, a := range args {
			if findUnsafe[a] {
				return false
			}
		}
		return true
	case "git":
		return isSafeGit(args)
	}
	return false
}

// isSafeGit reports whether a git invocation (without "git") only reads.
// Global options before the subcommand are refused because they can set
// configuration that runs programs.
func isSafeGit(args []string) bool {
	if len(args) == 0 || gitSubcommands[args[0]] == nil {
		return false
	}
	s := gitSubcommands[args[0]].scan(args[1:])
	if s.danger {
		return false
	}
	return args[0] != "branch" || len(s.operands) == 0 || gitBranchListMode(s.options)
}

// gitBranchListMode reports whether the options given to git branch
// certainly select list mode: one of them can only be a list option, and
// none could undo it.
func gitBranchListMode(options []string) bool {
	list := false
	for _, o := range options {
		if o == "-l" {
			list = true
		}
		name, ok := strings.CutPrefix(o, "--")
		if !ok {
			continue
		}
		cands := gitBranchOptions.candidates(name)
		if len(cands) == 1 && gitBranchList[cands[0]] {
			list = true
		}
		for _, c := range cands {
			if gitBranchUnlist[c] {
				return false
			}
		}
	}
	return list
}
