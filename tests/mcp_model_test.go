package tests

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/tests/fakemodel"
)

// TestMCPEverythingServerReachesTheModel runs the real server-everything
// (from npm) as a stdio MCP server and checks what the model receives: its
// tools with reduced schemas, and the result of get-tiny-image as an
// input_image of the function_call_output.
func TestMCPEverythingServerReachesTheModel(t *testing.T) {
	node, dir := npmPackagesDir(t, "mcpservers")
	script := filepath.Join(dir, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")

	model := fakemodel.Start(fakemodel.Script(
		fakemodel.FunctionCall("call1", "everything__get-tiny-image", `{}`),
		fakemodel.FunctionCall("call2", "everything__get-structured-content", `{"location":"Chicago"}`),
		fakemodel.TextDeltas([]string{"done"}),
	))
	t.Cleanup(model.Close)
	config := mockConfig(model.URL, 0, 0) + fmt.Sprintf(`
[mcp_servers.everything]
command = %q
args = [%q, "stdio"]
startup_timeout_sec = 60
`, node, script)
	s := startAppServer(t, serverEnv{config: config})
	s.initialize()
	conv, _ := s.newConversation(map[string]any{"approvalPolicy": "never"})
	s.listen(conv)
	s.sendText(conv, "use the tools")
	events := s.eventsUntil(conv, "task_complete")

	reqs := model.Requests()
	require.Len(t, reqs, 3, "events:\n%s", rawLines(events))

	// The tools: names as "<server>__<tool>", schemas without $schema or
	// default, enums kept.
	var first struct {
		Tools []struct {
			Name       string          `json:"name"`
			Parameters json.RawMessage `json:"parameters"`
		} `json:"tools"`
	}
	require.NoError(t, json.Unmarshal(reqs[0].Body, &first))
	params := map[string]string{}
	for _, tool := range first.Tools {
		params[tool.Name] = string(tool.Parameters)
	}
	assert.Equal(t, `{"type":"object","properties":{}}`, params["everything__get-tiny-image"])
	assert.Equal(t, `{"type":"object","properties":{"location":{"type":"string","description":"Choose city","enum":["New York","Chicago","Los Angeles"]}},"required":["location"]}`,
		params["everything__get-structured-content"])
	for name, p := range params {
		if strings.HasPrefix(name, "everything__") {
			assert.NotContains(t, p, `"$schema"`, name)
			assert.NotContains(t, p, `"default"`, name)
		}
	}

	// The image result: content items with an input_image.
	var second struct {
		Input []json.RawMessage `json:"input"`
	}
	require.NoError(t, json.Unmarshal(reqs[1].Body, &second))
	var out struct {
		Type   string `json:"type"`
		CallID string `json:"call_id"`
		Output []struct {
			Type     string `json:"type"`
			Text     string `json:"text"`
			ImageURL string `json:"image_url"`
			Detail   string `json:"detail"`
		} `json:"output"`
	}
	require.NoError(t, json.Unmarshal(second.Input[len(second.Input)-1], &out), "%s", second.Input[len(second.Input)-1])
	assert.Equal(t, "function_call_output", out.Type)
	assert.Equal(t, "call1", out.CallID)
	require.GreaterOrEqual(t, len(out.Output), 3)
	assert.Regexp(t, `^Wall time: \d+\.\d{4} seconds\nOutput:$`, out.Output[0].Text)
	var images int
	for _, item := range out.Output {
		if item.Type == "input_image" {
			images++
			assert.True(t, strings.HasPrefix(item.ImageURL, "data:image/png;base64,iVBOR"), item.ImageURL[:40])
			assert.Equal(t, "high", item.Detail)
		}
	}
	assert.Equal(t, 1, images)

	// The structured result: its JSON as text.
	var third struct {
		Input []json.RawMessage `json:"input"`
	}
	require.NoError(t, json.Unmarshal(reqs[2].Body, &third))
	var structured struct {
		Output string `json:"output"`
	}
	require.NoError(t, json.Unmarshal(third.Input[len(third.Input)-1], &structured))
	assert.Regexp(t, `^Wall time: \d+\.\d{4} seconds\nOutput:\n\{"temperature":`, structured.Output)
}
