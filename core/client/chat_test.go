package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/client"
	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

func chatProvider(url string) config.ModelProviderInfo {
	return config.ModelProviderInfo{Name: "local", BaseURL: url, WireAPI: config.WireAPIChat}
}

// chatStream sends one request to a server answering with reply and returns
// every event and the final error.
func chatStream(t *testing.T, reply fakemodel.Reply) ([]client.Event, error) {
	t.Helper()
	srv := fakemodel.Start(fakemodel.Script(reply))
	defer srv.Close()
	s, err := newClient(chatProvider(srv.URL), &recorder{}).Stream(context.Background(), request(&recorder{}))
	require.NoError(t, err)
	return drain(t, s)
}

// noLimits is the first event of a stream without rate-limit headers.
func noLimits() client.Event {
	return client.Event{Kind: client.RateLimits, RateLimits: &protocol.RateLimitSnapshot{}}
}

func created() client.Event {
	return client.Event{Kind: client.Created, ResponseID: fakemodel.ChatCompletionID}
}

func textDelta(s string) client.Event { return client.Event{Kind: client.OutputTextDelta, Delta: s} }

func reasoningDelta(s string) client.Event {
	return client.Event{Kind: client.ReasoningContentDelta, Delta: s}
}

func itemDone(item protocol.ResponseItem) client.Event {
	return client.Event{Kind: client.OutputItemDone, Item: item}
}

func callDone(callID, name, args string) client.Event {
	return itemDone(protocol.ResponseItem{Type: protocol.ItemFunctionCall, CallID: callID, Name: name, Arguments: args})
}

func completed(u *protocol.TokenUsage) client.Event {
	return client.Event{Kind: client.Completed, ResponseID: fakemodel.ChatCompletionID, Usage: u}
}

func defaultUsage() *protocol.TokenUsage {
	u := fakemodel.DefaultUsage()
	return &u
}

func TestChatStreams(t *testing.T) {
	shellArgs := `{"command":["bash","-lc","echo hello; ls -la /tmp"],"workdir":"/work","timeout_ms":1000}`
	usage := protocol.TokenUsage{InputTokens: 120, CachedInputTokens: 100, OutputTokens: 30, ReasoningOutputTokens: 12, TotalTokens: 150}
	noUsage := fakemodel.ChatText("hi")
	noUsage.Events = append(noUsage.Events[:len(noUsage.Events)-2], fakemodel.ChatDone())
	noDone := fakemodel.ChatText("hi")
	noDone.Events = noDone.Events[:len(noDone.Events)-1]
	interleaved := func(idx int, id, name, args string) fakemodel.SSE {
		return fakemodel.ChatToolCallDelta(idx, id, name, args)
	}
	tests := []struct {
		name  string
		reply fakemodel.Reply
		want  []client.Event
	}{
		{
			name:  "plain text",
			reply: fakemodel.ChatText("one two three"),
			want: []client.Event{noLimits(), created(), textDelta("one "), textDelta("two "), textDelta("three"),
				itemDone(protocol.AssistantText("one two three")), completed(defaultUsage())},
		},
		{
			name:  "one tool call in many fragments",
			reply: fakemodel.ChatToolCall("call_abc", "shell", shellArgs, 10),
			want:  []client.Event{noLimits(), created(), callDone("call_abc", "shell", shellArgs), completed(defaultUsage())},
		},
		{
			name: "interleaved tool calls",
			reply: fakemodel.ChatTurn(fakemodel.FinishToolCalls, []fakemodel.SSE{
				interleaved(0, "call_a", "shell", ""),
				interleaved(1, "call_b", "update_plan", `{"pl`),
				interleaved(0, "", "", `{"command":`),
				interleaved(1, "", "", `an":[]}`),
				interleaved(0, "", "", `["ls"]}`),
			}),
			want: []client.Event{noLimits(), created(),
				callDone("call_a", "shell", `{"command":["ls"]}`),
				callDone("call_b", "update_plan", `{"plan":[]}`),
				completed(defaultUsage())},
		},
		{
			name: "text then tool call",
			reply: fakemodel.ChatTurn(fakemodel.FinishToolCalls, append(
				[]fakemodel.SSE{fakemodel.ChatContent("Listing "), fakemodel.ChatContent("files.")},
				fakemodel.ChatToolCallDeltas(0, "call_1", "shell", `{"command":["ls"]}`, 3)...)),
			want: []client.Event{noLimits(), created(), textDelta("Listing "), textDelta("files."),
				itemDone(protocol.AssistantText("Listing files.")),
				callDone("call_1", "shell", `{"command":["ls"]}`),
				completed(defaultUsage())},
		},
		{
			name: "tool call without id or arguments",
			reply: fakemodel.ChatTurn(fakemodel.FinishToolCalls, []fakemodel.SSE{
				fakemodel.ChatChunk(map[string]any{"tool_calls": []any{map[string]any{"index": 0, "function": map[string]any{"name": "list_mcp"}}}}, ""),
				fakemodel.ChatChunk(map[string]any{"tool_calls": []any{map[string]any{"index": 1, "function": map[string]any{"name": "shell", "arguments": `{"command":["pwd"]}`}}}}, ""),
			}),
			want: []client.Event{noLimits(), created(),
				callDone("call_0", "list_mcp", "{}"),
				callDone("call_1", "shell", `{"command":["pwd"]}`),
				completed(defaultUsage())},
		},
		{
			name: "tool call fragments without index",
			reply: fakemodel.ChatTurn(fakemodel.FinishToolCalls, []fakemodel.SSE{
				fakemodel.ChatChunk(map[string]any{"tool_calls": []any{map[string]any{"id": "c1", "function": map[string]any{"name": "a", "arguments": `{"x"`}}}}, ""),
				fakemodel.ChatChunk(map[string]any{"tool_calls": []any{map[string]any{"function": map[string]any{"arguments": `:1}`}}}}, ""),
				fakemodel.ChatChunk(map[string]any{"tool_calls": []any{map[string]any{"id": "c2", "function": map[string]any{"name": "b", "arguments": `{}`}}}}, ""),
			}),
			want: []client.Event{noLimits(), created(),
				callDone("c1", "a", `{"x":1}`),
				callDone("c2", "b", `{}`),
				completed(defaultUsage())},
		},
		{
			name:  "no usage",
			reply: noUsage,
			want:  []client.Event{noLimits(), created(), textDelta("hi"), itemDone(protocol.AssistantText("hi")), completed(nil)},
		},
		{
			name:  "usage mapping",
			reply: fakemodel.ChatText("hi", usage),
			want:  []client.Event{noLimits(), created(), textDelta("hi"), itemDone(protocol.AssistantText("hi")), completed(&usage)},
		},
		{
			name:  "finish reason then end of stream without done",
			reply: noDone,
			want:  []client.Event{noLimits(), created(), textDelta("hi"), itemDone(protocol.AssistantText("hi")), completed(defaultUsage())},
		},
		{
			name: "reasoning deltas",
			reply: fakemodel.ChatTurn(fakemodel.FinishStop, []fakemodel.SSE{
				fakemodel.ChatReasoning("Let me "),
				fakemodel.ChatReasoningContent("think."),
				fakemodel.ChatChunk(map[string]any{"reasoning": map[string]any{"not": "text"}}, ""),
				fakemodel.ChatContent("Done."),
			}),
			want: []client.Event{noLimits(), created(), reasoningDelta("Let me "), reasoningDelta("think."), textDelta("Done."),
				itemDone(protocol.ResponseItem{Type: protocol.ItemReasoning, ReasoningContent: []protocol.ReasoningContentPart{{Type: "reasoning_text", Text: "Let me think."}}}),
				itemDone(protocol.AssistantText("Done.")),
				completed(defaultUsage())},
		},
		{
			name: "only done",
			reply: fakemodel.Reply{Events: []fakemodel.SSE{
				{Raw: "keep-alive"}, fakemodel.ChatDone(),
			}},
			want: []client.Event{noLimits(), {Kind: client.Created}, {Kind: client.Completed}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := chatStream(t, tt.reply)
			require.ErrorIs(t, err, io.EOF)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestChatStreamErrors(t *testing.T) {
	cut := fakemodel.ChatText("one two three")
	cut.DropAfter = 3
	tests := []struct {
		name      string
		reply     fakemodel.Reply
		message   string
		retryable bool
		events    int
	}{
		{
			name:      "cut before finish",
			reply:     cut,
			message:   "stream closed before the chat completion finished",
			retryable: true,
			events:    4, // rate limits, created, two deltas
		},
		{
			name:      "empty stream",
			reply:     fakemodel.Reply{Events: []fakemodel.SSE{}},
			message:   "stream closed before the chat completion finished",
			retryable: true,
			events:    1,
		},
		{
			name: "error object in stream",
			reply: fakemodel.Reply{Events: []fakemodel.SSE{
				fakemodel.ChatContent("a"),
				{Data: map[string]any{"error": map[string]any{"message": "model overloaded, try again in 2s", "type": "server_error"}}},
			}},
			message:   "model overloaded, try again in 2s",
			retryable: true,
			events:    3,
		},
		{
			name: "context too long in stream",
			reply: fakemodel.Reply{Events: []fakemodel.SSE{
				{Data: map[string]any{"error": map[string]any{"code": "context_length_exceeded"}}},
			}},
			message: "chat completion failed (context_length_exceeded)",
			events:  1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := chatStream(t, tt.reply)
			var se *client.StreamError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.message, se.Message)
			assert.Equal(t, tt.retryable, se.Retryable)
			assert.Len(t, got, tt.events)
			for _, ev := range got {
				assert.NotEqual(t, client.Completed, ev.Kind)
			}
		})
	}
}

func TestChatHTTPError(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(fakemodel.Error(http.StatusBadRequest, "model 'llama' not found")))
	defer srv.Close()
	_, err := newClient(chatProvider(srv.URL), &recorder{}).Stream(context.Background(), request(&recorder{}))
	var he *client.HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusBadRequest, he.StatusCode)
	assert.Equal(t, "model 'llama' not found", he.Message)
	assert.Equal(t, "bad_request", he.Type)
}

func TestChatRequestHeaders(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(fakemodel.ChatText("ok")))
	defer srv.Close()
	p := chatProvider(srv.URL + "/")
	p.QueryParams = map[string]string{"api-version": "2025-04-01-preview"}
	p.HTTPHeaders = map[string]string{"X-Static": "static"}
	p.EnvHTTPHeaders = map[string]string{"X-From-Env": "FROM_ENV", "X-Unset": "UNSET_VAR"}
	p.EnvKey = "LOCAL_KEY"
	env := map[string]string{"FROM_ENV": "env-value", "LOCAL_KEY": "sk-local"}
	getenv := func(k string) string { return env[k] }
	c := client.New(client.Options{
		Provider:   p,
		APIKey:     func() (string, error) { return p.APIKey(getenv) },
		UserAgent:  "codex_cli_go/1.2.3 (Debian 12.0.0; x86_64) xterm",
		Originator: "codex_cli_go",
		Getenv:     getenv,
		Sleep:      (&recorder{}).sleep,
	})
	s, err := c.Stream(context.Background(), client.Request{Model: "gpt-oss:20b", Prompt: client.Prompt{Instructions: "x"}})
	require.NoError(t, err)
	_, err = drain(t, s)
	require.ErrorIs(t, err, io.EOF)

	r := srv.Requests()[0]
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/v1/chat/completions", r.Path)
	assert.Equal(t, "2025-04-01-preview", r.Query.Get("api-version"))
	for name, want := range map[string]string{
		"Authorization": "Bearer sk-local",
		"Originator":    "codex_cli_go",
		"User-Agent":    "codex_cli_go/1.2.3 (Debian 12.0.0; x86_64) xterm",
		"Accept":        "text/event-stream",
		"Content-Type":  "application/json",
		"X-Static":      "static",
		"X-From-Env":    "env-value",
	} {
		assert.Equal(t, want, r.Header.Get(name), name)
	}
	assert.NotContains(t, r.Header, "X-Unset")
	assert.NotContains(t, r.Header, "Openai-Beta")
}

func TestChatMissingEnvKey(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(fakemodel.ChatText("ok")))
	defer srv.Close()
	p := chatProvider(srv.URL)
	p.EnvKey = "LOCAL_KEY"
	p.EnvKeyInstructions = "ask the admin for a key"
	c := client.New(client.Options{Provider: p, APIKey: func() (string, error) {
		return p.APIKey(func(string) string { return "" })
	}})
	_, err := c.Stream(context.Background(), client.Request{Model: "m"})
	var missing *config.MissingEnvKeyError
	require.ErrorAs(t, err, &missing)
	assert.Contains(t, err.Error(), "LOCAL_KEY")
	assert.Contains(t, err.Error(), "ask the admin for a key")
	assert.Empty(t, srv.Requests())
}

func TestChatNoKey(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(fakemodel.ChatText("ok")))
	defer srv.Close()
	p := config.BuiltinProviders(func(string) string { return "" })[config.ProviderOSS]
	p.BaseURL = srv.URL
	c := client.New(client.Options{Provider: p, APIKey: func() (string, error) {
		return p.APIKey(func(string) string { return "unused" })
	}})
	s, err := c.Stream(context.Background(), client.Request{Model: "gpt-oss:20b"})
	require.NoError(t, err)
	_, err = drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.NotContains(t, srv.Requests()[0].Header, "Authorization")
}

func TestChatRequestBody(t *testing.T) {
	local := protocol.ResponseItem{Type: protocol.ItemLocalShellCall, ID: "ls_1", CallID: "call_ls", Status: "completed",
		Action: json.RawMessage(`{"type":"exec","command":["ls","-a"],"working_directory":"/w","timeout_ms":500}`)}
	tools := []json.RawMessage{
		json.RawMessage(`{"type":"function","name":"shell","description":"Runs <cmd>","strict":false,"parameters":{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"}}},"required":["command"]}}`),
		json.RawMessage(`{"type":"local_shell"}`),
		json.RawMessage(`{"type":"web_search"}`),
		json.RawMessage(`{"type":"custom","name":"apply_patch","description":"Edits files.","format":{"type":"grammar","syntax":"lark","definition":"start: x"}}`),
		json.RawMessage(`{"type":"custom","name":"other","description":"free text","format":{"type":"text"}}`),
	}
	tests := []struct {
		name   string
		prompt client.Prompt
		want   string
	}{
		{
			name: "conversation with tool calls",
			prompt: client.Prompt{
				Instructions: "be <brief>",
				Tools:        tools,
				Input: []protocol.ResponseItem{
					protocol.UserText("list & count"),
					{Type: protocol.ItemReasoning, ID: "rs_1", ReasoningContent: []protocol.ReasoningContentPart{{Type: "reasoning_text", Text: "use ls"}}},
					protocol.AssistantText("Listing."),
					{Type: protocol.ItemFunctionCall, Name: "shell", Arguments: `{"command":["ls"]}`, CallID: "call_1"},
					{Type: protocol.ItemFunctionCall, Name: "shell", Arguments: `{"command":["wc"]}`, CallID: "call_2"},
					protocol.FunctionOutput("call_1", "a\nb"),
					protocol.FunctionOutput("call_2", "2"),
					{Type: protocol.ItemFunctionCall, Name: "shell", Arguments: `{}`, CallID: "call_3"},
					protocol.FunctionOutput("call_3", "ok"),
					protocol.AssistantText("Two files."),
				},
			},
			want: `{
				"model": "gpt-oss:20b",
				"messages": [
					{"role":"system","content":"be <brief>"},
					{"role":"user","content":"list & count"},
					{"role":"assistant","content":"Listing.","reasoning":"use ls","tool_calls":[
						{"id":"call_1","type":"function","function":{"name":"shell","arguments":"{\"command\":[\"ls\"]}"}},
						{"id":"call_2","type":"function","function":{"name":"shell","arguments":"{\"command\":[\"wc\"]}"}}
					]},
					{"role":"tool","content":"a\nb","tool_call_id":"call_1"},
					{"role":"tool","content":"2","tool_call_id":"call_2"},
					{"role":"assistant","content":null,"tool_calls":[
						{"id":"call_3","type":"function","function":{"name":"shell","arguments":"{}"}}
					]},
					{"role":"tool","content":"ok","tool_call_id":"call_3"},
					{"role":"assistant","content":"Two files."}
				],
				"stream": true,
				"stream_options": {"include_usage": true},
				"tools": [
					{"type":"function","function":{"name":"shell","description":"Runs <cmd>","parameters":{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"}}},"required":["command"]}}},
					{"type":"function","function":{"name":"apply_patch","description":"Edits files.","parameters":{"type":"object","properties":{"input":{"type":"string","description":"The whole patch"}},"required":["input"],"additionalProperties":false}}}
				]
			}`,
		},
		{
			name: "other item types",
			prompt: client.Prompt{
				Input: []protocol.ResponseItem{
					{Type: protocol.ItemMessage, Role: "user", Content: []protocol.ContentItem{
						{Type: protocol.ContentInputText, Text: "what is this?"},
						{Type: protocol.ContentInputImage, ImageURL: "data:image/png;base64,AAAA"},
					}},
					{Type: protocol.ItemMessage, Role: "developer", Content: []protocol.ContentItem{{Type: protocol.ContentInputText, Text: "dev note"}}},
					{Type: protocol.ItemReasoning, ID: "rs_dropped", ReasoningContent: []protocol.ReasoningContentPart{{Type: "reasoning_text", Text: "lost"}}},
					protocol.UserText("go on"),
					local,
					protocol.FunctionOutput("call_ls", "."),
					{Type: protocol.ItemCustomToolCall, CallID: "call_p", Name: "apply_patch", Input: "*** Begin Patch\n*** End Patch"},
					{Type: protocol.ItemCustomToolCallOutput, CallID: "call_p", Output: "Done"},
					{Type: protocol.ItemWebSearchCall, ID: "ws_1", Status: "completed"},
				},
			},
			want: `{
				"model": "gpt-oss:20b",
				"messages": [
					{"role":"system","content":""},
					{"role":"user","content":[
						{"type":"text","text":"what is this?"},
						{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}
					]},
					{"role":"system","content":"dev note"},
					{"role":"user","content":"go on"},
					{"role":"assistant","content":null,"tool_calls":[
						{"id":"call_ls","type":"function","function":{"name":"shell","arguments":"{\"command\":[\"ls\",\"-a\"],\"workdir\":\"/w\",\"timeout_ms\":500}"}}
					]},
					{"role":"tool","content":".","tool_call_id":"call_ls"},
					{"role":"assistant","content":null,"tool_calls":[
						{"id":"call_p","type":"function","function":{"name":"apply_patch","arguments":"{\"input\":\"*** Begin Patch\\n*** End Patch\"}"}}
					]},
					{"role":"tool","content":"Done","tool_call_id":"call_p"}
				],
				"stream": true,
				"stream_options": {"include_usage": true}
			}`,
		},
		{
			name:   "output schema",
			prompt: client.Prompt{Instructions: "x", OutputSchema: json.RawMessage(`{"type":"object"}`)},
			want: `{
				"model": "gpt-oss:20b",
				"messages": [{"role":"system","content":"x"}],
				"stream": true,
				"stream_options": {"include_usage": true},
				"response_format": {"type":"json_schema","json_schema":{"name":"codex_output_schema","schema":{"type":"object"},"strict":true}}
			}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakemodel.Start(fakemodel.Script(fakemodel.ChatText("ok")))
			defer srv.Close()
			s, err := newClient(chatProvider(srv.URL), &recorder{}).Stream(context.Background(), client.Request{
				Model:          "gpt-oss:20b",
				Effort:         protocol.EffortHigh,
				Verbosity:      protocol.VerbosityLow,
				ConversationID: "conv-1",
				Prompt:         tt.prompt,
			})
			require.NoError(t, err)
			_, err = drain(t, s)
			require.ErrorIs(t, err, io.EOF)
			body := string(srv.Requests()[0].Body)
			assert.JSONEq(t, tt.want, body)
			assert.NotContains(t, body, `\u003c`, "HTML characters are sent raw")
			assert.NotContains(t, body, `\u0026`, "HTML characters are sent raw")
		})
	}
}

func TestChatBadToolSpec(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(fakemodel.ChatText("ok")))
	defer srv.Close()
	_, err := newClient(chatProvider(srv.URL), &recorder{}).Stream(context.Background(), client.Request{
		Model:  "m",
		Prompt: client.Prompt{Tools: []json.RawMessage{json.RawMessage(`[1]`)}},
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tool spec")
	assert.Empty(t, srv.Requests())
}

func TestChatRetriesServerErrors(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(
		fakemodel.Error(http.StatusServiceUnavailable, "loading model"),
		fakemodel.ChatText("ok"),
	))
	defer srv.Close()
	rec := &recorder{}
	s, err := newClient(chatProvider(srv.URL), rec).Stream(context.Background(), request(rec))
	require.NoError(t, err)
	evs, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, client.Completed, evs[len(evs)-1].Kind)
	assert.Len(t, srv.Requests(), 2)
	require.Len(t, rec.retries, 1)
	var he *client.HTTPError
	assert.True(t, errors.As(rec.retries[0].err, &he))
}
