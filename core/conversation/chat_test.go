package conversation

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

// The chat wire produces the same events as the Responses wire: a tool call
// assembled from fragments runs, and its output goes back as a tool message.
func TestChatWireTurnWithToolCall(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(
		fakemodel.ChatToolCall("call_1", "update_plan", `{"plan":[{"step":"look around","status":"in_progress"}]}`, 7),
		fakemodel.ChatText("Planned."),
	))
	t.Cleanup(srv.Close)
	home, cwd := t.TempDir(), t.TempDir()
	cfgText := "model = \"gpt-oss:20b\"\ninclude_plan_tool = true\n" + srv.ChatConfigTOML()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfgText), 0o600))
	cfg, err := config.Load(config.LoadOptions{CodexHome: home, Typed: config.Typed{Cwd: cwd}, Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	mgr := NewManager(Deps{CodexHome: home, Source: "exec", Getenv: func(string) string { return "" }})
	t.Cleanup(func() { _ = mgr.Close(context.Background()) })
	c, _, err := mgr.NewConversation(context.Background(), cfg)
	require.NoError(t, err)

	say(t, c, "make a plan")
	evs := until(t, c, "task_complete")
	got := types(evs)
	assert.Contains(t, got, "plan_update")
	assert.Equal(t, "Planned.", *evs[len(evs)-1].Msg.(protocol.TaskCompleteEvent).LastAgentMessage)

	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/v1/chat/completions", reqs[1].Path)
	var body struct {
		Messages []map[string]any `json:"messages"`
	}
	require.NoError(t, json.Unmarshal(reqs[1].Body, &body))
	last := body.Messages[len(body.Messages)-1]
	assert.Equal(t, "tool", last["role"])
	assert.Equal(t, "call_1", last["tool_call_id"])
	assert.Equal(t, "Plan updated", last["content"])
}
