package fakemodel_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

// chatFrames reads a chat reply from the server and returns the data of
// each event, checking that no event carries a name.
func chatFrames(t *testing.T, reply fakemodel.Reply) []string {
	t.Helper()
	srv := fakemodel.Start(fakemodel.Script(reply))
	defer srv.Close()
	resp := post(t, context.Background(), srv.URL+"/chat/completions", `{"model":"m"}`)
	body := readAll(t, resp.Body)
	require.True(t, strings.HasSuffix(body, "\n\n"), "stream ends with a blank line")
	var out []string
	for _, frame := range strings.Split(strings.TrimSuffix(body, "\n\n"), "\n\n") {
		require.True(t, strings.HasPrefix(frame, "data: "), "frame %q", frame)
		require.NotContains(t, frame, "\n", "one data line per frame")
		out = append(out, strings.TrimPrefix(frame, "data: "))
	}
	return out
}

type chunk struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Role      string  `json:"role"`
			Content   *string `json:"content"`
			Reasoning string  `json:"reasoning"`
			ToolCalls []struct {
				Index    int    `json:"index"`
				ID       string `json:"id"`
				Type     string `json:"type"`
				Function struct {
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int64 `json:"prompt_tokens"`
		CompletionTokens int64 `json:"completion_tokens"`
		TotalTokens      int64 `json:"total_tokens"`
	} `json:"usage"`
}

func decodeChunks(t *testing.T, frames []string) []chunk {
	t.Helper()
	out := make([]chunk, len(frames))
	for i, f := range frames {
		require.NoError(t, json.Unmarshal([]byte(f), &out[i]), f)
		assert.Equal(t, fakemodel.ChatCompletionID, out[i].ID)
		assert.Equal(t, "chat.completion.chunk", out[i].Object)
	}
	return out
}

func TestChatText(t *testing.T) {
	frames := chatFrames(t, fakemodel.ChatText("hello big world", protocol.TokenUsage{InputTokens: 7, OutputTokens: 3, TotalTokens: 10}))
	require.Equal(t, "[DONE]", frames[len(frames)-1])
	chunks := decodeChunks(t, frames[:len(frames)-1])
	require.Len(t, chunks, 6, "role, 3 deltas, finish, usage")

	assert.Equal(t, "assistant", chunks[0].Choices[0].Delta.Role)
	var text []string
	for _, c := range chunks[1:4] {
		require.Len(t, c.Choices, 1)
		require.NotNil(t, c.Choices[0].Delta.Content)
		assert.Nil(t, c.Choices[0].FinishReason)
		text = append(text, *c.Choices[0].Delta.Content)
	}
	assert.Equal(t, []string{"hello ", "big ", "world"}, text)
	require.NotNil(t, chunks[4].Choices[0].FinishReason)
	assert.Equal(t, fakemodel.FinishStop, *chunks[4].Choices[0].FinishReason)
	assert.Empty(t, chunks[5].Choices)
	require.NotNil(t, chunks[5].Usage)
	assert.Equal(t, int64(7), chunks[5].Usage.PromptTokens)
	assert.Equal(t, int64(3), chunks[5].Usage.CompletionTokens)
	assert.Equal(t, int64(10), chunks[5].Usage.TotalTokens)
}

func TestChatToolCallFragments(t *testing.T) {
	args := `{"command":["echo","héllo wörld"],"workdir":"/tmp"}`
	tests := []struct {
		name      string
		fragments int
		want      int
	}{
		{"ten", 10, 10},
		{"one", 1, 1},
		{"zero means one", 0, 1},
		{"more than runes", 1000, len([]rune(args))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames := chatFrames(t, fakemodel.ChatToolCall("call_9", "shell", args, tt.fragments))
			require.Equal(t, "[DONE]", frames[len(frames)-1])
			chunks := decodeChunks(t, frames[:len(frames)-1])
			// role, header, fragments, finish, usage
			require.Len(t, chunks, tt.want+4)
			head := chunks[1].Choices[0].Delta.ToolCalls
			require.Len(t, head, 1)
			assert.Equal(t, "call_9", head[0].ID)
			assert.Equal(t, "function", head[0].Type)
			assert.Equal(t, "shell", head[0].Function.Name)
			var got strings.Builder
			for _, c := range chunks[2 : 2+tt.want] {
				tc := c.Choices[0].Delta.ToolCalls
				require.Len(t, tc, 1)
				assert.Empty(t, tc[0].ID)
				assert.Empty(t, tc[0].Function.Name)
				assert.NotEmpty(t, tc[0].Function.Arguments)
				got.WriteString(tc[0].Function.Arguments)
			}
			assert.Equal(t, args, got.String())
			assert.Equal(t, fakemodel.FinishToolCalls, *chunks[2+tt.want].Choices[0].FinishReason)
		})
	}
}

func TestChatToolCallDeltaIndex(t *testing.T) {
	frames := chatFrames(t, fakemodel.ChatTurn(fakemodel.FinishToolCalls, []fakemodel.SSE{
		fakemodel.ChatToolCallDelta(1, "call_b", "b", "{}"),
		fakemodel.ChatReasoning("hmm"),
	}))
	chunks := decodeChunks(t, frames[:len(frames)-1])
	tc := chunks[1].Choices[0].Delta.ToolCalls
	require.Len(t, tc, 1)
	assert.Equal(t, 1, tc[0].Index)
	assert.Equal(t, "hmm", chunks[2].Choices[0].Delta.Reasoning)
}

func TestChatConfigTOML(t *testing.T) {
	srv := fakemodel.Start(nil)
	defer srv.Close()
	cfg := srv.ChatConfigTOML()
	assert.Contains(t, cfg, `wire_api = "chat"`)
	assert.Contains(t, cfg, `base_url = "`+srv.URL+`"`)
}
