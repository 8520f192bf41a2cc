package filesearch

import (
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// patternKind selects how a pattern is matched; the first two are fast
// paths for the shapes most .gitignore lines take.
type patternKind uint8

const (
	kindLiteral patternKind = iota // no wildcards: compare the strings
	kindSuffix                     // "*" followed by a literal: compare the end
	kindGlob                       // anything else: full wildcard matching
)

// ignorePattern is one line of a .gitignore file.
type ignorePattern struct {
	glob     string // the pattern without "!", leading "/" and trailing "/"
	lit      string // literal text for the fast paths
	kind     patternKind
	negate   bool // "!pattern": re-include what an earlier pattern excluded
	dirOnly  bool // "pattern/": matches directories only
	anchored bool // contains "/": matched against the whole relative path
}

// parseIgnore parses the contents of a .gitignore (or info/exclude) file.
func parseIgnore(data string) []ignorePattern {
	var out []ignorePattern
	for line := range strings.SplitSeq(data, "\n") {
		if p, ok := parsePatternLine(line); ok {
			out = append(out, p)
		}
	}
	return out
}

// parsePatternLine parses one line, reporting false for blank lines,
// comments and lines that cannot match anything.
func parsePatternLine(line string) (ignorePattern, bool) {
	line = strings.TrimSuffix(line, "\r")
	if line == "" || line[0] == '#' {
		return ignorePattern{}, false
	}
	line = trimTrailingSpaces(line)
	if line == "" {
		return ignorePattern{}, false
	}
	var p ignorePattern
	if line[0] == '!' {
		p.negate = true
		line = line[1:]
	}
	if strings.HasSuffix(line, "/") {
		p.dirOnly = true
		line = strings.TrimRight(line, "/")
	}
	if line == "" {
		return ignorePattern{}, false
	}
	if strings.Contains(line, "/") {
		p.anchored = true
		line = strings.TrimPrefix(line, "/")
		if line == "" {
			return ignorePattern{}, false
		}
	}
	p.glob = line
	switch {
	case !hasWildcard(line):
		p.kind, p.lit = kindLiteral, line
	case !p.anchored && line[0] == '*' && !hasWildcard(line[1:]):
		p.kind, p.lit = kindSuffix, line[1:]
	default:
		p.kind = kindGlob
	}
	return p, true
}

// trimTrailingSpaces removes trailing spaces that are not escaped with a
// backslash.
func trimTrailingSpaces(s string) string {
	end := len(s)
	for end > 0 && s[end-1] == ' ' {
		// Count the backslashes before this space: an odd number escapes it.
		bs := 0
		for i := end - 2; i >= 0 && s[i] == '\\'; i-- {
			bs++
		}
		if bs%2 == 1 {
			break
		}
		end--
	}
	return s[:end]
}

// hasWildcard reports whether s contains a character with special meaning
// in a glob.
func hasWildcard(s string) bool {
	return strings.ContainsAny(s, `*?[\`)
}

// matches reports whether the pattern matches the entry at relPath
// (slash-separated, relative to the directory of the ignore file) whose last
// element is name.
func (p *ignorePattern) matches(relPath, name string, isDir bool) bool {
	if p.dirOnly && !isDir {
		return false
	}
	subject := name
	if p.anchored {
		subject = relPath
	}
	switch p.kind {
	case kindLiteral:
		return subject == p.lit
	case kindSuffix:
		return strings.HasSuffix(subject, p.lit)
	default:
		return wildmatch(p.glob, 0, subject, 0)
	}
}

// ignoreFile is the parsed content of one ignore file, applying to the
// entries below dir.
type ignoreFile struct {
	dir      string // slash path of the file's directory relative to the walk origin; "" for the origin
	patterns []ignorePattern
}

// ignoreStack is the chain of ignore files in effect for a directory, the
// innermost first. Stacks are immutable and shared between directories.
type ignoreStack struct {
	file   ignoreFile
	parent *ignoreStack
}

// push returns a stack with f on top of s.
func (s *ignoreStack) push(f ignoreFile) *ignoreStack {
	if len(f.patterns) == 0 {
		return s
	}
	return &ignoreStack{file: f, parent: s}
}

// ignored reports whether the entry at relPath (slash-separated, relative to
// the walk origin) is excluded. Deeper files take precedence over shallower
// ones and, within a file, the last matching pattern decides.
func (s *ignoreStack) ignored(relPath, name string, isDir bool) bool {
	for st := s; st != nil; st = st.parent {
		sub := relPath
		if d := st.file.dir; d != "" {
			if len(relPath) <= len(d) || relPath[len(d)] != '/' || relPath[:len(d)] != d {
				continue
			}
			sub = relPath[len(d)+1:]
		}
		pats := st.file.patterns
		for i := len(pats) - 1; i >= 0; i-- {
			if pats[i].matches(sub, name, isDir) {
				return !pats[i].negate
			}
		}
	}
	return false
}

// readIgnoreFile parses the ignore file at path; a missing or unreadable
// file yields no patterns.
func readIgnoreFile(path, dir string) ignoreFile {
	data, err := os.ReadFile(path)
	if err != nil {
		return ignoreFile{dir: dir}
	}
	return ignoreFile{dir: dir, patterns: parseIgnore(string(data))}
}

// wildmatch reports whether text[ti:] matches pattern p[pi:] with gitignore
// glob rules: "*" and "?" do not match "/", "**" between slashes matches any
// number of directories, "[...]" is a character class and "\" escapes.
func wildmatch(p string, pi int, text string, ti int) bool {
	for pi < len(p) {
		switch p[pi] {
		case '*':
			stars := pi
			for pi < len(p) && p[pi] == '*' {
				pi++
			}
			doubled := pi-stars >= 2 &&
				(stars == 0 || p[stars-1] == '/') &&
				(pi == len(p) || p[pi] == '/')
			if doubled {
				if pi == len(p) {
					return true // trailing "**" takes everything below
				}
				// "**/" matches zero or more leading directories.
				rest := pi + 1
				for k := ti; ; {
					if wildmatch(p, rest, text, k) {
						return true
					}
					slash := strings.IndexByte(text[k:], '/')
					if slash < 0 {
						return false
					}
					k += slash + 1
				}
			}
			if pi == len(p) {
				return !strings.Contains(text[ti:], "/")
			}
			for k := ti; k <= len(text); k++ {
				if wildmatch(p, pi, text, k) {
					return true
				}
				if k < len(text) && text[k] == '/' {
					return false
				}
			}
			return false
		case '?':
			if ti >= len(text) || text[ti] == '/' {
				return false
			}
			_, size := utf8.DecodeRuneInString(text[ti:])
			ti += size
			pi++
		case '[':
			if ti >= len(text) || text[ti] == '/' {
				return false
			}
			r, size := utf8.DecodeRuneInString(text[ti:])
			matched, next, ok := matchClass(p, pi, r)
			if !ok || !matched {
				// As in git, an unterminated class matches nothing.
				return false
			}
			ti += size
			pi = next
		case '\\':
			if pi+1 >= len(p) {
				return false // a trailing backslash matches nothing
			}
			if ti >= len(text) || text[ti] != p[pi+1] {
				return false
			}
			ti++
			pi += 2
		default:
			if ti >= len(text) || text[ti] != p[pi] {
				return false
			}
			ti++
			pi++
		}
	}
	return ti == len(text)
}

// matchClass matches r against the bracket expression starting at p[start]
// ("["). It returns whether r matched, the index after the closing "]", and
// false in ok when the expression is not terminated.
func matchClass(p string, start int, r rune) (matched bool, next int, ok bool) {
	i := start + 1
	negate := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		negate = true
		i++
	}
	first := true
	for i < len(p) {
		if p[i] == ']' && !first {
			return matched != negate, i + 1, true
		}
		first = false
		if p[i] == '[' && i+1 < len(p) && p[i+1] == ':' {
			if end := strings.Index(p[i+2:], ":]"); end >= 0 {
				name := p[i+2 : i+2+end]
				if classContains(name, r) {
					matched = true
				}
				i += end + 4
				continue
			}
		}
		lo, n := classChar(p, i)
		if n == 0 {
			return false, 0, false
		}
		i += n
		hi := lo
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			h, m := classChar(p, i+1)
			if m == 0 {
				return false, 0, false
			}
			hi = h
			i += 1 + m
		}
		if lo <= r && r <= hi {
			matched = true
		}
	}
	return false, 0, false
}

// classChar decodes one possibly escaped character of a bracket expression,
// returning it and the number of bytes used (0 at the end of p).
func classChar(p string, i int) (rune, int) {
	if i >= len(p) {
		return 0, 0
	}
	if p[i] == '\\' {
		if i+1 >= len(p) {
			return 0, 0
		}
		r, n := utf8.DecodeRuneInString(p[i+1:])
		return r, n + 1
	}
	return utf8.DecodeRuneInString(p[i:])
}

// classContains implements the POSIX character classes of bracket
// expressions, such as [:alpha:].
func classContains(name string, r rune) bool {
	switch name {
	case "alnum":
		return unicode.IsLetter(r) || unicode.IsDigit(r)
	case "alpha":
		return unicode.IsLetter(r)
	case "blank":
		return r == ' ' || r == '\t'
	case "cntrl":
		return unicode.IsControl(r)
	case "digit":
		return '0' <= r && r <= '9'
	case "graph":
		return unicode.IsGraphic(r) && !unicode.IsSpace(r)
	case "lower":
		return unicode.IsLower(r)
	case "print":
		return unicode.IsPrint(r)
	case "punct":
		return unicode.IsPunct(r) || unicode.IsSymbol(r)
	case "space":
		return unicode.IsSpace(r)
	case "upper":
		return unicode.IsUpper(r)
	case "xdigit":
		return '0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F'
	}
	return false
}
