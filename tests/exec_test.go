package tests

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/tests/fakemodel"
)

// execSetup is a CODEX_HOME pointing at a fake model and a working
// directory inside a fresh git repository.
type execSetup struct {
	home, dir string
	model     *fakemodel.Server
}

// newExecSetup starts a fake model answering the scripted replies in order
// and prepares a CODEX_HOME and a git working directory for `codex exec`.
func newExecSetup(t *testing.T, replies ...fakemodel.Reply) execSetup {
	t.Helper()
	model := fakemodel.Start(fakemodel.Script(replies...))
	t.Cleanup(model.Close)
	home := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(mockConfig(model.URL, 0, 0)), 0o600))
	dir := t.TempDir()
	gitInit := exec.Command("git", "init", "-q", dir)
	out, err := gitInit.CombinedOutput()
	require.NoError(t, err, "git init: %s", out)
	return execSetup{home: home, dir: dir, model: model}
}

// run runs `codex exec` with args in the setup's directory, with an empty
// HOME: commands run as bash -lc, which would read the user's profile.
func (s execSetup) run(t *testing.T, stdin string, args ...string) sandboxResult {
	t.Helper()
	res := runCodexEnv(t, s.dir, s.home, stdin, []string{"HOME=" + t.TempDir()}, append([]string{"exec"}, args...)...)
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
	}
	return res
}

// requestBody returns the n-th model request body as text.
func (s execSetup) requestBody(t *testing.T, n int) string {
	t.Helper()
	reqs := s.model.Requests()
	require.Greater(t, len(reqs), n, "model requests")
	return string(reqs[n].Body)
}

// execLine is one line of `codex exec --json`.
type execLine struct {
	Type     string         `json:"type"`
	ThreadID string         `json:"thread_id"`
	Item     map[string]any `json:"item"`
	Usage    map[string]any `json:"usage"`
	Error    map[string]any `json:"error"`
	Message  string         `json:"message"`
}

// execLines decodes stdout of a --json run; every line must be one.
func execLines(t *testing.T, stdout string) []execLine {
	t.Helper()
	var lines []execLine
	for _, raw := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		var l execLine
		require.NoError(t, json.Unmarshal([]byte(raw), &l), "stdout line %q", raw)
		require.NotEmpty(t, l.Type, raw)
		lines = append(lines, l)
	}
	return lines
}

// kinds lists "type" or "type item-type" of lines.
func kinds(lines []execLine) []string {
	var out []string
	for _, l := range lines {
		k := l.Type
		if l.Item != nil {
			k += " " + l.Item["type"].(string)
		}
		out = append(out, k)
	}
	return out
}

// rolloutFiles lists the rollout files under home.
func rolloutFiles(t *testing.T, home string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(filepath.Join(home, "sessions"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".jsonl") {
			files = append(files, path)
		}
		return nil
	})
	require.NoError(t, err)
	return files
}

func TestExecTextTurn(t *testing.T) {
	s := newExecSetup(t, fakemodel.Text("Hello from mock"))
	res := s.run(t, "", "say hello")
	require.Equal(t, 0, res.code, res.stderr)

	assert.Contains(t, res.stdout, "\nsay hello\n", "the prompt is shown")
	assert.Contains(t, res.stdout, "] codex\nHello from mock\n")
	assert.Contains(t, res.stdout, "tokens used: 15")
	assert.Contains(t, res.stdout, "Task started")
	assert.Contains(t, res.stdout, "approval  never")
	assert.NotContains(t, res.stdout, "\x1b[", "no colour when stdout is not a terminal")
	assert.NotContains(t, res.stdout, "ERROR")
	assert.Contains(t, s.requestBody(t, 0), "say hello")
	assert.Len(t, rolloutFiles(t, s.home), 1)
}

func TestExecShellCall(t *testing.T) {
	s := newExecSetup(t,
		bashCall("call_1", "echo made > made.txt; echo marker-$((6*7))"),
		fakemodel.Text("All done"),
	)
	res := s.run(t, "", "--full-auto", "make a file")
	require.Equal(t, 0, res.code, res.stderr)

	content, err := os.ReadFile(filepath.Join(s.dir, "made.txt"))
	require.NoError(t, err, "the command ran in the working directory")
	assert.Equal(t, "made\n", string(content))
	assert.Contains(t, res.stdout, "exec bash -lc 'echo made > made.txt; echo marker-$((6*7))' in "+s.dir)
	assert.Contains(t, res.stdout, "succeeded in ")
	assert.Contains(t, res.stdout, "\nmarker-42\n", "the command's output is shown")
	assert.Contains(t, res.stdout, "All done")

	_, output := modelToolOutput(t, s.model, 1)
	assert.Contains(t, decodeShellOutput(t, output).Output, "marker-42")
}

func TestExecShellFailureShowsExitStatus(t *testing.T) {
	s := newExecSetup(t, bashCall("call_1", "echo oops >&2; exit 3"), fakemodel.Text("It failed"))
	res := s.run(t, "", "--full-auto", "fail please")
	require.Equal(t, 0, res.code, "a failing command does not fail the turn: %s", res.stderr)
	assert.Contains(t, res.stdout, "exited 3 in ")
	assert.Contains(t, res.stdout, "\noops\n")
}

func TestExecJSON(t *testing.T) {
	s := newExecSetup(t, bashCall("call_1", "echo json-run"), fakemodel.Text("Hello from mock"))
	res := s.run(t, "", "--json", "--full-auto", "run it")
	require.Equal(t, 0, res.code, res.stderr)

	lines := execLines(t, res.stdout)
	assert.Equal(t, []string{"thread.started", "turn.started", "item.started command_execution", "item.completed command_execution",
		"item.completed agent_message", "turn.completed"}, kinds(lines))
	assert.Len(t, rolloutFiles(t, s.home), 1)
	assert.Contains(t, rolloutFiles(t, s.home)[0], lines[0].ThreadID)
	done := lines[3].Item
	assert.Equal(t, "item_0", done["id"])
	assert.Equal(t, "completed", done["status"])
	assert.Equal(t, "json-run\n", done["aggregated_output"])
	assert.EqualValues(t, 0, done["exit_code"])
	assert.Equal(t, "Hello from mock", lines[4].Item["text"])
	assert.Equal(t, map[string]any{"input_tokens": 20.0, "cached_input_tokens": 0.0, "output_tokens": 10.0}, lines[5].Usage)
}

// TestExecJSONMatchesTheReference runs the turn of tests/execdiff (a
// command, a patch, a plan, an answer) and compares the output with what
// codex-cli 0.45.0 printed for it, ids and paths aside.
func TestExecJSONMatchesTheReference(t *testing.T) {
	var s execSetup
	model := fakemodel.Start(func(_ fakemodel.Recorded, n int) fakemodel.Reply {
		switch n {
		case 0:
			return bashCall("call_1", "echo hi > out.txt; cat out.txt")
		case 1:
			return customPatchCall("call_2", "*** Begin Patch\n*** Add File: "+filepath.Join(s.dir, "notes.txt")+"\n+a note\n*** End Patch\n")
		case 2:
			return fakemodel.FunctionCall("call_3", "update_plan", `{"plan":[{"step":"write the file","status":"completed"},{"step":"add the note","status":"in_progress"}]}`)
		}
		return fakemodel.Text("Done: wrote out.txt and notes.txt")
	})
	t.Cleanup(model.Close)
	s = newExecSetup(t)
	require.NoError(t, os.WriteFile(filepath.Join(s.home, "config.toml"), []byte(strings.Replace(mockConfig(model.URL, 0, 0), `model = "gpt-5"`, `model = "gpt-5-codex"`, 1)), 0o600))
	res := s.run(t, "", "--json", "--full-auto", "--include-plan-tool", "do the task")
	require.Equal(t, 0, res.code, res.stderr)
	got := strings.ReplaceAll(res.stdout, s.dir, "$WORKSPACE")
	got = regexp.MustCompile(`"thread_id":"[0-9a-f-]{36}"`).ReplaceAllString(got, `"thread_id":"<UUID>"`)
	// codex-cli 0.45.0's output for this turn (go run ./tests/execdiff).
	want := `{"type":"thread.started","thread_id":"<UUID>"}
{"type":"turn.started"}
{"type":"item.started","item":{"id":"item_0","type":"command_execution","command":"bash -lc 'echo hi > out.txt; cat out.txt'","aggregated_output":"","status":"in_progress"}}
{"type":"item.completed","item":{"id":"item_0","type":"command_execution","command":"bash -lc 'echo hi > out.txt; cat out.txt'","aggregated_output":"hi\n","exit_code":0,"status":"completed"}}
{"type":"item.completed","item":{"id":"item_1","type":"file_change","changes":[{"path":"$WORKSPACE/notes.txt","kind":"add"}],"status":"completed"}}
{"type":"item.started","item":{"id":"item_2","type":"todo_list","items":[{"text":"write the file","completed":true},{"text":"add the note","completed":false}]}}
{"type":"item.completed","item":{"id":"item_3","type":"agent_message","text":"Done: wrote out.txt and notes.txt"}}
{"type":"item.completed","item":{"id":"item_2","type":"todo_list","items":[{"text":"write the file","completed":true},{"text":"add the note","completed":false}]}}
{"type":"turn.completed","usage":{"input_tokens":40,"cached_input_tokens":0,"output_tokens":20}}
`
	assert.Equal(t, want, got)
}

// TestExecJSONFailedTurn pins a model error: an error line, turn.failed,
// exit status 1, as codex-cli 0.45.0 does.
func TestExecJSONFailedTurn(t *testing.T) {
	s := newExecSetup(t, fakemodel.Error(400, "the model broke"))
	res := s.run(t, "", "--json", "say hello")
	assert.Equal(t, 1, res.code)
	lines := execLines(t, res.stdout)
	assert.Equal(t, []string{"thread.started", "turn.started", "error", "turn.failed"}, kinds(lines))
	assert.Contains(t, lines[2].Message, "the model broke")
	assert.Equal(t, lines[2].Message, lines[3].Error["message"])
}

// TestExecFlags covers the flags of codex exec beyond the prompt.
func TestExecFlags(t *testing.T) {
	schema := `{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"],"additionalProperties":false}`
	tests := []struct {
		name    string
		args    func(dir string) []string
		check   func(t *testing.T, s execSetup, res sandboxResult)
		wantErr string
	}{
		{
			name: "--output-schema asks for a structured answer",
			args: func(dir string) []string {
				path := filepath.Join(dir, "schema.json")
				require.NoError(t, os.WriteFile(path, []byte(schema), 0o600))
				return []string{"--output-schema", path}
			},
			check: func(t *testing.T, s execSetup, res sandboxResult) {
				assert.Contains(t, s.requestBody(t, 0), `"format":{"type":"json_schema","strict":true,"schema":`+schema+`,"name":"codex_output_schema"}`)
			},
		},
		{
			name: "--output-schema with a file that is not a JSON object",
			args: func(dir string) []string {
				path := filepath.Join(dir, "schema.json")
				require.NoError(t, os.WriteFile(path, []byte("[1]"), 0o600))
				return []string{"--output-schema", path}
			},
			wantErr: "not a JSON object",
		},
		{
			name: "--include-plan-tool offers update_plan",
			args: func(string) []string { return []string{"--include-plan-tool"} },
			check: func(t *testing.T, s execSetup, _ sandboxResult) {
				assert.Contains(t, s.requestBody(t, 0), `"name":"update_plan"`)
			},
		},
		{
			name: "without --include-plan-tool there is no update_plan",
			args: func(string) []string { return nil },
			check: func(t *testing.T, s execSetup, _ sandboxResult) {
				assert.NotContains(t, s.requestBody(t, 0), `"name":"update_plan"`)
			},
		},
		{
			name: "--ephemeral records nothing",
			args: func(string) []string { return []string{"--ephemeral"} },
			check: func(t *testing.T, s execSetup, _ sandboxResult) {
				_, err := os.Stat(filepath.Join(s.home, "sessions"))
				assert.True(t, os.IsNotExist(err), "no sessions directory: %v", err)
			},
		},
		{
			name: "--color always colors the transcript",
			args: func(string) []string { return []string{"--color", "always"} },
			check: func(t *testing.T, _ execSetup, res sandboxResult) {
				assert.Contains(t, res.stdout, "\x1b[")
			},
		},
		{
			name:  "--color never",
			args:  func(string) []string { return []string{"--color", "never"} },
			check: func(t *testing.T, _ execSetup, res sandboxResult) { assert.NotContains(t, res.stdout, "\x1b[") },
		},
		{
			name:    "--color with another value",
			args:    func(string) []string { return []string{"--color", "sometimes"} },
			wantErr: `invalid value "sometimes" for --color`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newExecSetup(t, fakemodel.Text("Hello"))
			res := s.run(t, "", append(tt.args(t.TempDir()), "say hello")...)
			if tt.wantErr != "" {
				assert.NotEqual(t, 0, res.code)
				assert.Contains(t, res.stderr, tt.wantErr)
				return
			}
			require.Equal(t, 0, res.code, res.stderr)
			tt.check(t, s, res)
		})
	}
}

func TestExecPromptFromStdin(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{name: "no argument", args: nil},
		{name: "dash argument", args: []string{"-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newExecSetup(t, fakemodel.Text("Read it"))
			res := s.run(t, "prompt from stdin\n", tt.args...)
			require.Equal(t, 0, res.code, res.stderr)
			assert.Contains(t, s.requestBody(t, 0), "prompt from stdin")
			assert.Contains(t, res.stdout, "Read it")
		})
	}

	t.Run("empty stdin", func(t *testing.T) {
		s := newExecSetup(t)
		res := s.run(t, "  \n")
		assert.Equal(t, 1, res.code)
		assert.Contains(t, res.stderr, "no prompt given")
		assert.Empty(t, s.model.Requests())
	})
}

func TestExecOutputLastMessage(t *testing.T) {
	s := newExecSetup(t, fakemodel.Text("The final answer"))
	out := filepath.Join(t.TempDir(), "last.txt")
	res := s.run(t, "", "--output-last-message", out, "answer me")
	require.Equal(t, 0, res.code, res.stderr)
	content, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "The final answer", string(content))
}

func TestExecImageAttached(t *testing.T) {
	s := newExecSetup(t, fakemodel.Text("Nice picture"))
	img := filepath.Join(t.TempDir(), "pixel.png")
	// A PNG signature is enough for the data URL's media type.
	require.NoError(t, os.WriteFile(img, []byte("\x89PNG\r\n\x1a\nrest"), 0o600))
	res := s.run(t, "", "-i", img, "describe it")
	require.Equal(t, 0, res.code, res.stderr)
	body := s.requestBody(t, 0)
	assert.Contains(t, body, `"input_image"`)
	assert.Contains(t, body, "data:image/png;base64,")

	missing := s.run(t, "", "--image", filepath.Join(s.dir, "nope.png"), "describe it")
	assert.Equal(t, 1, missing.code)
	assert.Contains(t, missing.stderr, "nope.png")
}

func TestExecModelErrorFails(t *testing.T) {
	s := newExecSetup(t, fakemodel.Error(http.StatusBadRequest, "the model refuses this request"))
	out := filepath.Join(t.TempDir(), "last.txt")
	res := s.run(t, "", "--output-last-message", out, "try")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stdout, "ERROR: ")
	assert.Contains(t, res.stdout, "the model refuses this request")
	content, err := os.ReadFile(out)
	require.NoError(t, err, "the last message file is written even after an error")
	assert.Empty(t, string(content))
}

func TestExecApprovalRequestIsDenied(t *testing.T) {
	s := newExecSetup(t, bashCall("call_1", writeScript), fakemodel.Text("Could not"))
	res := s.run(t, "", "-a", "untrusted", "write it")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "denied approval to run")
	assert.Contains(t, res.stdout, "approval requested to run")
	assert.NoFileExists(t, filepath.Join(s.dir, "out.txt"))
	_, output := modelToolOutput(t, s.model, 1)
	assert.NotEmpty(t, output)
}

func TestExecGitRepoCheck(t *testing.T) {
	s := newExecSetup(t, fakemodel.Text("Outside"))
	plain := t.TempDir()

	refused := runCodexIn(t, plain, s.home, "", "exec", "hello")
	assert.Equal(t, 1, refused.code)
	assert.Contains(t, refused.stderr, "Not inside a trusted directory (no git repository found). "+
		"Run inside a git repository or pass --skip-git-repo-check.")
	assert.Empty(t, refused.stdout)
	assert.Empty(t, s.model.Requests())

	viaCd := runCodexIn(t, s.dir, s.home, "", "exec", "-C", plain, "hello")
	assert.Equal(t, 1, viaCd.code, "-C decides the directory checked")
	assert.Contains(t, viaCd.stderr, "Not inside a trusted directory")

	allowed := runCodexIn(t, plain, s.home, "", "exec", "--skip-git-repo-check", "hello")
	require.Equal(t, 0, allowed.code, allowed.stderr)
	assert.Contains(t, allowed.stdout, "Outside")
}

func TestExecResume(t *testing.T) {
	s := newExecSetup(t,
		fakemodel.Text("first answer"),
		fakemodel.Text("second answer"),
		fakemodel.Text("third answer"),
	)
	first := s.run(t, "", "--json", "first prompt")
	require.Equal(t, 0, first.code, first.stderr)
	threadID := execLines(t, first.stdout)[0].ThreadID
	require.NotEmpty(t, threadID)

	second := s.run(t, "", "resume", "--last", "second prompt")
	require.Equal(t, 0, second.code, second.stderr)
	assert.Contains(t, second.stdout, "second answer")
	assert.Contains(t, second.stdout, threadID)
	body := s.requestBody(t, 1)
	for _, want := range []string{"first prompt", "first answer", "second prompt"} {
		assert.Contains(t, body, want)
	}

	third := s.run(t, "", "resume", threadID, "--json", "third prompt")
	require.Equal(t, 0, third.code, third.stderr)
	assert.Equal(t, threadID, execLines(t, third.stdout)[0].ThreadID)
	body = s.requestBody(t, 2)
	for _, want := range []string{"first prompt", "first answer", "second prompt", "second answer", "third prompt"} {
		assert.Contains(t, body, want)
	}
	assert.Len(t, rolloutFiles(t, s.home), 1, "a resumed conversation appends to its rollout")

	unknown := s.run(t, "", "resume", "0199a213-81c0-7800-8aa1-bbab2a035a53", "more")
	assert.Equal(t, 1, unknown.code)
	assert.Contains(t, unknown.stderr, "0199a213-81c0-7800-8aa1-bbab2a035a53")
}

func TestExecInterrupt(t *testing.T) {
	s := newExecSetup(t, fakemodel.Reply{
		Events: []fakemodel.SSE{fakemodel.Created(), fakemodel.OutputTextDelta("partial ")},
		Stall:  true,
	})
	cmd := exec.Command(codexBin, "exec", "--json", "wait forever")
	cmd.Dir = s.dir
	cmd.Env = append(filteredEnv(), "CODEX_HOME="+s.home)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// Interrupt once the model has started answering.
	reader := bufio.NewReader(stdout)
	var lines []string
	for {
		line, err := reader.ReadString('\n')
		if err != nil {
			_ = cmd.Wait()
			require.NoError(t, err, "stdout ended early; stderr:\n%s", stderr.String())
		}
		lines = append(lines, line)
		if strings.Contains(line, `"type":"turn.started"`) {
			break
		}
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	rest, err := io.ReadAll(reader)
	require.NoError(t, err)
	err = cmd.Wait()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, 130, exitErr.ExitCode(), stderr.String())

	got := execLines(t, strings.Join(lines, "")+string(rest))
	assert.Equal(t, []string{"thread.started", "turn.started", "turn.failed"}, kinds(got))
	assert.Equal(t, "turn aborted: interrupted", got[2].Error["message"])

	files := rolloutFiles(t, s.home)
	require.Len(t, files, 1)
	recorded, err := os.ReadFile(files[0])
	require.NoError(t, err)
	assert.Contains(t, string(recorded), `"type":"turn_aborted"`)
	assert.Contains(t, string(recorded), "wait forever")
}
