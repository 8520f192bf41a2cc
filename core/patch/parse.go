// Package patch implements the apply_patch file-editing format: a plain-text
// envelope ("*** Begin Patch" ... "*** End Patch") holding file additions,
// deletions and context-anchored updates. Parse turns the text into a Patch,
// Verify resolves it against the filesystem without writing, and Plan.Apply
// performs the writes. The package also renders unified diffs and tracks the
// cumulative diff of several patches.
package patch

import (
	"fmt"
	"regexp"
	"strings"
)

// Marker lines of the format.
const (
	beginMarker     = "*** Begin Patch"
	endMarker       = "*** End Patch"
	addPrefix       = "*** Add File:"
	deletePrefix    = "*** Delete File:"
	updatePrefix    = "*** Update File:"
	movePrefix      = "*** Move to:"
	endOfFileMarker = "*** End of File"
	chunkMarker     = "@@"
)

// OpKind says what a FileOp does to its file.
type OpKind int

const (
	// OpAdd creates a file (replacing it when it already exists).
	OpAdd OpKind = iota + 1
	// OpDelete removes an existing file.
	OpDelete
	// OpUpdate edits an existing file in place, optionally moving it.
	OpUpdate
)

// String returns "add", "delete" or "update".
func (k OpKind) String() string {
	switch k {
	case OpAdd:
		return "add"
	case OpDelete:
		return "delete"
	case OpUpdate:
		return "update"
	}
	return fmt.Sprintf("OpKind(%d)", int(k))
}

// Patch is a parsed patch: its file operations in the order they appear.
type Patch struct {
	// Hunks are the file operations, applied in order.
	Hunks []FileOp
}

// FileOp is one file operation of a patch.
type FileOp struct {
	// Kind is the operation.
	Kind OpKind
	// Path is the file as written in the patch (relative to the working
	// directory unless absolute).
	Path string
	// MovePath is the destination of an update that also renames the file;
	// empty when the file stays where it is.
	MovePath string
	// Contents is the whole content of an added file.
	Contents string
	// Chunks are the edits of an update, in file order.
	Chunks []Chunk
	// Line is the 1-based line of the operation's header in the patch text
	// (0 when the operation was built in code).
	Line int
}

// Chunk is one edit of an update: a run of context, removed and added lines,
// optionally anchored by a header line that must appear earlier in the file.
type Chunk struct {
	// Context is the text after "@@ ": a line expected somewhere before the
	// edit, used to narrow the search. Empty for a bare "@@".
	Context string
	// Lines are the chunk's lines in order.
	Lines []ChunkLine
	// EndOfFile is set when the chunk was followed by "*** End of File": its
	// lines are expected at the very end of the file.
	EndOfFile bool
	// Line is the 1-based line where the chunk starts in the patch text (0
	// when the chunk was built in code).
	Line int
}

// LineKind classifies a chunk line by its leading character.
type LineKind byte

const (
	// LineContext is a line kept as is (leading ' ').
	LineContext LineKind = ' '
	// LineRemoved is a line taken out (leading '-').
	LineRemoved LineKind = '-'
	// LineAdded is a line put in (leading '+').
	LineAdded LineKind = '+'
)

// ChunkLine is one line of a chunk, without its leading marker character.
type ChunkLine struct {
	// Kind says whether the line is context, removed or added.
	Kind LineKind
	// Text is the line's content.
	Text string
}

// Old returns the lines the chunk expects to find: context and removed lines.
func (c Chunk) Old() []string {
	out := make([]string, 0, len(c.Lines))
	for _, l := range c.Lines {
		if l.Kind != LineAdded {
			out = append(out, l.Text)
		}
	}
	return out
}

// New returns the lines that replace Old: context and added lines.
func (c Chunk) New() []string {
	out := make([]string, 0, len(c.Lines))
	for _, l := range c.Lines {
		if l.Kind != LineRemoved {
			out = append(out, l.Text)
		}
	}
	return out
}

// ParseError reports a malformed patch and the line where the problem was
// found.
type ParseError struct {
	// Line is the 1-based line number in the patch text, 0 when the problem
	// concerns the patch as a whole.
	Line int
	// Msg says what is wrong.
	Msg string
}

// Error implements error.
func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("invalid patch: line %d: %s", e.Line, e.Msg)
	}
	return "invalid patch: " + e.Msg
}

func errAt(line int, format string, args ...any) *ParseError {
	return &ParseError{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// heredocOpen matches a first line such as `<<'EOF'`, `<<EOF`, `<<"EOF"`,
// optionally preceded by the command name, as produced when a shell heredoc
// is passed along verbatim.
var heredocOpen = regexp.MustCompile(`^(?:(?:apply_patch|applypatch)\s*)?<<-?\s*(?:'(\w+)'|"(\w+)"|(\w+))$`)

// gitRangeHeader matches a git-style hunk header body ("-1,3 +1,4 @@ rest")
// after the leading "@@ ".
var gitRangeHeader = regexp.MustCompile(`^-\d+(?:,\d+)? \+\d+(?:,\d+)? @@\s*(.*)$`)

// Parse parses patch text. It tolerates whitespace around the patch and
// around marker lines, CRLF line endings, blank lines between operations, and
// a shell heredoc wrapper (`<<'EOF'` ... `EOF`) around the whole patch.
// Errors are *ParseError values naming the offending line.
func Parse(text string) (*Patch, error) {
	lines := splitPatchLines(text)
	first, last := nonBlankBounds(lines, 0, len(lines))
	if first < 0 {
		return nil, &ParseError{Msg: "the patch is empty"}
	}
	if m := heredocOpen.FindStringSubmatch(strings.TrimSpace(lines[first])); m != nil && last > first {
		delim := m[1] + m[2] + m[3]
		if strings.TrimSpace(lines[last]) == delim {
			first, last = nonBlankBounds(lines, first+1, last)
			if first < 0 {
				return nil, &ParseError{Msg: "the patch is empty"}
			}
		}
	}
	if strings.TrimSpace(lines[first]) != beginMarker {
		return nil, errAt(first+1, "the first line of the patch must be %q, got %q", beginMarker, lines[first])
	}
	if last == first || strings.TrimSpace(lines[last]) != endMarker {
		return nil, errAt(last+1, "the last line of the patch must be %q, got %q", endMarker, lines[last])
	}
	p := &parser{lines: lines, pos: first + 1, end: last}
	patch, err := p.parse()
	if err != nil {
		return nil, err
	}
	if len(patch.Hunks) == 0 {
		return nil, errAt(last+1, "the patch contains no file operations")
	}
	return patch, nil
}

// splitPatchLines splits text on '\n' and drops trailing carriage returns.
func splitPatchLines(text string) []string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	return lines
}

// nonBlankBounds returns the indexes of the first and last non-blank lines in
// lines[from:to], or -1, -1 when there are none.
func nonBlankBounds(lines []string, from, to int) (int, int) {
	first, last := -1, -1
	for i := from; i < to; i++ {
		if strings.TrimSpace(lines[i]) != "" {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	return first, last
}

type parser struct {
	lines []string
	pos   int // next line to read
	end   int // index of the "*** End Patch" line
}

func (p *parser) parse() (*Patch, error) {
	patch := &Patch{}
	for p.pos < p.end {
		line := p.lines[p.pos]
		trimmed := strings.TrimSpace(line)
		lineNo := p.pos + 1
		switch {
		case trimmed == "":
			p.pos++
		case strings.HasPrefix(trimmed, addPrefix):
			path, err := opPath(trimmed, addPrefix, lineNo)
			if err != nil {
				return nil, err
			}
			p.pos++
			patch.Hunks = append(patch.Hunks, FileOp{Kind: OpAdd, Path: path, Contents: p.addContents(), Line: lineNo})
		case strings.HasPrefix(trimmed, deletePrefix):
			path, err := opPath(trimmed, deletePrefix, lineNo)
			if err != nil {
				return nil, err
			}
			p.pos++
			patch.Hunks = append(patch.Hunks, FileOp{Kind: OpDelete, Path: path, Line: lineNo})
		case strings.HasPrefix(trimmed, updatePrefix):
			op, err := p.update(trimmed, lineNo)
			if err != nil {
				return nil, err
			}
			patch.Hunks = append(patch.Hunks, op)
		default:
			return nil, errAt(lineNo, "%q is not a file operation header; expected '%s PATH', '%s PATH' or '%s PATH'",
				line, addPrefix, deletePrefix, updatePrefix)
		}
	}
	return patch, nil
}

// opPath extracts the path from a header line: the text after the prefix
// and the single space that normally follows it.
func opPath(trimmed, prefix string, lineNo int) (string, error) {
	path := strings.TrimPrefix(trimmed[len(prefix):], " ")
	if strings.TrimSpace(path) == "" {
		return "", errAt(lineNo, "missing file path after %q", prefix)
	}
	return path, nil
}

// addContents reads the '+' lines of an added file. An empty line directly
// followed by more '+' lines counts as an empty content line.
func (p *parser) addContents() string {
	var b strings.Builder
	for p.pos < p.end {
		line := p.lines[p.pos]
		if strings.HasPrefix(line, "+") {
			b.WriteString(line[1:])
			b.WriteByte('\n')
			p.pos++
			continue
		}
		if line != "" {
			break
		}
		next := p.pos
		for next < p.end && p.lines[next] == "" {
			next++
		}
		if next == p.end || !strings.HasPrefix(p.lines[next], "+") {
			break
		}
		for ; p.pos < next; p.pos++ {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func (p *parser) update(trimmed string, lineNo int) (FileOp, error) {
	path, err := opPath(trimmed, updatePrefix, lineNo)
	if err != nil {
		return FileOp{}, err
	}
	op := FileOp{Kind: OpUpdate, Path: path, Line: lineNo}
	p.pos++
	if p.pos < p.end {
		if t := strings.TrimSpace(p.lines[p.pos]); strings.HasPrefix(t, movePrefix) {
			op.MovePath, err = opPath(t, movePrefix, p.pos+1)
			if err != nil {
				return FileOp{}, err
			}
			p.pos++
		}
	}
	for p.pos < p.end {
		line := p.lines[p.pos]
		t := strings.TrimSpace(line)
		if t == "" {
			p.pos++
			continue
		}
		if strings.HasPrefix(t, "***") && t != endOfFileMarker {
			break
		}
		chunk, err := p.chunk(len(op.Chunks) == 0)
		if err != nil {
			return FileOp{}, err
		}
		op.Chunks = append(op.Chunks, chunk)
	}
	if len(op.Chunks) == 0 {
		return FileOp{}, errAt(lineNo, "update of %q contains no changes", path)
	}
	return op, nil
}

// chunk parses one chunk starting at p.pos. The first chunk of an update may
// omit its "@@" line.
func (p *parser) chunk(first bool) (Chunk, error) {
	c := Chunk{Line: p.pos + 1}
	head := strings.TrimRight(p.lines[p.pos], " \t")
	switch {
	case head == chunkMarker:
		p.pos++
	case strings.HasPrefix(head, chunkMarker+" "):
		ctx := strings.TrimSpace(head[len(chunkMarker)+1:])
		if m := gitRangeHeader.FindStringSubmatch(ctx); m != nil {
			ctx = m[1]
		}
		c.Context = ctx
		p.pos++
	case !first:
		return Chunk{}, errAt(p.pos+1, "expected a '@@' line to start the next change, got %q", p.lines[p.pos])
	}
	for p.pos < p.end {
		line := p.lines[p.pos]
		if strings.TrimSpace(line) == endOfFileMarker {
			if len(c.Lines) == 0 {
				return Chunk{}, errAt(p.pos+1, "%q must follow the lines of a change", endOfFileMarker)
			}
			c.EndOfFile = true
			p.pos++
			break
		}
		if line == "" {
			c.Lines = append(c.Lines, ChunkLine{Kind: LineContext})
			p.pos++
			continue
		}
		if isPaddedHeader(line) {
			break
		}
		kind := LineKind(line[0])
		if kind != LineContext && kind != LineAdded && kind != LineRemoved {
			if len(c.Lines) == 0 {
				return Chunk{}, errAt(p.pos+1,
					"unexpected line %q in a change: every line must start with ' ' (context), '+' (added) or '-' (removed)", line)
			}
			break
		}
		c.Lines = append(c.Lines, ChunkLine{Kind: kind, Text: line[1:]})
		p.pos++
	}
	if len(c.Lines) == 0 {
		return Chunk{}, errAt(c.Line, "the change has no lines")
	}
	return c, nil
}

// isPaddedHeader reports whether line is an operation header indented by
// whitespace, which ends the current change rather than being a context line.
func isPaddedHeader(line string) bool {
	if line == "" || (line[0] != ' ' && line[0] != '\t') {
		return false
	}
	t := strings.TrimSpace(line)
	for _, prefix := range []string{addPrefix, deletePrefix, updatePrefix} {
		if strings.HasPrefix(t, prefix) {
			return true
		}
	}
	return false
}

// String renders the patch in the apply_patch format. Parsing the result
// yields an equivalent patch.
func (p *Patch) String() string {
	var b strings.Builder
	b.WriteString(beginMarker + "\n")
	for _, op := range p.Hunks {
		switch op.Kind {
		case OpAdd:
			b.WriteString(addPrefix + " " + op.Path + "\n")
			if op.Contents != "" {
				for _, l := range strings.Split(strings.TrimSuffix(op.Contents, "\n"), "\n") {
					b.WriteString("+" + l + "\n")
				}
			}
		case OpDelete:
			b.WriteString(deletePrefix + " " + op.Path + "\n")
		case OpUpdate:
			b.WriteString(updatePrefix + " " + op.Path + "\n")
			if op.MovePath != "" {
				b.WriteString(movePrefix + " " + op.MovePath + "\n")
			}
			for _, c := range op.Chunks {
				if c.Context != "" {
					b.WriteString(chunkMarker + " " + c.Context + "\n")
				} else {
					b.WriteString(chunkMarker + "\n")
				}
				for _, l := range c.Lines {
					b.WriteByte(byte(l.Kind))
					b.WriteString(l.Text + "\n")
				}
				if c.EndOfFile {
					b.WriteString(endOfFileMarker + "\n")
				}
			}
		}
	}
	b.WriteString(endMarker + "\n")
	return b.String()
}
