package fakemodel_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

func post(t *testing.T, ctx context.Context, url, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-Test", "yes")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(b)
}

func TestScriptRecordsAndAnswersInOrder(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(
		fakemodel.Error(http.StatusBadRequest, "bad model"),
		fakemodel.Text("hi there"),
	))
	defer srv.Close()
	require.True(t, strings.HasSuffix(srv.URL, "/v1"))

	resp := post(t, context.Background(), srv.URL+"/responses?a=1", `{"model":"m"}`)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.JSONEq(t, `{"error":{"message":"bad model","type":"bad_request"}}`, readAll(t, resp.Body))

	resp = post(t, context.Background(), srv.URL+"/responses", `not json`)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	body := readAll(t, resp.Body)
	assert.Contains(t, body, "event: response.created\ndata: {")
	assert.Contains(t, body, `"delta":"hi "`)
	assert.Contains(t, body, `"delta":"there"`)
	assert.Contains(t, body, `"text":"hi there"`)
	assert.Contains(t, body, `"total_tokens":15`)

	resp = post(t, context.Background(), srv.URL+"/responses", `{}`)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode, "past the end of the script")

	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, http.MethodPost, reqs[0].Method)
	assert.Equal(t, "/v1/responses", reqs[0].Path)
	assert.Equal(t, "1", reqs[0].Query.Get("a"))
	assert.Equal(t, "yes", reqs[0].Header.Get("X-Test"))
	assert.Equal(t, map[string]any{"model": "m"}, reqs[0].JSON)
	assert.Equal(t, "not json", string(reqs[1].Body))
	assert.Nil(t, reqs[1].JSON)
}

func TestHandlerSeesIndexAndHeaders(t *testing.T) {
	srv := fakemodel.Start(func(r fakemodel.Recorded, n int) fakemodel.Reply {
		return fakemodel.Reply{
			Headers: map[string]string{"X-N": string(rune('0' + n))},
			Events:  []fakemodel.SSE{{Raw: "line1\nline2"}, {Event: "done", Raw: "[DONE]"}},
		}
	})
	defer srv.Close()
	for _, want := range []string{"0", "1"} {
		resp := post(t, context.Background(), srv.URL+"/chat/completions", "{}")
		assert.Equal(t, want, resp.Header.Get("X-N"))
		assert.Equal(t, "data: line1\ndata: line2\n\nevent: done\ndata: [DONE]\n\n", readAll(t, resp.Body))
	}
}

func TestDropAfterEndsStreamEarly(t *testing.T) {
	reply := fakemodel.Text("one two three")
	reply.DropAfter = 2
	srv := fakemodel.Start(fakemodel.Script(reply))
	defer srv.Close()
	body := readAll(t, post(t, context.Background(), srv.URL+"/responses", "{}").Body)
	assert.Equal(t, 2, strings.Count(body, "\n\n"))
	assert.NotContains(t, body, fakemodel.EventCompleted)
}

func TestStallEndsWhenClientLeaves(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(fakemodel.Reply{Events: []fakemodel.SSE{fakemodel.Created()}, Stall: true}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	resp := post(t, ctx, srv.URL+"/responses", "{}")
	buf := make([]byte, 4096)
	n, err := resp.Body.Read(buf)
	require.NoError(t, err)
	assert.Contains(t, string(buf[:n]), fakemodel.EventCreated)
	cancel()
	_, err = io.ReadAll(resp.Body)
	require.Error(t, err)
}

func TestCloseReleasesStalledResponses(t *testing.T) {
	srv := fakemodel.Start(fakemodel.Script(fakemodel.Reply{Stall: true}))
	resp := post(t, context.Background(), srv.URL+"/responses", "{}")
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = io.ReadAll(resp.Body)
	}()
	srv.Close()
	wg.Wait()
	srv.Close() // idempotent
}

func TestBuildersProduceWireShapes(t *testing.T) {
	tests := []struct {
		name string
		ev   fakemodel.SSE
		want string
	}{
		{"created", fakemodel.Created(), `{"type":"response.created","response":{"id":"resp_1"}}`},
		{"completed", fakemodel.Completed("r9", protocol.TokenUsage{InputTokens: 7, CachedInputTokens: 2, OutputTokens: 3, ReasoningOutputTokens: 1, TotalTokens: 10}),
			`{"type":"response.completed","response":{"id":"r9","usage":{"input_tokens":7,"input_tokens_details":{"cached_tokens":2},"output_tokens":3,"output_tokens_details":{"reasoning_tokens":1},"total_tokens":10}}}`},
		{"failed", fakemodel.Failed("boom"), `{"type":"response.failed","response":{"id":"resp_1","error":{"code":"server_error","message":"boom"}}}`},
		{"delta", fakemodel.OutputTextDelta("x"), `{"type":"response.output_text.delta","delta":"x"}`},
		{"item", fakemodel.ItemDone(protocol.FunctionOutput("c1", "out")),
			`{"type":"response.output_item.done","item":{"type":"function_call_output","call_id":"c1","output":"out"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.ev.Data)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(b))
			assert.Equal(t, tt.ev.Event, strings.Split(tt.want, `"`)[3])
		})
	}
}

func TestReplyBuilders(t *testing.T) {
	fc := fakemodel.FunctionCall("call_1", "shell", `{"command":["ls"]}`)
	require.Len(t, fc.Events, 3)
	assert.Equal(t, fakemodel.EventCreated, fc.Events[0].Event)
	assert.Equal(t, fakemodel.EventOutputItemDone, fc.Events[1].Event)
	assert.Equal(t, fakemodel.EventCompleted, fc.Events[2].Event)

	td := fakemodel.TextDeltas([]string{"a", "b", "c"})
	require.Len(t, td.Events, 6)
	b, err := json.Marshal(td.Events[4].Data)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"text":"abc"`)

	assert.Len(t, fakemodel.Text("").Events, 3, "empty text has no deltas")
	r := fakemodel.Reasoning("thinking")
	require.Len(t, r, 2)
	assert.Equal(t, fakemodel.EventReasoningSummaryDelta, r[0].Event)

	srv := fakemodel.Start(fakemodel.Script())
	defer srv.Close()
	assert.Contains(t, srv.ConfigTOML(), `base_url = "`+srv.URL+`"`)
}
