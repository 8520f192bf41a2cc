package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/tests/fakemodel"
)

// shellTurn is the model of the captures: one shell call, then text.
func shellTurn(command string) fakemodel.Handler {
	args, _ := json.Marshal(map[string]any{"command": []string{"bash", "-lc", command}})
	return fakemodel.Script(
		fakemodel.FunctionCall("call1", "shell", string(args)),
		fakemodel.TextDeltas([]string{"Hello from mock"}),
	)
}

// normalize replaces what differs between runs: the conversation id, the
// working directory and the command's duration.
func normalize(raw, conv, cwd string) string {
	raw = strings.ReplaceAll(raw, conv, "CONV")
	raw = strings.ReplaceAll(raw, cwd, "$WORKSPACE")
	return regexp.MustCompile(`"duration":\{"secs":\d+,"nanos":\d+\}`).ReplaceAllString(raw, `"duration":DURATION`)
}

// captureLines reads the codex/event notifications and server requests of a
// reference capture, normalised like normalize does.
func captureLines(t *testing.T, name string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "protocol", "testdata", "reference", name))
	require.NoError(t, err)
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if !strings.HasPrefix(line, `{"method"`) {
			continue
		}
		var m struct {
			Params struct {
				ConversationID string `json:"conversationId"`
			} `json:"params"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		out = append(out, normalize(line, m.Params.ConversationID, "$WORKSPACE"))
	}
	return out
}

func TestShellTurnMatchesNeverCapture(t *testing.T) {
	s, model := startWithModel(t, shellTurn("echo hi > out.txt; cat out.txt"), 0, 0)
	conv, _ := s.newConversation(map[string]any{"approvalPolicy": "never", "sandbox": "workspace-write", "cwd": s.workDir})
	s.listen(conv)
	s.sendText(conv, "run it")
	events := s.eventsUntil(conv, "task_complete")

	want := captureLines(t, "appserver-shell-never.jsonl")
	var got []string
	for _, ev := range events {
		got = append(got, normalize(ev.Raw, conv, s.workDir))
	}
	// The reference's login shell printed host-specific text on stderr; ours prints none.
	for i := range want {
		want[i] = strings.Replace(want[i], `"stderr":"<stderr of the login shell, host-specific, omitted>"`, `"stderr":""`, 1)
	}
	assert.Equal(t, want, got)

	content, err := os.ReadFile(filepath.Join(s.workDir, "out.txt"))
	require.NoError(t, err)
	assert.Equal(t, "hi\n", string(content))

	reqs := model.Requests()
	require.Len(t, reqs, 2)
	var body struct {
		Input []json.RawMessage `json:"input"`
	}
	require.NoError(t, json.Unmarshal(reqs[1].Body, &body))
	last := string(body.Input[len(body.Input)-1])
	assert.Regexp(t, `^\{"type":"function_call_output","call_id":"call1","output":"\{\\"output\\":\\"hi\\\\n\\",\\"metadata\\":\{\\"exit_code\\":0,\\"duration_seconds\\":\d+\.\d\}\}"\}$`, last)
}

func TestShellTurnMatchesApprovalCapture(t *testing.T) {
	s, _ := startWithModel(t, shellTurn("echo hi > out.txt; cat out.txt"), 0, 0)
	conv, _ := s.newConversation(map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write", "cwd": s.workDir})
	s.listen(conv)
	s.sendText(conv, "run it")

	req := s.serverRequest("execCommandApproval")
	assert.Equal(t, `{"method":"execCommandApproval","id":0,"params":{"conversationId":"CONV","callId":"call1","command":["bash","-lc","echo hi > out.txt; cat out.txt"],"cwd":"$WORKSPACE"}}`,
		normalize(req.Raw, conv, s.workDir))
	s.respond(req.ID, map[string]any{"decision": "approved"})
	events := s.eventsUntil(conv, "task_complete")

	want := captureLines(t, "appserver-shell-approval.jsonl")
	var wantEvents []string
	for _, w := range want {
		if !strings.HasPrefix(w, `{"method":"execCommandApproval"`) {
			wantEvents = append(wantEvents, w)
		}
	}
	var got []string
	for _, ev := range events {
		got = append(got, normalize(ev.Raw, conv, s.workDir))
	}
	assert.Equal(t, wantEvents, got)
}
