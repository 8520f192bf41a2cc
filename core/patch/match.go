package patch

import (
	"fmt"
	"sort"
	"strings"
)

// matchLevel is how strictly two lines must agree to count as equal.
type matchLevel int

const (
	matchExact      matchLevel = iota // byte for byte
	matchTrimRight                    // ignoring trailing whitespace
	matchTrimBoth                     // ignoring leading and trailing whitespace
	matchNormalized                   // also mapping typographic punctuation to ASCII
)

func linesEqual(a, b string, level matchLevel) bool {
	switch level {
	case matchExact:
		return a == b
	case matchTrimRight:
		return strings.TrimRight(a, " \t\r\f\v") == strings.TrimRight(b, " \t\r\f\v")
	case matchTrimBoth:
		return strings.TrimSpace(a) == strings.TrimSpace(b)
	default:
		return normalizePunctuation(a) == normalizePunctuation(b)
	}
}

// normalizePunctuation trims s and maps the typographic dashes, quotes and
// spaces that commonly replace their ASCII counterparts.
func normalizePunctuation(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\uFE58', '\uFE63', '\uFF0D':
			b.WriteByte('-')
		case '\u2018', '\u2019', '\u201A', '\u201B', '\u2032':
			b.WriteByte('\'')
		case '\u201C', '\u201D', '\u201E', '\u201F', '\u2033':
			b.WriteByte('"')
		case '\u00A0', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200A',
			'\u202F', '\u205F', '\u3000':
			b.WriteByte(' ')
		case '\u2026':
			b.WriteString("...")
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// seek finds pattern in lines at or after start and returns its index, or -1.
// Every match level is tried over the whole range before the next, looser
// one. With atEnd, the position that puts pattern at the very end of lines
// is tried first at each level.
func seek(lines, pattern []string, start int, atEnd bool) int {
	if len(pattern) == 0 {
		return start
	}
	last := len(lines) - len(pattern)
	if last < start {
		return -1
	}
	matchesAt := func(i int, level matchLevel) bool {
		for j, p := range pattern {
			if !linesEqual(lines[i+j], p, level) {
				return false
			}
		}
		return true
	}
	for level := matchExact; level <= matchNormalized; level++ {
		if atEnd && matchesAt(last, level) {
			return last
		}
		for i := start; i <= last; i++ {
			if matchesAt(i, level) {
				return i
			}
		}
	}
	return -1
}

// replacement swaps lines[start:start+remove] for insert.
type replacement struct {
	start, remove int
	insert        []string
}

// splitFileLines splits file content into lines without terminators and
// reports the line ending to write back: "\r\n" when every line of the file
// ends that way, "\n" otherwise.
func splitFileLines(content string) ([]string, string) {
	if content == "" {
		return nil, "\n"
	}
	lines := strings.Split(content, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	eol := "\n"
	if n := strings.Count(content, "\n"); n > 0 && strings.Count(content, "\r\n") == n {
		eol = "\r\n"
		for i, l := range lines {
			lines[i] = strings.TrimSuffix(l, "\r")
		}
	}
	return lines, eol
}

// applyChunks returns content with chunks applied. name identifies the file
// in error messages. The result always ends with a line terminator unless it
// is empty.
func applyChunks(content string, chunks []Chunk, name string) (string, error) {
	lines, eol := splitFileLines(content)
	var repls []replacement
	pos := 0
	for _, c := range chunks {
		if c.Context != "" {
			idx := seek(lines, []string{c.Context}, pos, false)
			if idx < 0 {
				return "", fmt.Errorf("%s: %s: could not find the line %q", name, chunkWhere(c), c.Context)
			}
			pos = idx + 1
		}
		oldLines, newLines := c.Old(), c.New()
		if len(oldLines) == 0 {
			// A pure insertion goes right after its header line, or at the
			// end of the file when it has none.
			at := len(lines)
			if c.Context != "" {
				at = pos
			}
			repls = append(repls, replacement{start: at, insert: newLines})
			continue
		}
		idx := seek(lines, oldLines, pos, c.EndOfFile)
		// Blank lines trailing a chunk are often separators rather than
		// content; retry without them.
		for idx < 0 && len(oldLines) > 0 && oldLines[len(oldLines)-1] == "" {
			oldLines = oldLines[:len(oldLines)-1]
			if len(newLines) > 0 && newLines[len(newLines)-1] == "" {
				newLines = newLines[:len(newLines)-1]
			}
			if len(oldLines) == 0 {
				break
			}
			idx = seek(lines, oldLines, pos, c.EndOfFile)
		}
		if idx < 0 {
			return "", fmt.Errorf("%s: %s: could not find the expected lines:\n%s",
				name, chunkWhere(c), strings.Join(c.Old(), "\n"))
		}
		repls = append(repls, replacement{start: idx, remove: len(oldLines), insert: keepContext(c, lines[idx:idx+len(oldLines)], newLines)})
		pos = idx + len(oldLines)
	}
	sort.SliceStable(repls, func(i, j int) bool { return repls[i].start < repls[j].start })
	for i := len(repls) - 1; i >= 0; i-- {
		r := repls[i]
		tail := append([]string(nil), lines[r.start+r.remove:]...)
		lines = append(append(lines[:r.start], r.insert...), tail...)
	}
	if len(lines) == 0 {
		return "", nil
	}
	return strings.Join(lines, eol) + eol, nil
}

// keepContext returns newLines with each context line replaced by the file
// line it matched, so loose matching never rewrites unchanged lines. matched
// is the file region that the chunk's old lines matched (possibly shortened
// by dropped trailing blank lines).
func keepContext(c Chunk, matched, newLines []string) []string {
	out := append([]string(nil), newLines...)
	o, n := 0, 0
	for _, l := range c.Lines {
		switch l.Kind {
		case LineContext:
			if o < len(matched) && n < len(out) {
				out[n] = matched[o]
			}
			o++
			n++
		case LineRemoved:
			o++
		case LineAdded:
			n++
		}
	}
	return out
}

// chunkWhere describes a chunk's position in the patch for error messages.
func chunkWhere(c Chunk) string {
	if c.Line > 0 {
		return fmt.Sprintf("change at patch line %d", c.Line)
	}
	return "change"
}
