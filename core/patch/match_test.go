package patch

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeekLevels(t *testing.T) {
	tests := []struct {
		name    string
		lines   []string
		pattern []string
		start   int
		atEnd   bool
		want    int
	}{
		{"exact", []string{"a", "b", "c"}, []string{"b", "c"}, 0, false, 1},
		{"from start position", []string{"x", "a", "x"}, []string{"x"}, 1, false, 2},
		{"not found", []string{"a", "b"}, []string{"c"}, 0, false, -1},
		{"pattern longer than file", []string{"a"}, []string{"a", "b"}, 0, false, -1},
		{"empty pattern", []string{"a"}, nil, 1, false, 1},
		{"trailing whitespace", []string{"a  ", "b\t"}, []string{"a", "b"}, 0, false, 0},
		{"leading whitespace", []string{"    a", "  b"}, []string{"a", "b"}, 0, false, 0},
		{"unicode punctuation", []string{"x \u2013 y", "\u201cq\u201d \u2018s\u2019", "a\u00a0b"}, []string{"x - y", "\"q\" 's'", "a b"}, 0, false, 0},
		{"ellipsis", []string{"wait\u2026"}, []string{"wait..."}, 0, false, 0},
		{"end anchored prefers last", []string{"a", "b", "a"}, []string{"a"}, 0, true, 2},
		{"end anchored falls back to search", []string{"a", "b", "c"}, []string{"a"}, 0, true, 0},
		{"exact match wins over earlier loose match", []string{"a ", "a"}, []string{"a"}, 0, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, seek(tt.lines, tt.pattern, tt.start, tt.atEnd))
		})
	}
}

func TestApplyChunks(t *testing.T) {
	chunk := func(context string, eof bool, lines ...ChunkLine) Chunk {
		return Chunk{Context: context, Lines: lines, EndOfFile: eof}
	}
	tests := []struct {
		name    string
		content string
		chunks  []Chunk
		want    string
		wantErr string
	}{
		{
			name:    "replace one line",
			content: "a\nb\nc\n",
			chunks:  []Chunk{chunk("", false, ctx("a"), del("b"), add("B"), ctx("c"))},
			want:    "a\nB\nc\n",
		},
		{
			name:    "context header narrows search",
			content: "def f():\n    return 1\ndef g():\n    return 1\n",
			chunks:  []Chunk{chunk("def g():", false, del("    return 1"), add("    return 2"))},
			want:    "def f():\n    return 1\ndef g():\n    return 2\n",
		},
		{
			name:    "later chunks search after earlier ones",
			content: "x\ny\nx\ny\n",
			chunks: []Chunk{
				chunk("", false, del("x"), add("1")),
				chunk("", false, del("x"), add("2")),
			},
			want: "1\ny\n2\ny\n",
		},
		{
			name:    "end of file anchors at the end",
			content: "a\nz\na\nz\n",
			chunks:  []Chunk{chunk("", true, ctx("a"), del("z"), add("end"))},
			want:    "a\nz\na\nend\n",
		},
		{
			name:    "pure insertion without header appends",
			content: "a\nb\n",
			chunks:  []Chunk{chunk("", false, add("c"))},
			want:    "a\nb\nc\n",
		},
		{
			name:    "pure insertion after header",
			content: "[one]\nx\n[two]\ny\n",
			chunks:  []Chunk{chunk("[one]", false, add("new"))},
			want:    "[one]\nnew\nx\n[two]\ny\n",
		},
		{
			name:    "missing trailing newline is added",
			content: "a\nb",
			chunks:  []Chunk{chunk("", false, del("b"), add("c"))},
			want:    "a\nc\n",
		},
		{
			name:    "CRLF file keeps CRLF",
			content: "a\r\nb\r\n",
			chunks:  []Chunk{chunk("", false, ctx("a"), del("b"), add("c"))},
			want:    "a\r\nc\r\n",
		},
		{
			name:    "trailing blank context is dropped when it does not match",
			content: "a\nb\n",
			chunks:  []Chunk{chunk("", false, del("b"), add("c"), ctx(""))},
			want:    "a\nc\n",
		},
		{
			name:    "fuzzy match keeps the file's context lines",
			content: "if x:  \n    y = 1\n",
			chunks:  []Chunk{chunk("", false, ctx("if x:"), del("y = 1"), add("    y = 2"))},
			want:    "if x:  \n    y = 2\n",
		},
		{
			name:    "delete everything",
			content: "a\n",
			chunks:  []Chunk{chunk("", false, del("a"))},
			want:    "",
		},
		{
			name:    "unknown context header",
			content: "a\n",
			chunks:  []Chunk{chunk("nope", false, del("a"))},
			wantErr: `could not find the line "nope"`,
		},
		{
			name:    "unknown lines",
			content: "a\n",
			chunks:  []Chunk{chunk("", false, del("b"), add("c"))},
			wantErr: "could not find the expected lines:\nb",
		},
		{
			name:    "lines before the previous chunk are not found",
			content: "a\nb\n",
			chunks: []Chunk{
				chunk("", false, del("b")),
				chunk("", false, del("a")),
			},
			wantErr: "could not find the expected lines",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := applyChunks(tt.content, tt.chunks, "f.txt")
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Contains(t, err.Error(), "f.txt")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
