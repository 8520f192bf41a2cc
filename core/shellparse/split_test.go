package shellparse

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitAccepted(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   [][]string
	}{
		{"single word", "ls", [][]string{{"ls"}}},
		{"words and blanks", "  ls \t -la   src ", [][]string{{"ls", "-la", "src"}}},
		{"single quotes", `echo 'a b' 'c"d' '$HOME' '\n'`, [][]string{{"echo", "a b", `c"d`, "$HOME", `\n`}}},
		{"double quotes", `echo "a b" "it's" "x\"y" "back\\slash" "keep\n"`, [][]string{{"echo", "a b", "it's", `x"y`, `back\slash`, `keep\n`}}},
		{"escaped dollar in double quotes", `echo "\$HOME" "\` + "`" + `"`, [][]string{{"echo", "$HOME", "`"}}},
		{"line continuation in double quotes", "echo \"a\\\nb\"", [][]string{{"echo", "ab"}}},
		{"newline inside quotes", "echo 'a\nb' \"c\nd\"", [][]string{{"echo", "a\nb", "c\nd"}}},
		{"empty words", `echo '' ""`, [][]string{{"echo", "", ""}}},
		{"adjacent quoting joins one word", `echo a'b'"c"\d`, [][]string{{"echo", "abcd"}}},
		{"backslash escapes", `echo a\ b \$x \> \; \&\& \| \( \'`, [][]string{{"echo", "a b", "$x", ">", ";", "&&", "|", "(", "'"}}},
		{"line continuation", "echo a \\\n b", [][]string{{"echo", "a", "b"}}},
		{"and", "cd src && ls", [][]string{{"cd", "src"}, {"ls"}}},
		{"or", "test -f x || echo missing", [][]string{{"test", "-f", "x"}, {"echo", "missing"}}},
		{"sequence", "pwd; ls;echo done", [][]string{{"pwd"}, {"ls"}, {"echo", "done"}}},
		{"trailing semicolon", "ls;", [][]string{{"ls"}}},
		{"trailing semicolon and newline", "ls;\n", [][]string{{"ls"}}},
		{"pipe", "rg foo | head -n 5", [][]string{{"rg", "foo"}, {"head", "-n", "5"}}},
		{"operators without blanks", "a&&b||c|d;e", [][]string{{"a"}, {"b"}, {"c"}, {"d"}, {"e"}}},
		{"newlines separate", "ls\npwd\n\n\necho x\n", [][]string{{"ls"}, {"pwd"}, {"echo", "x"}}},
		{"leading newlines", "\n\nls", [][]string{{"ls"}}},
		{"newline after operator", "ls &&\n  pwd |\n wc", [][]string{{"ls"}, {"pwd"}, {"wc"}}},
		{"globs stay literal", "ls *.go src/?/x [ab]", [][]string{{"ls", "*.go", "src/?/x", "[ab]"}}},
		{"test bracket command", "[ -f go.mod ] && echo yes", [][]string{{"[", "-f", "go.mod", "]"}, {"echo", "yes"}}},
		{"hash inside a word", "echo a#b", [][]string{{"echo", "a#b"}}},
		{"tilde inside a word", "git show HEAD~1", [][]string{{"git", "show", "HEAD~1"}}},
		{"quoted tilde and hash", `echo '~' "#x"`, [][]string{{"echo", "~", "#x"}}},
		{"equals in arguments", "git log --format=%H a=b", [][]string{{"git", "log", "--format=%H", "a=b"}}},
		{"equals at word start", "=x y", [][]string{{"=x", "y"}}},
		{"quoted assignment is a command", "'A=1' x", [][]string{{"A=1", "x"}}},
		{"name with quoted equals", `A"=1"`, [][]string{{"A=1"}}},
		{"reserved word as argument", "echo if then fi", [][]string{{"echo", "if", "then", "fi"}}},
		{"quoted reserved word", "'if' x; \\while", [][]string{{"if", "x"}, {"while"}}},
		{"bang inside words", "find . ! -name x", [][]string{{"find", ".", "!", "-name", "x"}}},
		{"carriage return is a word byte", "ls\r", [][]string{{"ls\r"}}},
		{"utf-8", "echo héllo 'wörld'", [][]string{{"echo", "héllo", "wörld"}}},
		{"percent and caret", "date +%Y^x", [][]string{{"date", "+%Y^x"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Split(tc.script)
			require.True(t, ok, "script %q", tc.script)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestSplitRejected(t *testing.T) {
	tests := []struct {
		name   string
		script string
	}{
		{"empty", ""},
		{"blank", " \t\n "},
		{"output redirection", "echo hi > out.txt"},
		{"append redirection", "echo hi >> out.txt"},
		{"input redirection", "cat < in"},
		{"fd redirection", "ls 2>&1"},
		{"here doc", "cat <<EOF\nx\nEOF"},
		{"here string", "cat <<< x"},
		{"process substitution", "diff <(ls) <(ls)"},
		{"redirection glued to word", "echo hi>x"},
		{"the capture's script", "echo hi > out.txt; cat out.txt"},
		{"subshell", "(cd x && ls)"},
		{"closing paren", "ls )"},
		{"group", "{ ls; }"},
		{"brace expansion", "echo a{b,c}"},
		{"command substitution", "echo $(pwd)"},
		{"backticks", "echo `pwd`"},
		{"variable", "echo $HOME"},
		{"braced variable", "echo ${HOME}"},
		{"arithmetic", "echo $((1+2))"},
		{"ansi-c quoting", "echo $'a'"},
		{"lone dollar", "echo $"},
		{"variable in double quotes", `echo "$HOME"`},
		{"substitution in double quotes", `echo "$(pwd)"`},
		{"backticks in double quotes", "echo \"`pwd`\""},
		{"background", "sleep 1 &"},
		{"background then command", "sleep 1 & ls"},
		{"ampersand redirect", "ls &> x"},
		{"pipe stderr", "ls |& cat"},
		{"assignment", "FOO=bar ls"},
		{"lone assignment", "x=1"},
		{"assignment after operator", "ls && A_1=2 pwd"},
		{"comment", "ls # list"},
		{"comment line", "# only a comment"},
		{"tilde", "ls ~/src"},
		{"lone tilde", "cd ~"},
		{"if", "if true; then ls; fi"},
		{"for", "for f in a b; do echo x; done"},
		{"while", "while true; do ls; done"},
		{"case", "case x in"},
		{"negation", "! grep x f"},
		{"double brackets", "[[ -f x ]]"},
		{"function keyword", "function f"},
		{"time keyword", "time ls"},
		{"reserved after operator", "ls; then"},
		{"unterminated single quote", "echo 'abc"},
		{"unterminated double quote", `echo "abc`},
		{"unterminated escape in double quote", `echo "abc\`},
		{"trailing backslash", `echo abc\`},
		{"leading and", "&& ls"},
		{"leading or", "|| ls"},
		{"leading pipe", "| ls"},
		{"leading semicolon", "; ls"},
		{"double semicolon", "ls;; pwd"},
		{"empty between operators", "ls && && pwd"},
		{"trailing and", "ls &&"},
		{"trailing or", "ls ||"},
		{"trailing pipe", "ls |"},
		{"trailing and then newline", "ls &&\n"},
		{"semicolon after newline", "ls\n;"},
		{"operator after newline", "ls\n&& pwd"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Split(tc.script)
			assert.False(t, ok, "script %q split into %q", tc.script, got)
			assert.Nil(t, got)
		})
	}
}

func TestSplitOperators(t *testing.T) {
	segs, ok := splitScript("a && b || c | d; e\nf")
	require.True(t, ok)
	var ops []string
	for _, s := range segs {
		ops = append(ops, s.op)
	}
	assert.Equal(t, []string{opAnd, opOr, opPipe, opSeq, opSeq, ""}, ops)
}

func TestCommands(t *testing.T) {
	tests := []struct {
		name   string
		argv   []string
		want   [][]string
		wantOK bool
	}{
		{"bash -lc", []string{"bash", "-lc", "ls && pwd"}, [][]string{{"ls"}, {"pwd"}}, true},
		{"bash -c", []string{"bash", "-c", "ls"}, [][]string{{"ls"}}, true},
		{"sh -c", []string{"sh", "-c", "echo 'a b'"}, [][]string{{"echo", "a b"}}, true},
		{"zsh -lc", []string{"zsh", "-lc", "ls | wc -l"}, [][]string{{"ls"}, {"wc", "-l"}}, true},
		{"absolute bash", []string{"/bin/bash", "-lc", "ls"}, [][]string{{"ls"}}, true},
		{"usr bin sh", []string{"/usr/bin/sh", "-c", "ls"}, [][]string{{"ls"}}, true},
		{"unsplittable script", []string{"bash", "-lc", "echo hi > out.txt; cat out.txt"}, nil, false},
		{"empty script", []string{"bash", "-lc", ""}, nil, false},
		{"direct argv", []string{"ls", "-la"}, [][]string{{"ls", "-la"}}, true},
		{"direct argv keeps special characters", []string{"echo", "$HOME", ">", "x"}, [][]string{{"echo", "$HOME", ">", "x"}}, true},
		{"other shell path is a direct argv", []string{"./bash", "-lc", "ls"}, [][]string{{"./bash", "-lc", "ls"}}, true},
		{"other interpreter", []string{"python3", "-c", "print(1)"}, [][]string{{"python3", "-c", "print(1)"}}, true},
		{"other flag", []string{"bash", "-x", "ls"}, [][]string{{"bash", "-x", "ls"}}, true},
		{"extra arguments", []string{"bash", "-c", "ls", "arg0"}, [][]string{{"bash", "-c", "ls", "arg0"}}, true},
		{"shell alone", []string{"bash"}, [][]string{{"bash"}}, true},
		{"empty argv", nil, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Commands(tc.argv)
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestCommandsCopiesArgv(t *testing.T) {
	argv := []string{"ls", "-la"}
	cmds, ok := Commands(argv)
	require.True(t, ok)
	cmds[0][0] = "rm"
	assert.Equal(t, "ls", argv[0])
}

func TestQuote(t *testing.T) {
	tests := []struct{ word, want string }{
		{"ls", "ls"},
		{"-la", "-la"},
		{"src/main.go", "src/main.go"},
		{"--format=%H", "--format=%H"},
		{"a,b:c@d+e^f", "a,b:c@d+e^f"},
		{"", "''"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"$HOME", "'$HOME'"},
		{"*.go", "'*.go'"},
		{"~", "'~'"},
		{"#x", "'#x'"},
		{"a\nb", "'a\nb'"},
		{"héllo", "'héllo'"},
		{"\xff", "'\xff'"},
	}
	for _, tc := range tests {
		t.Run(tc.word, func(t *testing.T) {
			got := Quote(tc.word)
			assert.Equal(t, tc.want, got)
			back, ok := Split("echo " + got)
			require.True(t, ok)
			assert.Equal(t, [][]string{{"echo", tc.word}}, back)
		})
	}
}

func TestJoin(t *testing.T) {
	tests := []struct {
		words []string
		want  string
	}{
		{[]string{"ls", "-la"}, "ls -la"},
		{[]string{"echo", "a b", ""}, "echo 'a b' ''"},
		{[]string{"if", "x"}, "'if' x"},
		{[]string{"echo", "if"}, "echo if"},
		{[]string{"A=1", "B=2"}, "'A=1' B=2"},
		{[]string{"!"}, "'!'"},
		{nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			got := Join(tc.words)
			assert.Equal(t, tc.want, got)
			if len(tc.words) > 0 {
				back, ok := Split(got)
				require.True(t, ok)
				assert.Equal(t, [][]string{tc.words}, back)
			}
		})
	}
}

// bashWords runs script under bash, where every command name is unknown and
// an unknown-command handler prints the words it received, and returns the
// words of each command in the order they ran. Every command succeeds
// except one named failx.
func bashWords(t *testing.T, bashPath, script string) [][]string {
	t.Helper()
	const handler = "command_not_found_handle() { printf '%s\\0' \"$@\"; printf '\\001'; [ \"$1\" != failx ]; }\n"
	cmd := exec.Command(bashPath, "--norc", "--noprofile", "-c", handler+script)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + t.TempDir(), "HOME=/nonexistent"}
	out, err := cmd.Output()
	require.NoError(t, err, "script %q", script)
	var got [][]string
	for _, rec := range strings.Split(strings.TrimSuffix(string(out), "\x01"), "\x01") {
		words := strings.Split(strings.TrimSuffix(rec, "\x00"), "\x00")
		got = append(got, words)
	}
	return got
}

// TestSplitMatchesBash checks that accepted scripts split into the words
// bash itself passes to the commands.
func TestSplitMatchesBash(t *testing.T) {
	bashPath, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	scripts := []string{
		`xcmd 'a b' "c d" e\ f`,
		`xcmd "it's" "x\"y" "back\\slash" "keep\n" "\$HOME" "\` + "`" + `" 'single\'`,
		`xcmd a'b'"c"\d '' "" x''`,
		`xcmd *.go '[ab]' ? src/?/x`,
		`xcmd a#b HEAD~1 =x --format=%H a=b x~ a!b`,
		"xcmd 'a\nb' \"c\nd\" e\\\nf \"g\\\nh\"",
		"xcmd x && ycmd y; failx || zcmd z; wcmd\nvcmd\n\nucmd ;\n tcmd &&\n scmd",
		`xcmd if then fi done`,
		`'xif' 1; \while 2; "for" 3`,
		`'A=1' x; A"=1" y`,
		`xcmd ! -name '*.go' \( \) \; \{ \}`,
		`xcmd héllo 'wörld' "ünïcode"`,
		"xcmd\ta\t\tb  c\r",
		`=xcmd y`,
		`xcmd \\ \' \" '\\'`,
	}
	for _, script := range scripts {
		t.Run(script, func(t *testing.T) {
			got, ok := Split(script)
			require.True(t, ok)
			assert.Equal(t, bashWords(t, bashPath, script), got)
		})
	}
}
