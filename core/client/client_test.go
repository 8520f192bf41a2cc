package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/client"
	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

func i64(n int64) *int64 { return &n }

func mockProvider(url string) config.ModelProviderInfo {
	return config.ModelProviderInfo{Name: "mock", BaseURL: url, WireAPI: config.WireAPIResponses}
}

// recorder captures retry callbacks and sleeps so no test waits for real.
type recorder struct {
	mu      sync.Mutex
	retries []retryCall
	sleeps  []time.Duration
}

type retryCall struct {
	attempt, max int
	delay        time.Duration
	err          error
}

func (r *recorder) onRetry(attempt, max int, delay time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retries = append(r.retries, retryCall{attempt, max, delay, err})
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sleeps = append(r.sleeps, d)
	return ctx.Err()
}

func newClient(p config.ModelProviderInfo, rec *recorder) *client.Client {
	return client.New(client.Options{
		Provider:   p,
		UserAgent:  "codex_cli_go/0.0.0 (Test 1.0.0; x86_64) test",
		Originator: client.Originator,
		Sleep:      rec.sleep,
	})
}

func request(rec *recorder) client.Request {
	return client.Request{
		Model:   "gpt-5",
		Prompt:  client.Prompt{Instructions: "be brief", Input: []protocol.ResponseItem{protocol.UserText("hi")}},
		OnRetry: rec.onRetry,
	}
}

// drain reads events until the stream ends and returns them with the final error.
func drain(t *testing.T, s *client.Stream) ([]client.Event, error) {
	t.Helper()
	defer func() { _ = s.Close() }()
	var out []client.Event
	for {
		ev, err := s.Next()
		if err != nil {
			return out, err
		}
		out = append(out, ev)
		require.Less(t, len(out), 100000, "stream does not end")
	}
}

func kinds(evs []client.Event) []client.EventKind {
	out := make([]client.EventKind, len(evs))
	for i, e := range evs {
		out[i] = e.Kind
	}
	return out
}

func TestRequestHeadersAndBody(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(fakemodel.Text("ok")))
	defer srv.Close()
	p := mockProvider(srv.URL + "/")
	p.QueryParams = map[string]string{"api-version": "2025-04-01"}
	p.HTTPHeaders = map[string]string{"X-Static": "static"}
	p.EnvHTTPHeaders = map[string]string{"X-From-Env": "FROM_ENV", "X-Unset": "UNSET_VAR"}
	env := map[string]string{"FROM_ENV": "env-value"}
	rec := &recorder{}
	c := client.New(client.Options{
		Provider:   p,
		APIKey:     func() (string, error) { return "sk-test", nil },
		UserAgent:  "codex_cli_go/1.2.3 (Debian 12.0.0; x86_64) xterm",
		Originator: "codex_cli_go",
		Getenv:     func(k string) string { return env[k] },
		Sleep:      rec.sleep,
	})
	tool := json.RawMessage(`{"type":"function","name":"shell","description":"run","strict":false,"parameters":{"type":"object","properties":{}}}`)
	s, err := c.Stream(context.Background(), client.Request{
		Model:          "gpt-5",
		Verbosity:      protocol.VerbosityLow,
		ConversationID: "conv-1",
		Prompt: client.Prompt{
			Instructions:      "be <brief>",
			Input:             []protocol.ResponseItem{protocol.UserText("hi"), protocol.FunctionOutput("call_1", "done")},
			Tools:             []json.RawMessage{tool, json.RawMessage(`{"type":"local_shell"}`)},
			ParallelToolCalls: true,
		},
	})
	require.NoError(t, err)
	_, err = drain(t, s)
	require.ErrorIs(t, err, io.EOF)

	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/v1/responses", r.Path)
	assert.Equal(t, "2025-04-01", r.Query.Get("api-version"))
	for name, want := range map[string]string{
		"Authorization":   "Bearer sk-test",
		"Originator":      "codex_cli_go",
		"User-Agent":      "codex_cli_go/1.2.3 (Debian 12.0.0; x86_64) xterm",
		"Conversation_id": "conv-1",
		"Session_id":      "conv-1",
		"Accept":          "text/event-stream",
		"Content-Type":    "application/json",
		"OpenAI-Beta":     "responses=experimental",
		"X-Static":        "static",
		"X-From-Env":      "env-value",
	} {
		assert.Equal(t, want, r.Header.Get(name), name)
	}
	assert.NotContains(t, r.Header, "X-Unset")
	assert.JSONEq(t, `{
		"model": "gpt-5",
		"instructions": "be <brief>",
		"input": [
			{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]},
			{"type":"function_call_output","call_id":"call_1","output":"done"}
		],
		"tools": [
			{"type":"function","name":"shell","description":"run","strict":false,"parameters":{"type":"object","properties":{}}},
			{"type":"local_shell"}
		],
		"tool_choice": "auto",
		"parallel_tool_calls": true,
		"reasoning": {"summary":"auto"},
		"store": false,
		"stream": true,
		"include": ["reasoning.encrypted_content"],
		"prompt_cache_key": "conv-1",
		"text": {"verbosity":"low"}
	}`, string(r.Body))
}

func TestRequestBodyVariants(t *testing.T) {
	tests := []struct {
		name string
		req  client.Request
		want map[string]any // expected values of top-level keys; nil means absent
	}{
		{
			name: "non-reasoning model sends no reasoning or verbosity",
			req:  client.Request{Model: "gpt-4.1", Effort: protocol.EffortHigh, Verbosity: protocol.VerbosityHigh},
			want: map[string]any{"reasoning": nil, "include": []any{}, "text": nil, "tools": []any{}, "input": []any{}, "parallel_tool_calls": false},
		},
		{
			name: "explicit effort and summary",
			req:  client.Request{Model: "o3", Effort: protocol.EffortHigh, Summary: protocol.SummaryDetailed, Verbosity: protocol.VerbosityHigh},
			want: map[string]any{
				"reasoning": map[string]any{"effort": "high", "summary": "detailed"},
				"include":   []any{"reasoning.encrypted_content"},
				"text":      nil,
			},
		},
		{
			name: "codex model defaults",
			req:  client.Request{Model: "codex-mini-latest"},
			want: map[string]any{"reasoning": map[string]any{"summary": "auto"}, "prompt_cache_key": nil},
		},
		{
			name: "output schema",
			req:  client.Request{Model: "gpt-5-codex", Prompt: client.Prompt{OutputSchema: json.RawMessage(`{"type":"object"}`)}},
			want: map[string]any{"text": map[string]any{"format": map[string]any{
				"type": "json_schema", "strict": true, "name": "codex_output_schema", "schema": map[string]any{"type": "object"},
			}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakemodel.Start(fakemodel.Script(fakemodel.Text("ok")))
			defer srv.Close()
			s, err := newClient(mockProvider(srv.URL), &recorder{}).Stream(context.Background(), tt.req)
			require.NoError(t, err)
			_, err = drain(t, s)
			require.ErrorIs(t, err, io.EOF)
			body := srv.Requests()[0].JSON
			for k, v := range tt.want {
				if v == nil {
					assert.NotContains(t, body, k)
					continue
				}
				assert.Equal(t, v, body[k], k)
			}
		})
	}
}

func TestNoAuthorizationWithoutKey(t *testing.T) {
	tests := []struct {
		name string
		key  func() (string, error)
	}{
		{"no key function", nil},
		{"empty key", func() (string, error) { return "", nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakemodel.Start(fakemodel.Script(fakemodel.Text("ok")))
			defer srv.Close()
			c := client.New(client.Options{Provider: mockProvider(srv.URL), APIKey: tt.key})
			s, err := c.Stream(context.Background(), client.Request{Model: "gpt-5"})
			require.NoError(t, err)
			require.NoError(t, s.Close())
			h := srv.Requests()[0].Header
			assert.NotContains(t, h, "Authorization")
			assert.NotContains(t, h, "Conversation_id")
		})
	}
}

func TestAPIKeyErrorStopsBeforeSending(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(fakemodel.Text("ok")))
	defer srv.Close()
	p := mockProvider(srv.URL)
	p.EnvKey = "MOCK_KEY"
	c := client.New(client.Options{Provider: p, APIKey: func() (string, error) {
		return p.APIKey(func(string) string { return "" })
	}})
	_, err := c.Stream(context.Background(), client.Request{Model: "gpt-5"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MOCK_KEY")
	assert.Empty(t, srv.Requests())
}

func TestTextStream(t *testing.T) {
	usage := protocol.TokenUsage{InputTokens: 100, CachedInputTokens: 40, OutputTokens: 20, ReasoningOutputTokens: 8, TotalTokens: 120}
	srv := fakemodel.Start(fakemodel.Script(fakemodel.Text("hello big world", usage)))
	defer srv.Close()
	rec := &recorder{}
	s, err := newClient(mockProvider(srv.URL), rec).Stream(context.Background(), request(rec))
	require.NoError(t, err)
	evs, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	_, err = s.Next()
	require.ErrorIs(t, err, io.EOF, "EOF is sticky")

	assert.Equal(t, []client.EventKind{client.RateLimits, client.Created, client.OutputTextDelta, client.OutputTextDelta,
		client.OutputTextDelta, client.OutputItemDone, client.Completed}, kinds(evs))
	assert.Equal(t, &protocol.RateLimitSnapshot{}, evs[0].RateLimits)
	rl, err := json.Marshal(evs[0].RateLimits)
	require.NoError(t, err)
	assert.JSONEq(t, `{"primary":null,"secondary":null}`, string(rl))
	assert.Equal(t, fakemodel.ResponseID, evs[1].ResponseID)
	assert.Equal(t, []string{"hello ", "big ", "world"}, []string{evs[2].Delta, evs[3].Delta, evs[4].Delta})
	assert.Equal(t, protocol.ItemMessage, evs[5].Item.Type)
	assert.Equal(t, "assistant", evs[5].Item.Role)
	assert.Equal(t, "hello big world", evs[5].Item.MessageText())
	assert.Equal(t, fakemodel.ResponseID, evs[6].ResponseID)
	assert.Equal(t, &usage, evs[6].Usage)
	assert.Empty(t, rec.retries)
}

func TestReasoningEvents(t *testing.T) {
	events := append(fakemodel.Reasoning("thinking hard"),
		fakemodel.ReasoningSummaryPartAdded(),
		fakemodel.ReasoningContentDelta("raw"),
		fakemodel.SSE{Event: "response.in_progress", Data: map[string]any{"type": "response.in_progress"}},
	)
	srv := fakemodel.Start(fakemodel.Script(fakemodel.Turn(events...)))
	defer srv.Close()
	rec := &recorder{}
	s, err := newClient(mockProvider(srv.URL), rec).Stream(context.Background(), request(rec))
	require.NoError(t, err)
	evs, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, []client.EventKind{client.RateLimits, client.Created, client.ReasoningSummaryDelta, client.OutputItemDone,
		client.ReasoningSummaryPartAdded, client.ReasoningContentDelta, client.Completed}, kinds(evs))
	assert.Equal(t, "thinking hard", evs[2].Delta)
	assert.Equal(t, protocol.ItemReasoning, evs[3].Item.Type)
	require.Len(t, evs[3].Item.Summary, 1)
	assert.Equal(t, "thinking hard", evs[3].Item.Summary[0].Text)
	assert.Equal(t, "raw", evs[5].Delta)
}

func TestFunctionCallItem(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(fakemodel.FunctionCall("call_7", "shell", `{"command":["echo","hi"]}`)))
	defer srv.Close()
	rec := &recorder{}
	s, err := newClient(mockProvider(srv.URL), rec).Stream(context.Background(), request(rec))
	require.NoError(t, err)
	evs, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	require.Equal(t, []client.EventKind{client.RateLimits, client.Created, client.OutputItemDone, client.Completed}, kinds(evs))
	item := evs[2].Item
	assert.Equal(t, protocol.ItemFunctionCall, item.Type)
	assert.Equal(t, "call_7", item.CallID)
	assert.Equal(t, "shell", item.Name)
	assert.JSONEq(t, `{"command":["echo","hi"]}`, item.Arguments)
}

func TestRateLimitHeaders(t *testing.T) {
	reply := fakemodel.Text("ok")
	reply.Headers = map[string]string{
		"x-codex-primary-used-percent":        "12.5",
		"x-codex-primary-window-minutes":      "300",
		"x-codex-primary-reset-after-seconds": "42",
		"x-codex-secondary-used-percent":      "80",
	}
	srv := fakemodel.Start(fakemodel.Script(reply))
	defer srv.Close()
	rec := &recorder{}
	s, err := newClient(mockProvider(srv.URL), rec).Stream(context.Background(), request(rec))
	require.NoError(t, err)
	defer func() { _ = s.Close() }()
	ev, err := s.Next()
	require.NoError(t, err)
	require.Equal(t, client.RateLimits, ev.Kind)
	assert.Equal(t, &protocol.RateLimitSnapshot{
		Primary:   &protocol.RateLimitWindow{UsedPercent: 12.5, WindowMinutes: i64(300), ResetsInSeconds: i64(42)},
		Secondary: &protocol.RateLimitWindow{UsedPercent: 80},
	}, ev.RateLimits)
}

func TestRetryThenSuccess(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(fakemodel.Error(http.StatusInternalServerError, "overloaded"), fakemodel.Text("ok")))
	defer srv.Close()
	p := mockProvider(srv.URL)
	p.RequestMaxRetries = i64(3)
	rec := &recorder{}
	s, err := newClient(p, rec).Stream(context.Background(), request(rec))
	require.NoError(t, err)
	_, err = drain(t, s)
	require.ErrorIs(t, err, io.EOF)

	assert.Len(t, srv.Requests(), 2)
	require.Len(t, rec.retries, 1)
	got := rec.retries[0]
	assert.Equal(t, 1, got.attempt)
	assert.Equal(t, 3, got.max)
	assert.InDelta(t, float64(200*time.Millisecond), float64(got.delay), float64(20*time.Millisecond))
	var he *client.HTTPError
	require.ErrorAs(t, got.err, &he)
	assert.Equal(t, http.StatusInternalServerError, he.StatusCode)
	assert.Equal(t, "overloaded", he.Message)
	assert.Equal(t, []time.Duration{got.delay}, rec.sleeps)
}

func TestRetryAfterHeaders(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		want    time.Duration
	}{
		{"seconds", map[string]string{"Retry-After": "7"}, 7 * time.Second},
		{"milliseconds win", map[string]string{"Retry-After": "7", "retry-after-ms": "1500"}, 1500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limited := fakemodel.Error(http.StatusTooManyRequests, "slow down")
			limited.Headers = tt.headers
			srv := fakemodel.Start(fakemodel.Script(limited, fakemodel.Text("ok")))
			defer srv.Close()
			rec := &recorder{}
			s, err := newClient(mockProvider(srv.URL), rec).Stream(context.Background(), request(rec))
			require.NoError(t, err)
			require.NoError(t, s.Close())
			require.Len(t, rec.retries, 1)
			assert.Equal(t, tt.want, rec.retries[0].delay)
			assert.Equal(t, client.Options{}.Provider.RequestMaxRetriesOrDefault(), rec.retries[0].max)
			assert.Equal(t, []time.Duration{tt.want}, rec.sleeps)
		})
	}
}

func TestRetriesExhausted(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script()) // every request gets a 500
	defer srv.Close()
	p := mockProvider(srv.URL)
	p.RequestMaxRetries = i64(2)
	rec := &recorder{}
	_, err := newClient(p, rec).Stream(context.Background(), request(rec))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "after 3 attempts")
	var he *client.HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusInternalServerError, he.StatusCode)
	assert.Len(t, srv.Requests(), 3)
	require.Len(t, rec.retries, 2)
	assert.Equal(t, []int{1, 2}, []int{rec.retries[0].attempt, rec.retries[1].attempt})
	assert.InDelta(t, float64(200*time.Millisecond), float64(rec.sleeps[0]), float64(20*time.Millisecond))
	assert.InDelta(t, float64(400*time.Millisecond), float64(rec.sleeps[1]), float64(40*time.Millisecond))
}

func TestConnectionErrorIsRetried(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL + "/v1"
	dead.Close()
	p := mockProvider(url)
	p.RequestMaxRetries = i64(1)
	rec := &recorder{}
	_, err := newClient(p, rec).Stream(context.Background(), request(rec))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "send model request")
	assert.Len(t, rec.retries, 1)
}

func TestClientErrorsFailAtOnce(t *testing.T) {
	tests := []struct {
		name  string
		reply fakemodel.Reply
		want  []string
	}{
		{"bad request", fakemodel.Error(http.StatusBadRequest, "Unsupported parameter: 'reasoning'"),
			[]string{"400", "Unsupported parameter: 'reasoning'"}},
		{"unauthorized", fakemodel.Error(http.StatusUnauthorized, "Incorrect API key provided"),
			[]string{"401", "API key is missing or invalid", "Incorrect API key provided", "MOCK_KEY"}},
		{"not found, plain body", fakemodel.Reply{Status: http.StatusNotFound, Body: "no such route"},
			[]string{"404", "no such route"}},
		{"quota exhausted", fakemodel.Reply{Status: http.StatusTooManyRequests,
			Body: `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}`},
			[]string{"429", "exceeded your current quota"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakemodel.Start(fakemodel.Script(tt.reply, fakemodel.Text("ok")))
			defer srv.Close()
			p := mockProvider(srv.URL)
			p.EnvKey = "MOCK_KEY"
			rec := &recorder{}
			_, err := newClient(p, rec).Stream(context.Background(), request(rec))
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			var he *client.HTTPError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, tt.reply.Status, he.StatusCode)
			assert.Len(t, srv.Requests(), 1)
			assert.Empty(t, rec.retries)
		})
	}
}

func TestStreamErrors(t *testing.T) {
	dropped := fakemodel.Text("one two three")
	dropped.DropAfter = 2
	tests := []struct {
		name       string
		reply      fakemodel.Reply
		message    string
		retryable  bool
		retryAfter time.Duration
		code       string
	}{
		{"dropped mid-way", dropped, "stream closed before response.completed", true, 0, ""},
		{"failed", fakemodel.Turn(fakemodel.Failed("server exploded")), "server exploded", true, 0, "server_error"},
		{"context window", fakemodel.Turn(fakemodel.FailedCode("context_length_exceeded", "Your input exceeds the context window")),
			"Your input exceeds the context window", false, 0, "context_length_exceeded"},
		{"quota", fakemodel.Turn(fakemodel.FailedCode("insufficient_quota", "quota gone")), "quota gone", false, 0, "insufficient_quota"},
		{"rate limited with hint", fakemodel.Turn(fakemodel.FailedCode("rate_limit_exceeded", "Rate limit reached. Please try again in 1.5s. Visit ...")),
			"Rate limit reached", true, 1500 * time.Millisecond, "rate_limit_exceeded"},
		{"failed without details", fakemodel.Turn(fakemodel.SSE{Data: map[string]any{"type": "response.failed"}}),
			"response.failed without details", true, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakemodel.Start(fakemodel.Script(tt.reply))
			defer srv.Close()
			rec := &recorder{}
			s, err := newClient(mockProvider(srv.URL), rec).Stream(context.Background(), request(rec))
			require.NoError(t, err)
			evs, err := drain(t, s)
			require.NotEmpty(t, evs)
			assert.NotContains(t, kinds(evs), client.Completed)
			var se *client.StreamError
			require.ErrorAs(t, err, &se)
			assert.Contains(t, se.Message, tt.message)
			assert.Equal(t, tt.retryable, se.Retryable)
			assert.Equal(t, tt.retryAfter, se.RetryAfter)
			assert.Equal(t, tt.code, se.Code)
			_, again := s.Next()
			assert.Equal(t, err, again, "the error is sticky")
		})
	}
}

func TestIdleTimeout(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(fakemodel.Reply{Events: []fakemodel.SSE{fakemodel.Created()}, Stall: true}))
	defer srv.Close()
	p := mockProvider(srv.URL)
	p.StreamIdleTimeoutMs = i64(20)
	rec := &recorder{}
	s, err := newClient(p, rec).Stream(context.Background(), request(rec))
	require.NoError(t, err)
	evs, err := drain(t, s)
	assert.Equal(t, []client.EventKind{client.RateLimits, client.Created}, kinds(evs))
	var se *client.StreamError
	require.ErrorAs(t, err, &se)
	assert.True(t, se.Retryable)
	assert.Contains(t, se.Message, "idle timeout")
}

func TestContextCancelDuringStall(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(fakemodel.Reply{Events: []fakemodel.SSE{fakemodel.Created()}, Stall: true}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{}
	s, err := newClient(mockProvider(srv.URL), rec).Stream(ctx, request(rec))
	require.NoError(t, err)
	defer func() { _ = s.Close() }()
	for range 2 {
		_, err := s.Next()
		require.NoError(t, err)
	}
	go cancel()
	_, err = s.Next()
	require.ErrorIs(t, err, context.Canceled)
}

func TestContextCancelDuringBackoff(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script())
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	c := client.New(client.Options{
		Provider: mockProvider(srv.URL),
		Sleep: func(ctx context.Context, d time.Duration) error {
			cancel()
			<-ctx.Done()
			return ctx.Err()
		},
	})
	_, err := c.Stream(ctx, client.Request{Model: "gpt-5"})
	require.ErrorIs(t, err, context.Canceled)
	assert.Len(t, srv.Requests(), 1)
}

func TestUnsupportedWireAPI(t *testing.T) {
	p := mockProvider("http://127.0.0.1:1/v1")
	p.WireAPI = "carrier-pigeon"
	_, err := client.New(client.Options{Provider: p}).Stream(context.Background(), client.Request{Model: "m"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "carrier-pigeon")
}

func TestSSEWireEdgeCases(t *testing.T) {
	const completed = `data: {"type":"response.completed","response":{"id":"r"}}` + "\n\n"
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"CRLF line endings",
			"event: response.output_text.delta\r\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"a\"}\r\n\r\n" +
				"data: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\"}}\r\n\r\n",
			[]string{"a"}},
		{"lone CR line endings",
			"data: {\"type\":\"response.output_text.delta\",\"delta\":\"cr\"}\r\r" + completed,
			[]string{"cr"}},
		{"multi-line data joined with LF",
			"data: {\"type\":\"response.output_text.delta\",\ndata: \"delta\":\"multi\"}\n\n" + completed,
			[]string{"multi"}},
		{"comments and unknown fields are skipped",
			": keep-alive\nid: 5\nretry: 100\nfoo\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"c\"}\n: inside\n\n" + completed,
			[]string{"c"}},
		{"event name used when data has no type",
			"event: response.output_text.delta\ndata: {\"delta\":\"named\"}\n\n" + completed,
			[]string{"named"}},
		{"unknown types, empty data and bad JSON are ignored",
			"data: {\"type\":\"response.mystery\",\"delta\":\"x\"}\n\ndata:\n\ndata: {not json\n\n\n\ndata:{\"type\":\"response.output_text.delta\",\"delta\":\"ok\"}\n\n" + completed,
			[]string{"ok"}},
		{"byte order mark",
			"\xEF\xBB\xBFdata: {\"type\":\"response.output_text.delta\",\"delta\":\"bom\"}\n\n" + completed,
			[]string{"bom"}},
		{"events after completion are not read",
			"data: {\"type\":\"response.output_text.delta\",\"delta\":\"first\"}\n\n" + completed +
				"data: {\"type\":\"response.output_text.delta\",\"delta\":\"late\"}\n\n",
			[]string{"first"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			rec := &recorder{}
			s, err := newClient(mockProvider(srv.URL), rec).Stream(context.Background(), request(rec))
			require.NoError(t, err)
			evs, err := drain(t, s)
			require.ErrorIs(t, err, io.EOF)
			var deltas []string
			for _, e := range evs {
				if e.Kind == client.OutputTextDelta {
					deltas = append(deltas, e.Delta)
				}
			}
			assert.Equal(t, tt.want, deltas)
			assert.Equal(t, client.Completed, evs[len(evs)-1].Kind)
		})
	}
}

func TestEventKindNames(t *testing.T) {
	assert.Equal(t, "output_text_delta", client.OutputTextDelta.String())
	assert.Equal(t, "completed", client.Completed.String())
	assert.Equal(t, "unknown", client.EventKind(0).String())
}

func TestErrorTexts(t *testing.T) {
	he := &client.HTTPError{StatusCode: 401, Message: "bad key", Hint: "check OPENAI_API_KEY"}
	assert.Equal(t, "model provider returned 401 Unauthorized: the API key is missing or invalid: bad key (check OPENAI_API_KEY)", he.Error())
	inner := errors.New("connection reset")
	se := &client.StreamError{Message: "error reading SSE stream", Err: inner, Retryable: true}
	assert.Equal(t, "stream disconnected before completion: error reading SSE stream: connection reset", se.Error())
	assert.ErrorIs(t, se, inner)
}

func BenchmarkStream10kDeltas(b *testing.B) {
	deltas := make([]string, 10000)
	for i := range deltas {
		deltas[i] = "tok "
	}
	reply := fakemodel.TextDeltas(deltas)
	srv := fakemodel.Start(func(fakemodel.Recorded, int) fakemodel.Reply { return reply })
	defer srv.Close()
	c := client.New(client.Options{Provider: mockProvider(srv.URL)})
	req := client.Request{Model: "gpt-5", Prompt: client.Prompt{Input: []protocol.ResponseItem{protocol.UserText("go")}}}
	b.ReportAllocs()
	for b.Loop() {
		s, err := c.Stream(context.Background(), req)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			ev, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if ev.Kind == client.OutputTextDelta {
				n++
			}
		}
		if n != len(deltas) {
			b.Fatalf("got %d deltas, want %d", n, len(deltas))
		}
		_ = s.Close()
	}
}

func TestDeltasCarryTheirItemID(t *testing.T) {
	body := `data: {"type":"response.output_text.delta","item_id":"msg_1","delta":"a"}` + "\n\n" +
		`data: {"type":"response.reasoning_summary_text.delta","item_id":"rs_1","delta":"b"}` + "\n\n" +
		`data: {"type":"response.completed","response":{"id":"r"}}` + "\n\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	rec := &recorder{}
	s, err := newClient(mockProvider(srv.URL), rec).Stream(context.Background(), request(rec))
	require.NoError(t, err)
	evs, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	ids := map[client.EventKind]string{}
	for _, e := range evs {
		if e.Kind == client.OutputTextDelta || e.Kind == client.ReasoningSummaryDelta {
			ids[e.Kind] = e.ItemID
		}
	}
	assert.Equal(t, map[client.EventKind]string{client.OutputTextDelta: "msg_1", client.ReasoningSummaryDelta: "rs_1"}, ids)
}
