package patch

import (
	"path/filepath"
	"strings"
)

// isPatchCommand reports whether name invokes the patch tool.
func isPatchCommand(name string) bool {
	return name == "apply_patch" || name == "applypatch"
}

// FromShellArgv recognises a command line that applies a patch:
//
//	["apply_patch", PATCH] or ["applypatch", PATCH]
//	["bash"|"sh"|"zsh", "-lc"|"-c", "apply_patch <<'EOF'\n...\nEOF\n"]
//
// The script may start with "cd DIR &&", in which case DIR is returned as
// workdir (as written; relative to the command's own directory when not
// absolute). The heredoc delimiter may be any word, quoted or not. ok is
// false when argv is not such a call.
func FromShellArgv(argv []string) (patchText string, workdir string, ok bool) {
	switch {
	case len(argv) == 2 && isPatchCommand(argv[0]):
		return argv[1], "", true
	case len(argv) == 3 && isShell(argv[0]) && (argv[1] == "-lc" || argv[1] == "-c"):
		return patchFromScript(argv[2])
	}
	return "", "", false
}

func isShell(name string) bool {
	switch filepath.Base(name) {
	case "bash", "sh", "zsh":
		return true
	}
	return false
}

// patchFromScript extracts the heredoc body of `[cd DIR &&] apply_patch <<DELIM`.
func patchFromScript(script string) (string, string, bool) {
	s := strings.TrimLeft(script, " \t\r\n")
	workdir := ""
	if rest, found := strings.CutPrefix(s, "cd"); found && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
		dir, after, ok := shellWord(strings.TrimLeft(rest, " \t"))
		if !ok || dir == "" {
			return "", "", false
		}
		after, found = strings.CutPrefix(strings.TrimLeft(after, " \t"), "&&")
		if !found {
			return "", "", false
		}
		workdir = dir
		s = strings.TrimLeft(after, " \t")
	}
	name, rest, ok := shellWord(s)
	if !ok || !isPatchCommand(name) {
		return "", "", false
	}
	rest, found := strings.CutPrefix(strings.TrimLeft(rest, " \t"), "<<")
	if !found {
		return "", "", false
	}
	stripTabs := false
	if strings.HasPrefix(rest, "-") {
		stripTabs = true
		rest = rest[1:]
	}
	delim, rest, ok := shellWord(strings.TrimLeft(rest, " \t"))
	if !ok || delim == "" {
		return "", "", false
	}
	header, body, found := strings.Cut(rest, "\n")
	if !found || strings.TrimSpace(header) != "" {
		return "", "", false
	}
	lines := strings.SplitAfter(body, "\n")
	var b strings.Builder
	for i, line := range lines {
		text := strings.TrimRight(line, "\r\n")
		if stripTabs {
			text = strings.TrimLeft(text, "\t")
		}
		if text == delim {
			// Only whitespace may follow the heredoc.
			if strings.TrimSpace(strings.Join(lines[i+1:], "")) != "" {
				return "", "", false
			}
			return b.String(), workdir, true
		}
		if stripTabs {
			line = strings.TrimLeft(line, "\t")
		}
		b.WriteString(line)
	}
	return "", "", false
}

// shellWord reads one shell word from the start of s: a bare word ending at
// whitespace or a shell operator, or a single- or double-quoted string (no
// escapes inside). It returns the word and the remaining text.
func shellWord(s string) (word, rest string, ok bool) {
	if s == "" {
		return "", "", false
	}
	if q := s[0]; q == '\'' || q == '"' {
		end := strings.IndexByte(s[1:], q)
		if end < 0 {
			return "", "", false
		}
		return s[1 : 1+end], s[2+end:], true
	}
	end := strings.IndexAny(s, " \t\r\n;&|<>'\"")
	if end < 0 {
		return s, "", true
	}
	return s[:end], s[end:], true
}
