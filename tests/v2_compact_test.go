package tests

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/tests/fakemodel"
)

// requestTexts returns the text of the messages of the nth model request.
func requestTexts(t *testing.T, model *fakemodel.Server, n int) []string {
	t.Helper()
	reqs := model.Requests()
	require.Greater(t, len(reqs), n)
	var body struct {
		Input []struct {
			Type    string `json:"type"`
			Role    string `json:"role"`
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
		} `json:"input"`
	}
	require.NoError(t, json.Unmarshal(reqs[n].Body, &body))
	var out []string
	for _, it := range body.Input {
		if it.Type != "message" {
			out = append(out, it.Type)
			continue
		}
		var text strings.Builder
		for _, c := range it.Content {
			text.WriteString(c.Text)
		}
		out = append(out, it.Role+": "+text.String())
	}
	return out
}

func TestV2ThreadCompactStart(t *testing.T) {
	s, thread := startV2(t, nil,
		fakemodel.Text("First answer"),
		fakemodel.Text("The user greeted; the assistant answered."),
		fakemodel.Text("Second answer"),
	)
	s.startTurn(thread, "hello")
	s.untilTurnCompleted()

	res := s.callResult("thread/compact/start", map[string]any{"threadId": thread}, nil)
	checkV2(t, "thread/compact/start", res.Result, "result")
	assert.JSONEq(t, `{}`, string(res.Result))
	var ns []v2Notice
	for _, n := range s.untilTurnCompleted() {
		// Each usage update is followed by the rate limits, as with the
		// reference; they are not what this test is about.
		if n.method != "account/rateLimits/updated" {
			ns = append(ns, n)
		}
	}
	var kinds []string
	for _, n := range ns {
		k := n.method
		if item := n.item(); item != nil {
			k += " " + item["type"].(string)
		}
		kinds = append(kinds, k)
	}
	assert.Equal(t, []string{
		"thread/status/changed", "turn/started",
		"item/started contextCompaction",
		"thread/tokenUsage/updated", "thread/tokenUsage/updated", "thread/tokenUsage/updated",
		"item/completed contextCompaction",
		"thread/status/changed", "turn/completed",
	}, kinds)
	assert.Equal(t, ns[2].item()["id"], ns[6].item()["id"], "the item keeps its id")
	assert.NotContains(t, strings.Join(kinds, " "), "agentMessage", "the summary is not shown as an answer")
	done := ns[len(ns)-1].params["turn"].(map[string]any)
	assert.Equal(t, "completed", done["status"])

	// The next turn starts from the summary.
	s.startTurn(thread, "next")
	s.untilTurnCompleted()
	texts := requestTexts(t, s.model, 2)
	assert.Contains(t, texts, "user: hello")
	assert.NotContains(t, texts, "assistant: First answer")
	assert.Contains(t, strings.Join(texts, "\n"), "The user greeted; the assistant answered.")
	assert.Equal(t, "user: next", texts[len(texts)-1])
}

func TestV2AutomaticCompaction(t *testing.T) {
	s, thread := startV2(t, map[string]any{"config": map[string]any{"model_auto_compact_token_limit": 15}},
		fakemodel.Text("One"),
		fakemodel.Text("summary"),
		fakemodel.Text("Two"),
	)
	s.startTurn(thread, "one")
	for _, n := range s.untilTurnCompleted() {
		assert.NotEqual(t, "contextCompaction", n.item()["type"])
	}
	s.startTurn(thread, "two")
	var items []string
	for _, n := range s.untilTurnCompleted() {
		if n.method == "item/completed" {
			items = append(items, n.item()["type"].(string))
		}
	}
	assert.Equal(t, []string{"userMessage", "contextCompaction", "agentMessage"}, items)
}

func TestV2ThreadCompactStartErrors(t *testing.T) {
	s, thread := startV2(t, nil, fakemodel.Reply{Events: fakemodel.Text("slow answer").Events, Delay: 50_000_000})
	s.startTurn(thread, "hello")
	tests := []struct {
		name    string
		params  any
		code    int64
		message string
	}{
		{"while a turn runs", map[string]any{"threadId": thread}, -32600, "cannot compact thread " + thread + " while a turn is running"},
		{"an unknown thread", map[string]any{"threadId": "01a24388-0000-7000-8000-000000000000"}, -32600, "thread not found: 01a24388-0000-7000-8000-000000000000"},
		{"no thread id", map[string]any{}, -32602, `Invalid params: missing field "threadId"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := s.call("thread/compact/start", tt.params)
			require.NotNil(t, m.Error, m.Raw)
			assert.Equal(t, tt.code, m.Error.Code, m.Raw)
			assert.Equal(t, tt.message, m.Error.Message, m.Raw)
		})
	}
	s.untilTurnCompleted()
}

// TestV2HistoryShowsCompactionAndReview reads back a thread that was
// compacted and reviewed: each is a turn of its own with its items.
func TestV2HistoryShowsCompactionAndReview(t *testing.T) {
	s, thread := startV2(t, map[string]any{"approvalPolicy": "never"},
		fakemodel.Text("First answer"),
		fakemodel.Text("A summary."),
		fakemodel.Text("Nothing to flag."),
	)
	s.startTurn(thread, "hello")
	s.untilTurnCompleted()
	s.callResult("thread/compact/start", map[string]any{"threadId": thread}, nil)
	s.untilTurnCompleted()
	s.callResult("review/start", map[string]any{"threadId": thread, "target": map[string]any{"type": "uncommittedChanges"}}, nil)
	s.untilTurnCompleted()

	var read struct {
		Thread struct {
			Turns []struct {
				Items []map[string]any `json:"items"`
			} `json:"turns"`
		} `json:"thread"`
	}
	m := s.callResult("thread/read", map[string]any{"threadId": thread, "includeTurns": true}, &read)
	checkV2(t, "thread/read", m.Result, "result")
	var turns [][]string
	for _, turn := range read.Thread.Turns {
		var types []string
		for _, it := range turn.Items {
			types = append(types, it["type"].(string))
		}
		turns = append(turns, types)
	}
	assert.Equal(t, [][]string{
		{"userMessage", "agentMessage"},
		{"contextCompaction"},
		{"enteredReviewMode", "exitedReviewMode", "agentMessage"},
	}, turns)
	review := read.Thread.Turns[2].Items
	assert.Equal(t, "current changes", review[0]["review"])
	assert.Equal(t, "Nothing to flag.", review[1]["review"])
}

func TestV2ActivePermissionProfile(t *testing.T) {
	tests := []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{"approvalPolicy": "on-request", "sandbox": "workspace-write"}, `{"id":":workspace","extends":null}`},
		{map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write"}, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			s, _ := startV2(t, nil)
			var res struct {
				ActivePermissionProfile json.RawMessage `json:"activePermissionProfile"`
			}
			tt.params["cwd"] = s.workDir
			s.callResult("thread/start", tt.params, &res)
			assert.JSONEq(t, tt.want, string(res.ActivePermissionProfile))
		})
	}
}

// TestV2ListedThreadsNameTheirClientAndModel checks what thread/list reads
// from a rollout this server wrote: the client that started the thread
// (the reference records it as the originator) and the model of its
// first turn.
func TestV2ListedThreadsNameTheirClientAndModel(t *testing.T) {
	s, thread := startV2(t, nil, fakemodel.Text("Hi"))
	s.startTurn(thread, "hello")
	s.untilTurnCompleted()
	var list struct {
		Data []struct {
			ID         string  `json:"id"`
			Originator string  `json:"originator"`
			Model      *string `json:"model"`
		} `json:"data"`
	}
	s.callResult("thread/list", map[string]any{}, &list)
	require.Len(t, list.Data, 1)
	assert.Equal(t, thread, list.Data[0].ID)
	assert.Equal(t, "v2test", list.Data[0].Originator)
	require.NotNil(t, list.Data[0].Model)
	assert.Equal(t, "gpt-5", *list.Data[0].Model)
}
