package tests

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/tests/fakemodel"
)

func TestMCPToolsReachTheModel(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(
		fakemodel.FunctionCall("call1", "test__echo", `{"text":"hello mcp"}`),
		fakemodel.TextDeltas([]string{"done"}),
	))
	t.Cleanup(model.Close)
	config := mockConfig(model.URL, 0, 0) + fmt.Sprintf(`
[mcp_servers.test]
command = %q

[mcp_servers.broken]
command = %q
args = ["-fail-start"]
`, mcpTestServerBin, mcpTestServerBin)
	s := startAppServer(t, serverEnv{config: config})
	s.initialize()
	conv, _ := s.newConversation(map[string]any{"approvalPolicy": "never"})
	s.listen(conv)
	s.sendText(conv, "use the tool")
	events := s.eventsUntil(conv, "task_complete")

	var begin, end, startErrors []string
	for _, ev := range events {
		switch ev.eventType() {
		case "mcp_tool_call_begin":
			begin = append(begin, ev.Raw)
		case "mcp_tool_call_end":
			end = append(end, ev.Raw)
		case "error":
			startErrors = append(startErrors, ev.Raw)
		}
	}
	require.Len(t, begin, 1, "events:\n%s", rawLines(events))
	assert.Contains(t, begin[0], `"msg":{"type":"mcp_tool_call_begin","call_id":"call1","invocation":{"server":"test","tool":"echo","arguments":{"text":"hello mcp"}}}`)
	require.Len(t, end, 1)
	assert.Contains(t, end[0], `"result":{"Ok":{`)
	assert.Contains(t, end[0], `hello mcp`)
	// The server that failed is an error of the session; the turn went on.
	require.Len(t, startErrors, 1)
	assert.Contains(t, startErrors[0], `"id":"","msg":{"type":"error","message":"MCP client for `+"`broken`"+` failed to start: `)

	reqs := model.Requests()
	require.Len(t, reqs, 2)
	var first struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	require.NoError(t, json.Unmarshal(reqs[0].Body, &first))
	var names []string
	for _, tool := range first.Tools {
		names = append(names, tool.Name)
	}
	assert.Contains(t, names, "test__echo")
	assert.Contains(t, names, "shell")
	for _, n := range names {
		assert.False(t, strings.HasPrefix(n, "broken__"), n)
	}
	var second struct {
		Input []json.RawMessage `json:"input"`
	}
	require.NoError(t, json.Unmarshal(reqs[1].Body, &second))
	assert.Contains(t, string(second.Input[len(second.Input)-1]), "hello mcp")
}
