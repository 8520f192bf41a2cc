package shellparse

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

func strp(s string) *string { return &s }

func read(cmd, name string) protocol.ParsedCommand {
	return protocol.ParsedCommand{Type: TypeRead, Cmd: cmd, Name: name}
}

func list(cmd string, path *string) protocol.ParsedCommand {
	return protocol.ParsedCommand{Type: TypeListFiles, Cmd: cmd, Path: path}
}

func search(cmd string, query, path *string) protocol.ParsedCommand {
	return protocol.ParsedCommand{Type: TypeSearch, Cmd: cmd, Query: query, Path: path}
}

func unknown(cmd string) protocol.ParsedCommand {
	return protocol.ParsedCommand{Type: TypeUnknown, Cmd: cmd}
}

func bash(script string) []string { return []string{"bash", "-lc", script} }

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		want []protocol.ParsedCommand
	}{
		// The reference capture: a redirection makes the whole script unknown.
		{"capture redirection", bash("echo hi > out.txt; cat out.txt"), []protocol.ParsedCommand{unknown("echo hi > out.txt; cat out.txt")}},
		{"unsplittable direct argv", nil, []protocol.ParsedCommand{unknown("")}},
		{"unsplittable other shell", []string{"sh", "-c", "ls $HOME"}, []protocol.ParsedCommand{unknown("ls $HOME")}},

		// read
		{"cat", bash("cat README.md"), []protocol.ParsedCommand{read("cat README.md", "README.md")}},
		{"cat path base name", bash("cat -n ./src/main.go"), []protocol.ParsedCommand{read("cat -n ./src/main.go", "main.go")}},
		{"cat two files", bash("cat a b"), []protocol.ParsedCommand{unknown("cat a b")}},
		{"cat stdin", bash("cat"), []protocol.ParsedCommand{unknown("cat")}},
		{"cat dash", bash("cat -"), []protocol.ParsedCommand{unknown("cat -")}},
		{"head -n", bash("head -n 50 src/lib.rs"), []protocol.ParsedCommand{read("head -n 50 src/lib.rs", "lib.rs")}},
		{"head -n attached", bash("head -n50 lib.rs"), []protocol.ParsedCommand{read("head -n50 lib.rs", "lib.rs")}},
		{"head -N", bash("head -20 lib.rs"), []protocol.ParsedCommand{read("head -20 lib.rs", "lib.rs")}},
		{"tail --lines", bash("tail --lines 5 log.txt"), []protocol.ParsedCommand{read("tail --lines 5 log.txt", "log.txt")}},
		{"tail -c=", bash("tail --bytes=10 log.txt"), []protocol.ParsedCommand{read("tail --bytes=10 log.txt", "log.txt")}},
		{"sed -n range", bash("sed -n 1,200p core/a.go"), []protocol.ParsedCommand{read("sed -n 1,200p core/a.go", "a.go")}},
		{"sed -n quoted line", bash("sed -n '10p' a.go"), []protocol.ParsedCommand{read("sed -n 10p a.go", "a.go")}},
		{"sed -n to end", bash("sed -n '10,$p' a.go"), []protocol.ParsedCommand{read("sed -n '10,$p' a.go", "a.go")}},
		{"sed substitution", bash("sed -n s/a/b/p a.go"), []protocol.ParsedCommand{unknown("sed -n s/a/b/p a.go")}},
		{"sed in place", bash("sed -i 1d a.go"), []protocol.ParsedCommand{unknown("sed -i 1d a.go")}},
		{"nl", bash("nl -ba main.go"), []protocol.ParsedCommand{read("nl -ba main.go", "main.go")}},
		{"nl separate value", bash("nl -b a main.go"), []protocol.ParsedCommand{read("nl -b a main.go", "main.go")}},
		{"less", bash("less notes.txt"), []protocol.ParsedCommand{read("less notes.txt", "notes.txt")}},
		{"quoted file name", bash("cat 'my file.txt'"), []protocol.ParsedCommand{read("cat 'my file.txt'", "my file.txt")}},
		{"direct argv read", []string{"cat", "go.mod"}, []protocol.ParsedCommand{read("cat go.mod", "go.mod")}},

		// list_files
		{"ls", bash("ls"), []protocol.ParsedCommand{list("ls", nil)}},
		{"ls -la path", []string{"ls", "-la", "src"}, []protocol.ParsedCommand{list("ls -la src", strp("src"))}},
		{"ls ignore value", bash("ls -I '*.o' build"), []protocol.ParsedCommand{list("ls -I '*.o' build", strp("build"))}},
		{"ls two paths", bash("ls a b"), []protocol.ParsedCommand{list("ls a b", nil)}},
		{"rg --files", bash("rg --files"), []protocol.ParsedCommand{list("rg --files", nil)}},
		{"rg --files path", bash("rg --files -g '*.go' core"), []protocol.ParsedCommand{list("rg --files -g '*.go' core", strp("core"))}},
		{"find path", bash("find src"), []protocol.ParsedCommand{list("find src", strp("src"))}},
		{"find bare", bash("find"), []protocol.ParsedCommand{list("find", nil)}},
		{"find type and depth", bash("find . -maxdepth 2 -type f"), []protocol.ParsedCommand{list("find . -maxdepth 2 -type f", strp("."))}},
		{"find predicate", bash("find . -name '*.go'"), []protocol.ParsedCommand{unknown("find . -name '*.go'")}},
		{"find action", bash("find . -delete"), []protocol.ParsedCommand{unknown("find . -delete")}},
		{"find missing value", bash("find . -type"), []protocol.ParsedCommand{unknown("find . -type")}},

		// search
		{"rg pattern", bash("rg TODO"), []protocol.ParsedCommand{search("rg TODO", strp("TODO"), nil)}},
		{"rg pattern path", bash("rg -n 'fn main' src"), []protocol.ParsedCommand{search("rg -n 'fn main' src", strp("fn main"), strp("src"))}},
		{"rg glob value skipped", bash("rg -g '*.go' foo ."), []protocol.ParsedCommand{search("rg -g '*.go' foo .", strp("foo"), strp("."))}},
		{"rg -e", bash("rg -e foo a"), []protocol.ParsedCommand{search("rg -e foo a", strp("foo"), strp("a"))}},
		{"rg --regexp=", bash("rg --regexp=foo"), []protocol.ParsedCommand{search("rg --regexp=foo", strp("foo"), nil)}},
		{"rg two paths", bash("rg foo a b"), []protocol.ParsedCommand{search("rg foo a b", strp("foo"), nil)}},
		{"rg after double dash", bash("rg -- -x src"), []protocol.ParsedCommand{search("rg -- -x src", strp("-x"), strp("src"))}},
		{"rg nothing", bash("rg --version"), []protocol.ParsedCommand{unknown("rg --version")}},
		{"grep -rn", bash("grep -rn foo ."), []protocol.ParsedCommand{search("grep -rn foo .", strp("foo"), strp("."))}},
		{"grep -e attached", bash("grep -efoo x.txt"), []protocol.ParsedCommand{search("grep -efoo x.txt", strp("foo"), strp("x.txt"))}},
		{"grep -f", bash("grep -f pats.txt src"), []protocol.ParsedCommand{search("grep -f pats.txt src", nil, strp("src"))}},
		{"grep context value", bash("grep -C 3 foo f"), []protocol.ParsedCommand{search("grep -C 3 foo f", strp("foo"), strp("f"))}},
		{"git grep", bash("git grep -n Parse -- core"), []protocol.ParsedCommand{search("git grep -n Parse -- core", strp("Parse"), strp("core"))}},
		{"git --no-pager grep", []string{"git", "--no-pager", "grep", "x"}, []protocol.ParsedCommand{search("git --no-pager grep x", strp("x"), nil)}},
		{"git status", bash("git status"), []protocol.ParsedCommand{unknown("git status")}},

		// unknown and sequences
		{"echo", bash("echo hi"), []protocol.ParsedCommand{unknown("echo hi")}},
		{"sequence", bash("cd core && rg foo"), []protocol.ParsedCommand{unknown("cd core"), search("rg foo", strp("foo"), nil)}},
		{"many", bash("ls; cat a.txt\ngo test ./..."), []protocol.ParsedCommand{list("ls", nil), read("cat a.txt", "a.txt"), unknown("go test ./...")}},
		{"cmd is re-quoted", bash(`echo "a b"   c`), []protocol.ParsedCommand{unknown("echo 'a b' c")}},

		// pipelines
		{"pipeline helpers dropped", bash("rg --files | head -n 50"), []protocol.ParsedCommand{list("rg --files", nil)}},
		{"pipeline many helpers", bash("grep -r foo . | sort | uniq -c | sort -rn | head"), []protocol.ParsedCommand{search("grep -r foo .", strp("foo"), strp("."))}},
		{"pipeline wc cut tr nl sed", bash("ls | wc -l | cut -c1 | tr a b | nl | sed -n 1p"), []protocol.ParsedCommand{list("ls", nil)}},
		{"pipeline tail", bash("cat log | tail -n 3"), []protocol.ParsedCommand{read("cat log", "log")}},
		{"pipeline non-helper kept", bash("cat a.txt | grep foo"), []protocol.ParsedCommand{read("cat a.txt", "a.txt"), search("grep foo", strp("foo"), nil)}},
		{"pipeline sed without -n kept", bash("ls | sed s/a/b/"), []protocol.ParsedCommand{list("ls", nil), unknown("sed s/a/b/")}},
		{"helper after and is kept", bash("ls && head -n 1 f"), []protocol.ParsedCommand{list("ls", nil), read("head -n 1 f", "f")}},
		{"helper first stage kept", bash("head -n 3 f | wc -l"), []protocol.ParsedCommand{read("head -n 3 f", "f")}},
		{"unknown first stage", bash("go test ./... | tail -n 20"), []protocol.ParsedCommand{unknown("go test ./...")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Parse(tc.argv))
		})
	}
}

// TestParseWire checks the JSON of the capture's parsed_cmd.
func TestParseWire(t *testing.T) {
	b, err := protocol.Marshal(Parse(bash("echo hi > out.txt; cat out.txt")))
	require.NoError(t, err)
	assert.JSONEq(t, `[{"type":"unknown","cmd":"echo hi > out.txt; cat out.txt"}]`, string(b))

	b, err = protocol.Marshal(Parse(bash("rg -n foo src && ls && cat go.mod")))
	require.NoError(t, err)
	assert.JSONEq(t, `[{"type":"search","cmd":"rg -n foo src","query":"foo","path":"src"},{"type":"list_files","cmd":"ls"},{"type":"read","cmd":"cat go.mod","name":"go.mod"}]`, string(b))
}

func TestScanArgs(t *testing.T) {
	valued := set("-n", "-e", "--lines")
	ops, opts := scanArgs([]string{"-ab", "x", "-n", "5", "-e5", "--lines", "3", "--k=v", "-", "--", "-z"}, valued)
	assert.Equal(t, []string{"x", "-", "-z"}, ops)
	assert.Equal(t, []option{
		{name: "-a"}, {name: "-b"}, {name: "-n", value: "5"}, {name: "-e", value: "5"},
		{name: "--lines", value: "3"}, {name: "--k", value: "v"},
	}, opts)

	ops, opts = scanArgs([]string{"-an"}, valued)
	assert.Empty(t, ops)
	assert.Equal(t, []option{{name: "-a"}, {name: "-n"}}, opts)
}
