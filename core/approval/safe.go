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

// findUnsafe are the find actions that run commands or write files.
var findUnsafe = map[string]bool{
	"-exec": true, "-execdir": true, "-ok": true, "-okdir": true, "-delete": true,
	"-fls": true, "-fprint": true, "-fprint0": true, "-fprintf": true,
}

// gitReadOnly are the git subcommands that only read the repository.
var gitReadOnly = map[string]bool{
	"status": true, "log": true, "diff": true, "show": true, "branch": true,
	"rev-parse": true, "ls-files": true, "blame": true, "grep": true,
}

// gitBranchWriteLong are the git branch options that change branches.
var gitBranchWriteLong = map[string]bool{
	"--delete": true, "--move": true, "--copy": true, "--force": true,
	"--set-upstream-to": true, "--unset-upstream": true, "--edit-description": true,
	"--track": true, "--no-track": true, "--create-reflog": true, "--recurse-submodules": true,
}

// gitBranchListLong are the git branch options that select list mode, in
// which operands are patterns or commits rather than new branch names.
var gitBranchListLong = map[string]bool{
	"--list": true, "--contains": true, "--no-contains": true, "--merged": true,
	"--no-merged": true, "--points-at": true, "--verbose": true,
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
		// -s/--set changes the system clock.
		return !anyLong(args, "--set") && !anyShort(args, "s", "dfIr")
	case "tree":
		// -o writes the listing to a file; -R writes one into every directory.
		return !anyLong(args, "--output") && !anyShort(args, "oR", "LPIHT")
	case "file":
		// -C compiles a magic file and writes it out.
		return !anyLong(args, "--compile") && !anyShort(args, "C", "eFfmP")
	case "sed":
		return (len(args) == 2 || len(args) == 3) && args[0] == "-n" && sedPrint.MatchString(args[1]) &&
			(len(args) == 2 || !strings.HasPrefix(args[2], "-"))
	case "rg":
		// --pre and --hostname-bin run programs; -z runs decompressors.
		return !anyLong(args, "--pre", "--hostname-bin", "--search-zip") && !anyShort(args, "z", "efgtTmABCMjErd")
	case "find":
		for _, a := range args {
			if findUnsafe[a] {
				return false
			}
		}
		return true
	case "git":
		return isSafeGit(args)
	case "cargo":
		return len(args) > 0 && args[0] == "check"
	}
	return false
}

// isSafeGit reports whether a git invocation (without "git") only reads.
// Global options before the subcommand are refused because they can set
// configuration that runs programs.
func isSafeGit(args []string) bool {
	if len(args) == 0 || !gitReadOnly[args[0]] {
		return false
	}
	sub, rest := args[0], args[1:]
	// --output writes a file, --ext-diff runs the configured diff program.
	if anyLong(rest, "--output", "--ext-diff") {
		return false
	}
	switch sub {
	case "grep":
		// -O opens the matching files in a pager.
		return !anyLong(rest, "--open-files-in-pager") && !anyShort(rest, "O", "efABCm")
	case "branch":
		return isSafeGitBranch(rest)
	}
	return true
}

// isSafeGitBranch accepts git branch only in list mode: no option that
// creates, deletes, renames, copies or retargets a branch, and operands only
// when an option selects list mode.
func isSafeGitBranch(args []string) bool {
	listMode := false
	hasOperand := false
	for _, a := range args {
		switch {
		case a == "--":
			hasOperand = true
		case strings.HasPrefix(a, "--"):
			name, _, _ := strings.Cut(a, "=")
			if gitBranchWriteLong[name] {
				return false
			}
			if gitBranchListLong[name] {
				listMode = true
			}
		case strings.HasPrefix(a, "-") && a != "-":
			if strings.ContainsAny(a[1:], "dDmMcCfut") {
				return false
			}
			if strings.ContainsAny(a[1:], "lv") {
				listMode = true
			}
		default:
			hasOperand = true
		}
	}
	return !hasOperand || listMode
}

// anyLong reports whether args, before any "--", contain one of the long
// options names, alone or with "=value".
func anyLong(args []string, names ...string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		name, _, _ := strings.Cut(a, "=")
		for _, n := range names {
			if name == n {
				return true
			}
		}
	}
	return false
}

// anyShort reports whether args, before any "--", contain one of the short
// option letters in letters. Clusters are read letter by letter; a letter
// in valued takes the rest of its cluster as its value, so it ends the scan
// of that cluster. Values given as separate words are scanned like options,
// which can only make the answer more cautious.
func anyShort(args []string, letters, valued string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if len(a) < 2 || a[0] != '-' || a[1] == '-' {
			continue
		}
		for _, c := range a[1:] {
			if strings.ContainsRune(letters, c) {
				return true
			}
			if strings.ContainsRune(valued, c) {
				break
			}
		}
	}
	return false
}
