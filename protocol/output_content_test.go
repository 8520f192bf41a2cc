package protocol

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFunctionOutputContentRoundTrip writes a function output given as
// content items as an output array (the Responses API form codex-cli 0.171
// sends for MCP results) and reads it back.
func TestFunctionOutputContentRoundTrip(t *testing.T) {
	item := ResponseItem{Type: ItemFunctionCallOutput, CallID: "c1", OutputContent: []ContentItem{
		{Type: ContentInputText, Text: "Wall time: 0.0046 seconds\nOutput:"},
		{Type: ContentInputImage, ImageURL: "data:image/png;base64,iVBO", Detail: "high"},
	}}
	out, err := json.Marshal(item)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"function_call_output","call_id":"c1","output":[
		{"type":"input_text","text":"Wall time: 0.0046 seconds\nOutput:"},
		{"type":"input_image","image_url":"data:image/png;base64,iVBO","detail":"high"}]}`, string(out))

	var back ResponseItem
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, item, back)

	// A text output stays a string.
	out, err = json.Marshal(FunctionOutput("c2", "plain"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"function_call_output","call_id":"c2","output":"plain"}`, string(out))
}
