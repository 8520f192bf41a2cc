package configedit

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScanDocument(t *testing.T) {
	doc := `# comment [not.a.table]
a = """x""""" # c "quoted
b = "v # not [comment]"
c = """line \
[mcp_servers.ab]
  cont"""
d = [1979-05-27 07:32:00Z, 1979-05-27 08:00:00Z,
# [comment.in.array]
]
e = '''it''s'''
f = ''''x''''
g = { k = [ "]", '[' ], "q.k" = 1 }
"h.i".'j' = 2

[mcp_servers.'ab'.env]
X = "1"
  [[ arr . "x\"y" ]]
[mcp_servers."a\u0062"]
command = "x"
t = 1979-05-27 07:32:00
`
	d, err := scanDocument(doc)
	require.NoError(t, err)
	assert.Equal(t, "\n", d.eol)
	assert.Len(t, d.lines, 20)
	assert.Equal(t, []stmt{
		{kind: stmtKeyValue, path: []string{"a"}, start: 1, end: 2},
		{kind: stmtKeyValue, path: []string{"b"}, start: 2, end: 3},
		{kind: stmtKeyValue, path: []string{"c"}, start: 3, end: 6},
		{kind: stmtKeyValue, path: []string{"d"}, start: 6, end: 9},
		{kind: stmtKeyValue, path: []string{"e"}, start: 9, end: 10},
		{kind: stmtKeyValue, path: []string{"f"}, start: 10, end: 11},
		{kind: stmtKeyValue, path: []string{"g"}, start: 11, end: 12},
		{kind: stmtKeyValue, path: []string{"h.i", "j"}, start: 12, end: 13},
		{kind: stmtTable, path: []string{"mcp_servers", "ab", "env"}, start: 14, end: 15},
		{kind: stmtKeyValue, path: []string{"mcp_servers", "ab", "env", "X"}, start: 15, end: 16},
		{kind: stmtArrayTable, path: []string{"arr", `x"y`}, start: 16, end: 17},
		{kind: stmtTable, path: []string{"mcp_servers", "ab"}, start: 17, end: 18},
		{kind: stmtKeyValue, path: []string{"mcp_servers", "ab", "command"}, start: 18, end: 19},
		{kind: stmtKeyValue, path: []string{"mcp_servers", "ab", "t"}, start: 19, end: 20},
	}, d.stmts)

	// The scanner agrees with the full parser on this document.
	_, err = decodeTree([]byte(doc))
	require.NoError(t, err)
}

func TestScanDocumentLineEndings(t *testing.T) {
	d, err := scanDocument("a = 1\r\n[t]\r\nb = 2")
	require.NoError(t, err)
	assert.Equal(t, "\r\n", d.eol)
	assert.Equal(t, []string{"a = 1\r\n", "[t]\r\n", "b = 2"}, d.lines)
	assert.Equal(t, []stmt{
		{kind: stmtKeyValue, path: []string{"a"}, start: 0, end: 1},
		{kind: stmtTable, path: []string{"t"}, start: 1, end: 2},
		{kind: stmtKeyValue, path: []string{"t", "b"}, start: 2, end: 3},
	}, d.stmts)
}

func TestScanDocumentErrors(t *testing.T) {
	for _, doc := range []string{"a = \"open\n", "[t\n", "a 1\n", "a = [1, 2\n", "a = '''x\n", "a = { b = 1\n", "= 1\n"} {
		_, err := scanDocument(doc)
		assert.Error(t, err, doc)
	}
}

func TestUnescapeBasic(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{in: `plain`, want: "plain"},
		{in: `a\"b\\c`, want: `a"b\c`},
		{in: `\b\t\n\f\r\e`, want: "\b\t\n\f\r\x1b"},
		{in: `\u0041\U0001F600\xE9`, want: "A😀é"},
		{in: `\q`, wantErr: "invalid escape"},
		{in: `\u00`, wantErr: "short"},
		{in: `\uD800`, wantErr: "invalid"},
		{in: `x\`, wantErr: "unfinished"},
	}
	for _, tt := range tests {
		got, err := unescapeBasic(tt.in)
		if tt.wantErr != "" {
			require.Error(t, err, tt.in)
			assert.Contains(t, err.Error(), tt.wantErr)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got)
	}
}
