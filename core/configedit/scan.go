package configedit

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// stmtKind tells the three kinds of TOML statement apart.
type stmtKind int

const (
	// stmtTable is a standard table header, `[a.b]`.
	stmtTable stmtKind = iota
	// stmtArrayTable is an array-of-tables header, `[[a.b]]`.
	stmtArrayTable
	// stmtKeyValue is a key/value pair, `a.b = value`, possibly spanning
	// several lines (multi-line strings, arrays, inline tables).
	stmtKeyValue
)

// stmt is one statement of a document.
type stmt struct {
	kind stmtKind
	// path is the full, decoded key path: the header's key for a header, the
	// enclosing table's path followed by the key for a key/value pair.
	path []string
	// start and end are the lines the statement covers, end exclusive. A
	// statement always begins on a line of its own and ends with its line.
	start, end int
}

// isHeader reports whether s opens a table.
func (s stmt) isHeader() bool { return s.kind != stmtKeyValue }

// document is a TOML text cut into lines, with the position of each
// statement. Lines not covered by a statement are blank or comments.
type document struct {
	// lines hold the text, each line with its terminator ("\n" or "\r\n");
	// only the last line may lack one.
	lines []string
	// stmts are the statements in order.
	stmts []stmt
	// eol is the line terminator new text is written with: "\r\n" when the
	// first line ends that way, else "\n".
	eol string
}

// scanDocument locates the statements of src, which must be valid TOML (it
// is checked with the full parser beforehand): the scanner only needs to
// find where statements begin and end and what their keys are.
func scanDocument(src string) (*document, error) {
	doc := &document{eol: "\n"}
	var starts []int
	for pos := 0; pos < len(src); {
		starts = append(starts, pos)
		i := strings.IndexByte(src[pos:], '\n')
		if i < 0 {
			doc.lines = append(doc.lines, src[pos:])
			break
		}
		doc.lines = append(doc.lines, src[pos:pos+i+1])
		pos += i + 1
	}
	if len(doc.lines) > 0 && strings.HasSuffix(doc.lines[0], "\r\n") {
		doc.eol = "\r\n"
	}
	// startLine is the line holding byte pos; endLine the number of lines
	// that begin before pos.
	startLine := func(pos int) int { return sort.SearchInts(starts, pos+1) - 1 }
	endLine := func(pos int) int { return sort.SearchInts(starts, pos) }

	l := &lexer{src: src}
	var table []string
	for {
		l.skipSpace()
		if l.eof() {
			break
		}
		begin := l.pos
		switch l.peek() {
		case '\r', '\n', '#':
			l.skipLine()
			continue
		case '[':
			kind := stmtTable
			l.pos++
			if l.peek() == '[' {
				kind = stmtArrayTable
				l.pos++
			}
			key, err := l.key()
			if err != nil {
				return nil, l.fail(startLine, err)
			}
			l.skipSpace()
			closing := "]"
			if kind == stmtArrayTable {
				closing = "]]"
			}
			if !strings.HasPrefix(l.src[l.pos:], closing) {
				return nil, l.fail(startLine, fmt.Errorf("expected %q after a table name", closing))
			}
			l.pos += len(closing)
			l.skipLine()
			table = key
			doc.stmts = append(doc.stmts, stmt{kind: kind, path: key, start: startLine(begin), end: endLine(l.pos)})
		default:
			key, err := l.key()
			if err != nil {
				return nil, l.fail(startLine, err)
			}
			l.skipSpace()
			if l.peek() != '=' {
				return nil, l.fail(startLine, errors.New("expected '=' after a key"))
			}
			l.pos++
			l.skipSpace()
			if err := l.value(); err != nil {
				return nil, l.fail(startLine, err)
			}
			l.skipLine()
			path := append(append([]string(nil), table...), key...)
			doc.stmts = append(doc.stmts, stmt{kind: stmtKeyValue, path: path, start: startLine(begin), end: endLine(l.pos)})
		}
	}
	return doc, nil
}

// lexer walks a TOML text byte by byte.
type lexer struct {
	src string
	pos int
}

func (l *lexer) eof() bool { return l.pos >= len(l.src) }

// peek returns the current byte, or 0 at the end.
func (l *lexer) peek() byte {
	if l.eof() {
		return 0
	}
	return l.src[l.pos]
}

// fail reports err at the current line.
func (l *lexer) fail(line func(int) int, err error) error {
	return fmt.Errorf("line %d: %w", line(min(l.pos, len(l.src)-1))+1, err)
}

// skipSpace skips spaces and tabs.
func (l *lexer) skipSpace() {
	for !l.eof() && (l.src[l.pos] == ' ' || l.src[l.pos] == '\t') {
		l.pos++
	}
}

// skipLine moves past the next newline, or to the end. The rest of a line
// after a statement can only hold whitespace, a comment or (after a date
// written with a space) the time part of a date-time.
func (l *lexer) skipLine() {
	i := strings.IndexByte(l.src[l.pos:], '\n')
	if i < 0 {
		l.pos = len(l.src)
		return
	}
	l.pos += i + 1
}

// skipTrivia skips whitespace, newlines and comments, as allowed between the
// elements of arrays and inline tables.
func (l *lexer) skipTrivia() {
	for !l.eof() {
		switch l.src[l.pos] {
		case ' ', '\t', '\r', '\n':
			l.pos++
		case '#':
			i := strings.IndexByte(l.src[l.pos:], '\n')
			if i < 0 {
				l.pos = len(l.src)
				return
			}
			l.pos += i
		default:
			return
		}
	}
}

// key reads a possibly dotted key and returns its decoded parts.
func (l *lexer) key() ([]string, error) {
	var parts []string
	for {
		l.skipSpace()
		part, err := l.keyPart()
		if err != nil {
			return nil, err
		}
		parts = append(parts, part)
		l.skipSpace()
		if l.peek() != '.' {
			return parts, nil
		}
		l.pos++
	}
}

// keyPart reads one bare, basic-quoted or literal-quoted key.
func (l *lexer) keyPart() (string, error) {
	switch l.peek() {
	case '"':
		start := l.pos
		if err := l.basicString(); err != nil {
			return "", err
		}
		return unescapeBasic(l.src[start+1 : l.pos-1])
	case '\'':
		start := l.pos
		if err := l.literalString(); err != nil {
			return "", err
		}
		return l.src[start+1 : l.pos-1], nil
	}
	start := l.pos
	for !l.eof() && !strings.ContainsRune(" \t\r\n.=[]{},\"'#", rune(l.src[l.pos])) {
		l.pos++
	}
	if l.pos == start {
		return "", errors.New("expected a key")
	}
	return l.src[start:l.pos], nil
}

// value skips one value of any type.
func (l *lexer) value() error {
	rest := l.src[l.pos:]
	switch {
	case strings.HasPrefix(rest, `"""`):
		return l.multiLineString('"')
	case strings.HasPrefix(rest, `'''`):
		return l.multiLineString('\'')
	}
	switch l.peek() {
	case '"':
		return l.basicString()
	case '\'':
		return l.literalString()
	case '[':
		return l.array()
	case '{':
		return l.inlineTable()
	}
	// Numbers, booleans, dates and times. A date-time may use a space
	// between date and time; the time part is then skipped as the rest of
	// the line, or as one more element inside an array.
	start := l.pos
	for !l.eof() && !strings.ContainsRune(" \t\r\n,]}#", rune(l.src[l.pos])) {
		l.pos++
	}
	if l.pos == start {
		return fmt.Errorf("expected a value, found %q", l.peek())
	}
	return nil
}

// basicString skips a single-line "..." string.
func (l *lexer) basicString() error {
	for l.pos++; !l.eof(); l.pos++ {
		switch l.src[l.pos] {
		case '\\':
			l.pos++
		case '"':
			l.pos++
			return nil
		case '\n':
			return errors.New("unterminated string")
		}
	}
	return errors.New("unterminated string")
}

// literalString skips a single-line '...' string.
func (l *lexer) literalString() error {
	i := strings.IndexAny(l.src[l.pos+1:], "'\n")
	if i < 0 || l.src[l.pos+1+i] != '\'' {
		return errors.New("unterminated string")
	}
	l.pos += i + 2
	return nil
}

// multiLineString skips a multi-line basic or literal string, delimited by
// three quotes of its kind. The closing delimiter may be preceded by up to
// two quotes belonging to the content.
func (l *lexer) multiLineString(quote byte) error {
	delim := strings.Repeat(string(quote), 3)
	for l.pos += 3; !l.eof(); {
		c := l.src[l.pos]
		if c == '\\' && quote == '"' {
			l.pos += 2
			continue
		}
		if strings.HasPrefix(l.src[l.pos:], delim) {
			n := 3
			for n < 5 && l.pos+n < len(l.src) && l.src[l.pos+n] == quote {
				n++
			}
			l.pos += n
			return nil
		}
		l.pos++
	}
	return errors.New("unterminated multi-line string")
}

// array skips a [...] value, which may span lines and hold comments.
func (l *lexer) array() error {
	for l.pos++; ; {
		l.skipTrivia()
		switch l.peek() {
		case 0:
			return errors.New("unterminated array")
		case ']':
			l.pos++
			return nil
		case ',':
			l.pos++
		default:
			if err := l.value(); err != nil {
				return err
			}
		}
	}
}

// inlineTable skips a {...} value. Newlines and comments are accepted
// inside, as TOML 1.1 allows.
func (l *lexer) inlineTable() error {
	for l.pos++; ; {
		l.skipTrivia()
		switch l.peek() {
		case 0:
			return errors.New("unterminated inline table")
		case '}':
			l.pos++
			return nil
		case ',':
			l.pos++
		default:
			if _, err := l.key(); err != nil {
				return err
			}
			l.skipSpace()
			if l.peek() != '=' {
				return errors.New("expected '=' in an inline table")
			}
			l.pos++
			l.skipSpace()
			if err := l.value(); err != nil {
				return err
			}
		}
	}
}

// unescapeBasic decodes the content of a basic string.
func unescapeBasic(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", errors.New("unfinished escape sequence")
		}
		switch s[i] {
		case 'b':
			b.WriteByte('\b')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'f':
			b.WriteByte('\f')
		case 'r':
			b.WriteByte('\r')
		case 'e':
			b.WriteByte(0x1b)
		case '"':
			b.WriteByte('"')
		case '\\':
			b.WriteByte('\\')
		case 'x', 'u', 'U':
			n := 2
			switch s[i] {
			case 'u':
				n = 4
			case 'U':
				n = 8
			}
			if i+1+n > len(s) {
				return "", fmt.Errorf("short \\%c escape", s[i])
			}
			code, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil || !utf8.ValidRune(rune(code)) {
				return "", fmt.Errorf("invalid \\%c escape", s[i])
			}
			b.WriteRune(rune(code))
			i += n
		default:
			return "", fmt.Errorf("invalid escape \\%c", s[i])
		}
	}
	return b.String(), nil
}
