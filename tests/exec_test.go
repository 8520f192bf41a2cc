package tests

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
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

// run runs `codex exec` with args in the setup's directory.
func (s execSetup) run(t *testing.T, stdin string, args ...string) sandboxResult {
	t.Helper()
	res := runCodexIn(t, s.dir, s.home, stdin, append([]string{"exec"}, args...)...)
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

// jsonEvents decodes stdout of a --json run; every line must be an event.
func jsonEvents(t *testing.T, stdout string) []protocol.Event {
	t.Helper()
	var events []protocol.Event
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		var ev protocol.Event
		require.NoError(t, json.Unmarshal([]byte(line), &ev), "stdout line %q", line)
		require.NotNil(t, ev.Msg, line)
		events = append(events, ev)
	}
	return events
}

// eventTypesOf lists the types of events.
func eventTypesOf(events []protocol.Event) []string {
	types := make([]string, len(events))
	for i, ev := range events {
		types[i] = ev.Msg.EventType()
	}
	return types
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

	events := jsonEvents(t, res.stdout)
	types := eventTypesOf(events)
	require.NotEmpty(t, types)
	assert.Equal(t, "session_configured", types[0])
	assert.Equal(t, "shutdown_complete", types[len(types)-1])
	for _, want := range []string{"task_started", "exec_command_begin", "exec_command_end", "agent_message", "task_complete"} {
		assert.Contains(t, types, want)
	}
	for _, ev := range events {
		if end, ok := ev.Msg.(protocol.TaskCompleteEvent); ok {
			require.NotNil(t, end.LastAgentMessage)
			assert.Equal(t, "Hello from mock", *end.LastAgentMessage)
			assert.Equal(t, "0", ev.ID)
		}
	}
	sc, ok := events[0].Msg.(protocol.SessionConfiguredEvent)
	require.True(t, ok)
	assert.Equal(t, "gpt-5", sc.Model)
	assert.FileExists(t, sc.RolloutPath)
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
	sc, ok := jsonEvents(t, first.stdout)[0].Msg.(protocol.SessionConfiguredEvent)
	require.True(t, ok)

	second := s.run(t, "", "resume", "--last", "second prompt")
	require.Equal(t, 0, second.code, second.stderr)
	assert.Contains(t, second.stdout, "second answer")
	assert.Contains(t, second.stdout, sc.SessionID)
	body := s.requestBody(t, 1)
	for _, want := range []string{"first prompt", "first answer", "second prompt"} {
		assert.Contains(t, body, want)
	}

	third := s.run(t, "", "resume", sc.SessionID, "--json", "third prompt")
	require.Equal(t, 0, third.code, third.stderr)
	resumed, ok := jsonEvents(t, third.stdout)[0].Msg.(protocol.SessionConfiguredEvent)
	require.True(t, ok)
	assert.Equal(t, sc.SessionID, resumed.SessionID)
	assert.NotEmpty(t, resumed.InitialMessages)
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
		if strings.Contains(line, `"type":"agent_message_delta"`) {
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

	types := eventTypesOf(jsonEvents(t, strings.Join(lines, "")+string(rest)))
	assert.Contains(t, types, "turn_aborted")
	assert.Equal(t, "shutdown_complete", types[len(types)-1])

	files := rolloutFiles(t, s.home)
	require.Len(t, files, 1)
	recorded, err := os.ReadFile(files[0])
	require.NoError(t, err)
	assert.Contains(t, string(recorded), `"type":"turn_aborted"`)
	assert.Contains(t, string(recorded), "wait forever")
}
