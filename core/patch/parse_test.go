package patch

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ctx(text string) ChunkLine { return ChunkLine{Kind: LineContext, Text: text} }
func del(text string) ChunkLine { return ChunkLine{Kind: LineRemoved, Text: text} }
func add(text string) ChunkLine { return ChunkLine{Kind: LineAdded, Text: text} }

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []FileOp
	}{
		{
			name: "add file",
			text: "*** Begin Patch\n*** Add File: dir/new.txt\n+line one\n+line two\n*** End Patch\n",
			want: []FileOp{{Kind: OpAdd, Path: "dir/new.txt", Contents: "line one\nline two\n", Line: 2}},
		},
		{
			name: "add empty file",
			text: "*** Begin Patch\n*** Add File: empty.txt\n*** End Patch",
			want: []FileOp{{Kind: OpAdd, Path: "empty.txt", Line: 2}},
		},
		{
			name: "add file with blank line inside",
			text: "*** Begin Patch\n*** Add File: a.txt\n+one\n\n+three\n\n*** End Patch",
			want: []FileOp{{Kind: OpAdd, Path: "a.txt", Contents: "one\n\nthree\n", Line: 2}},
		},
		{
			name: "delete file",
			text: "*** Begin Patch\n*** Delete File: old.txt\n*** End Patch",
			want: []FileOp{{Kind: OpDelete, Path: "old.txt", Line: 2}},
		},
		{
			name: "update without header",
			text: "*** Begin Patch\n*** Update File: src.py\n context\n-old\n+new\n*** End Patch",
			want: []FileOp{{Kind: OpUpdate, Path: "src.py", Line: 2, Chunks: []Chunk{
				{Lines: []ChunkLine{ctx("context"), del("old"), add("new")}, Line: 3},
			}}},
		},
		{
			name: "update with move and context headers",
			text: "*** Begin Patch\n*** Update File: src.py\n*** Move to: dst.py\n@@ def f():\n-    return 1\n+    return 2\n@@\n x\n+y\n*** End Patch",
			want: []FileOp{{Kind: OpUpdate, Path: "src.py", MovePath: "dst.py", Line: 2, Chunks: []Chunk{
				{Context: "def f():", Lines: []ChunkLine{del("    return 1"), add("    return 2")}, Line: 4},
				{Lines: []ChunkLine{ctx("x"), add("y")}, Line: 7},
			}}},
		},
		{
			name: "end of file marker",
			text: "*** Begin Patch\n*** Update File: f\n@@\n last\n+appended\n*** End of File\n*** End Patch",
			want: []FileOp{{Kind: OpUpdate, Path: "f", Line: 2, Chunks: []Chunk{
				{Lines: []ChunkLine{ctx("last"), add("appended")}, EndOfFile: true, Line: 3},
			}}},
		},
		{
			name: "empty line inside chunk is empty context",
			text: "*** Begin Patch\n*** Update File: f\n@@\n a\n\n-b\n*** End Patch",
			want: []FileOp{{Kind: OpUpdate, Path: "f", Line: 2, Chunks: []Chunk{
				{Lines: []ChunkLine{ctx("a"), ctx(""), del("b")}, Line: 3},
			}}},
		},
		{
			name: "git style range header",
			text: "*** Begin Patch\n*** Update File: f\n@@ -1,2 +1,2 @@ func main() {\n-a\n+b\n*** End Patch",
			want: []FileOp{{Kind: OpUpdate, Path: "f", Line: 2, Chunks: []Chunk{
				{Context: "func main() {", Lines: []ChunkLine{del("a"), add("b")}, Line: 3},
			}}},
		},
		{
			name: "several operations",
			text: "*** Begin Patch\n*** Add File: a\n+x\n*** Delete File: b\n*** Update File: c\n@@\n-1\n+2\n*** Add File: d\n+y\n*** End Patch",
			want: []FileOp{
				{Kind: OpAdd, Path: "a", Contents: "x\n", Line: 2},
				{Kind: OpDelete, Path: "b", Line: 4},
				{Kind: OpUpdate, Path: "c", Line: 5, Chunks: []Chunk{{Lines: []ChunkLine{del("1"), add("2")}, Line: 6}}},
				{Kind: OpAdd, Path: "d", Contents: "y\n", Line: 9},
			},
		},
		{
			name: "whitespace around patch and markers, CRLF",
			text: "\n\n  *** Begin Patch  \r\n  *** Delete File: x\r\n *** End Patch\r\n\n",
			want: []FileOp{{Kind: OpDelete, Path: "x", Line: 4}},
		},
		{
			name: "indented header after a chunk ends it",
			text: "*** Begin Patch\n*** Update File: a\n@@\n-1\n+2\n  *** Delete File: b\n*** End Patch",
			want: []FileOp{
				{Kind: OpUpdate, Path: "a", Line: 2, Chunks: []Chunk{{Lines: []ChunkLine{del("1"), add("2")}, Line: 3}}},
				{Kind: OpDelete, Path: "b", Line: 6},
			},
		},
		{
			name: "quoted heredoc wrapper",
			text: "<<'EOF'\n*** Begin Patch\n*** Delete File: x\n*** End Patch\nEOF\n",
			want: []FileOp{{Kind: OpDelete, Path: "x", Line: 3}},
		},
		{
			name: "bare heredoc wrapper with command",
			text: "apply_patch <<PATCH\n*** Begin Patch\n*** Delete File: x\n*** End Patch\nPATCH",
			want: []FileOp{{Kind: OpDelete, Path: "x", Line: 3}},
		},
		{
			name: "absolute path",
			text: "*** Begin Patch\n*** Delete File: /tmp/x y.txt\n*** End Patch",
			want: []FileOp{{Kind: OpDelete, Path: "/tmp/x y.txt", Line: 2}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.text)
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.Hunks)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		wantLine int
		wantMsg  string
	}{
		{"empty", "", 0, "empty"},
		{"only whitespace", " \n\t\n", 0, "empty"},
		{"missing begin", "*** Add File: a\n+x\n*** End Patch", 1, "first line of the patch must be"},
		{"missing end", "*** Begin Patch\n*** Add File: a\n+x\n", 3, "last line of the patch must be"},
		{"begin only", "*** Begin Patch", 1, "last line of the patch must be"},
		{"no operations", "*** Begin Patch\n*** End Patch", 2, "no file operations"},
		{"heredoc around nothing", "<<EOF\n\nEOF", 0, "empty"},
		{"bad header", "*** Begin Patch\n*** Frobnicate File: a\n*** End Patch", 2, "not a file operation header"},
		{"missing path", "*** Begin Patch\n*** Delete File:  \n*** End Patch", 2, "missing file path after \"*** Delete File:\""},
		{"missing move path", "*** Begin Patch\n*** Update File: a\n*** Move to:\n@@\n-x\n*** End Patch", 3, "missing file path"},
		{"update without changes", "*** Begin Patch\n*** Update File: a\n*** End Patch", 2, "contains no changes"},
		{"update with blank only", "*** Begin Patch\n*** Update File: a\n\n   \n*** Delete File: b\n*** End Patch", 2, "contains no changes"},
		{"bad first chunk line", "*** Begin Patch\n*** Update File: a\nfoo\n*** End Patch", 3, "unexpected line \"foo\""},
		{"second chunk without @@", "*** Begin Patch\n*** Update File: a\n@@\n-x\n+y\nbar\n*** End Patch", 6, "expected a '@@' line"},
		{"empty chunk", "*** Begin Patch\n*** Update File: a\n@@\n@@\n-x\n*** End Patch", 4, "unexpected line \"@@\""},
		{"end of file without lines", "*** Begin Patch\n*** Update File: a\n@@\n*** End of File\n*** End Patch", 4, "must follow the lines"},
		{"garbage after add", "*** Begin Patch\n*** Add File: a\n+x\nnot a line\n*** End Patch", 4, "not a file operation header"},
		{"garbage after end", "*** Begin Patch\n*** Delete File: a\n*** End Patch\ntrailing", 4, "last line of the patch must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.text)
			require.Error(t, err)
			assert.Nil(t, p)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "error %v is not a *ParseError", err)
			assert.Equal(t, tt.wantLine, pe.Line, "error: %v", err)
			assert.Contains(t, err.Error(), tt.wantMsg)
			if tt.wantLine > 0 {
				assert.Contains(t, err.Error(), "line ")
			}
		})
	}
}

func TestPatchStringRoundTrip(t *testing.T) {
	text := "*** Begin Patch\n" +
		"*** Add File: a.txt\n+one\n+\n+three\n" +
		"*** Delete File: b.txt\n" +
		"*** Update File: c.txt\n*** Move to: d.txt\n@@ class C:\n  x\n-y\n+z\n@@\n+tail\n*** End of File\n" +
		"*** End Patch\n"
	p, err := Parse(text)
	require.NoError(t, err)
	assert.Equal(t, text, p.String())
}

func TestChunkOldNew(t *testing.T) {
	c := Chunk{Lines: []ChunkLine{ctx("a"), del("b"), add("c"), ctx("d")}}
	assert.Equal(t, []string{"a", "b", "d"}, c.Old())
	assert.Equal(t, []string{"a", "c", "d"}, c.New())
	assert.Equal(t, "update", OpUpdate.String())
	assert.Equal(t, "add", OpAdd.String())
	assert.Equal(t, "delete", OpDelete.String())
}
