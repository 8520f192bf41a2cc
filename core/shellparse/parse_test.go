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
		{"cat two files", bash("cat a b"), []protocol.ParsedCommand{unknown("cat a b")}},
		{"cat stdin", bash("cat"), []protocol.ParsedCommand{unknown("cat")}},
		{"cat dash", bash("cat -"), []protocol.ParsedCommand{unknown("cat -")}},
		{"head -n", bash("head -n 50 src/lib.rs"), []protocol.ParsedCommand{read("head -n 50 src/lib.rs", "lib.rs")}},
		{"sed -n quoted line", bash("sed -n '10p' a.go"), []protocol.ParsedCommand{read("sed -n 10p a.go", "a.go")}},
		{"sed substitution", bash("sed -n s/a/b/p a.go"), []protocol.ParsedCommand{unknown("sed -n s/a/b/p a.go")}},
		{"sed in place", bash("sed -i 1d a.go"), []protocol.ParsedCommand{unknown("sed -i 1d a.go")}},
		{"nl", bash("nl -ba main.go"), []protocol.ParsedCommand{read("nl -ba main.go", "main.go")}},
		{"nl separate value", bash("nl -b a main.go"), []protocol.ParsedCommand{read("nl -b a main.go", "main.go")}},
		{"quoted file name", bash("cat 'my file.txt'"), []protocol.ParsedCommand{read("cat 'my file.txt'", "my file.txt")}},
		{"direct argv read", []string{"cat", "go.mod"}, []protocol.ParsedCommand{read("cat go.mod", "go.mod")}},

		// list_files
		{"ls", bash("ls"), []protocol.ParsedCommand{list("ls", nil)}},
		{"ls -la path", []string{"ls", "-la", "src"}, []protocol.ParsedCommand{list("ls -la src", strp("src"))}},
		{"ls ignore value", bash("ls -I '*.o' build"), []protocol.ParsedCommand{list("ls -I '*.o' build", strp("build"))}},

		// search
		{"rg pattern", bash("rg TODO"), []protocol.ParsedCommand{search("rg TODO", strp("TODO"), nil)}},
		{"rg pattern path", bash("rg -n 'fn main' src"), []protocol.ParsedCommand{search("rg -n 'fn main' src", strp("fn main"), strp("src"))}},
		{"rg -e", bash("rg -e foo a"), []protocol.ParsedCommand{search("rg -e foo a", strp("foo"), strp("a"))}},
		{"grep -rn", bash("grep -rn foo ."), []protocol.ParsedCommand{search("grep -rn foo .", strp("foo"), strp("."))}},
		{"git status", bash("git status"), []protocol.ParsedCommand{unknown("git status")}},

		// unknown and sequences
		{"echo", bash("echo hi"), []protocol.ParsedCommand{unknown("echo hi")}},
		{"many", bash("ls; cat a.txt\ngo test ./..."), []protocol.ParsedCommand{list("ls", nil), read("cat a.txt", "a.txt"), unknown("go test ./...")}},
		{"cmd is re-quoted", bash(`echo "a b"   c`), []protocol.ParsedCommand{unknown("echo 'a b' c")}},

		// pipelines
		{"pipeline many helpers", bash("grep -r foo . | sort | uniq -c | sort -rn | head"), []protocol.ParsedCommand{search("grep -r foo .", strp("foo"), strp("."))}},
		{"pipeline wc cut tr nl sed", bash("ls | wc -l | cut -c1 | tr a b | nl | sed -n 1p"), []protocol.ParsedCommand{list("ls", nil)}},
		{"pipeline non-helper kept", bash("cat a.txt | grep foo"), []protocol.ParsedCommand{read("cat a.txt", "a.txt"), search("grep foo", strp("foo"), nil)}},
		{"helper after and is kept", bash("ls && head -n 1 f"), []protocol.ParsedCommand{list("ls", nil), read("head -n 1 f", "f")}},
		{"helper first stage kept", bash("head -n 3 f | wc -l"), []protocol.ParsedCommand{read("head -n 3 f", "f")}},
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
	assert.JSONEq(t, `[{"type":"search","cmd":"rg -n foo src","query":"foo","path":"src"},{"type":"list_files","cmd":"ls","path":null},{"type":"read","cmd":"cat go.mod","name":"go.mod"}]`, string(b))
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
