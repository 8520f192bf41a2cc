package filesearch

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestWildmatch(t *testing.T) {
	tests := []struct {
		pattern, text string
		want          bool
	}{
		{"foo", "foo", true},
		{"foo", "foobar", false},
		{"*.go", "main.go", true},
		{"*.go", "cmd/main.go", false},
		{"*", "", true},
		{"a*b", "ab", true},
		{"a*b", "axxb", true},
		{"a*b", "ax/b", false},
		{"?at", "cat", true},
		{"?at", "at", false},
		{"?at", "/at", false},
		{"?", "é", true},
		{"[abc]x", "bx", true},
		{"[abc]x", "dx", false},
		{"[a-c]x", "cx", true},
		{"[!a-c]x", "dx", true},
		{"[!a-c]x", "ax", false},
		{"[^a-c]x", "dx", true},
		{"[]]", "]", true},
		{"[!]]", "a", true},
		{"[a-]", "-", true},
		{"[[:digit:]]*", "7up", true},
		{"[[:digit:]]*", "up", false},
		{"[[:upper:][:digit:]]", "Q", true},
		{"[\\]]", "]", true},
		{"[abc", "[abc", false},
		{"[abc", "a", false},
		{"[/]", "/", false},
		{`\*`, "*", true},
		{`\*`, "x", false},
		{`\!important`, "!important", true},
		{`\#file`, "#file", true},
		{`foo\ `, "foo ", true},
		{`foo\`, "foo", false},
		{"**/foo", "foo", true},
		{"**/foo", "a/b/foo", true},
		{"**/foo", "a/foox", false},
		{"**/foo/bar", "x/foo/bar", true},
		{"abc/**", "abc/x", true},
		{"abc/**", "abc/x/y", true},
		{"abc/**", "abc", false},
		{"a/**/b", "a/b", true},
		{"a/**/b", "a/x/b", true},
		{"a/**/b", "a/x/y/b", true},
		{"a/**/b", "a/x/y/c", false},
		{"**", "any/thing", true},
		{"a**b", "a/b", false},
		{"a**b", "axxb", true},
		{"doc/*.txt", "doc/notes.txt", true},
		{"doc/*.txt", "doc/sub/notes.txt", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.text, func(t *testing.T) {
			assert.Equal(t, tt.want, wildmatch(tt.pattern, 0, tt.text, 0))
		})
	}
}

func TestParsePatternLine(t *testing.T) {
	tests := []struct {
		line string
		ok   bool
		want ignorePattern
	}{
		{"", false, ignorePattern{}},
		{"# comment", false, ignorePattern{}},
		{"   ", false, ignorePattern{}},
		{"/", false, ignorePattern{}},
		{"!", false, ignorePattern{}},
		{"build", true, ignorePattern{glob: "build", lit: "build", kind: kindLiteral}},
		{"build/", true, ignorePattern{glob: "build", lit: "build", kind: kindLiteral, dirOnly: true}},
		{"/build", true, ignorePattern{glob: "build", lit: "build", kind: kindLiteral, anchored: true}},
		{"a/b", true, ignorePattern{glob: "a/b", lit: "a/b", kind: kindLiteral, anchored: true}},
		{"!keep.log", true, ignorePattern{glob: "keep.log", lit: "keep.log", kind: kindLiteral, negate: true}},
		{"*.log", true, ignorePattern{glob: "*.log", lit: ".log", kind: kindSuffix}},
		{"*.log  ", true, ignorePattern{glob: "*.log", lit: ".log", kind: kindSuffix}},
		{"*.log\r", true, ignorePattern{glob: "*.log", lit: ".log", kind: kindSuffix}},
		{`sp\ `, true, ignorePattern{glob: `sp\ `, kind: kindGlob}},
		{"/*.o", true, ignorePattern{glob: "*.o", kind: kindGlob, anchored: true}},
		{"**/tmp/", true, ignorePattern{glob: "**/tmp", kind: kindGlob, anchored: true, dirOnly: true}},
		{`\#hash`, true, ignorePattern{glob: `\#hash`, kind: kindGlob}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, ok := parsePatternLine(tt.line)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestIgnoreSemantics(t *testing.T) {
	type check struct {
		path  string
		isDir bool
		want  bool
	}
	tests := []struct {
		name   string
		rules  string
		checks []check
	}{
		{"plain name matches at any depth", "build\n", []check{
			{"build", true, true}, {"src/build", true, true}, {"src/build", false, true}, {"builds", false, false},
		}},
		{"trailing slash matches directories only", "out/\n", []check{
			{"out", true, true}, {"a/out", true, true}, {"out", false, false},
		}},
		{"leading slash anchors", "/todo.txt\n", []check{
			{"todo.txt", false, true}, {"sub/todo.txt", false, false},
		}},
		{"middle slash anchors", "doc/frotz\n", []check{
			{"doc/frotz", true, true}, {"a/doc/frotz", true, false},
		}},
		{"glob on the name", "*.log\n", []check{
			{"x.log", false, true}, {"deep/er/x.log", false, true}, {"x.logs", false, false},
		}},
		{"negation re-includes", "*.log\n!keep.log\n", []check{
			{"a.log", false, true}, {"keep.log", false, false}, {"sub/keep.log", false, false},
		}},
		{"last match wins", "!keep.log\n*.log\n", []check{
			{"keep.log", false, true},
		}},
		{"double star prefix", "**/cache\n", []check{
			{"cache", true, true}, {"a/b/cache", true, true}, {"a/cachex", true, false},
		}},
		{"double star suffix", "vendor/**\n", []check{
			{"vendor/x.go", false, true}, {"vendor/a/b.go", false, true}, {"vendor", true, false},
		}},
		{"double star middle", "a/**/z.txt\n", []check{
			{"a/z.txt", false, true}, {"a/b/c/z.txt", false, true}, {"b/a/z.txt", false, false},
		}},
		{"character class", "file[0-9].txt\n", []check{
			{"file3.txt", false, true}, {"filex.txt", false, false},
		}},
		{"comments and blanks", "# build\n\n  \n", []check{
			{"build", true, false}, {"# build", false, false},
		}},
		{"escaped hash and bang", "\\#notes\n\\!bang\n", []check{
			{"#notes", false, true}, {"!bang", false, true},
		}},
		{"escaped trailing space", "space\\ \n", []check{
			{"space ", false, true}, {"space", false, false},
		}},
		{"question mark", "?.tmp\n", []check{
			{"a.tmp", false, true}, {"ab.tmp", false, false},
		}},
		{"crlf line endings", "*.bak\r\nnode_modules/\r\n", []check{
			{"x.bak", false, true}, {"node_modules", true, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := (*ignoreStack)(nil).push(ignoreFile{patterns: parseIgnore(tt.rules)})
			for _, c := range tt.checks {
				name := c.path[lastSlash(c.path)+1:]
				assert.Equal(t, c.want, stack.ignored(c.path, name, c.isDir), "%q dir=%v", c.path, c.isDir)
			}
		})
	}
}

func TestIgnoreStackPrecedence(t *testing.T) {
	root := ignoreFile{patterns: parseIgnore("*.gen\nlogs/\n")}
	sub := ignoreFile{dir: "pkg", patterns: parseIgnore("!keep.gen\n/local.txt\n")}
	stack := (*ignoreStack)(nil).push(root).push(sub)

	tests := []struct {
		path string
		want bool
	}{
		{"a.gen", true},
		{"pkg/a.gen", true},
		{"pkg/keep.gen", false}, // the deeper file re-includes it
		{"keep.gen", true},      // the deeper file does not apply outside pkg
		{"pkg/local.txt", true}, // anchored to pkg
		{"pkg/x/local.txt", false},
		{"local.txt", false},
	}
	for _, tt := range tests {
		name := tt.path[lastSlash(tt.path)+1:]
		assert.Equal(t, tt.want, stack.ignored(tt.path, name, false), tt.path)
	}
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}
