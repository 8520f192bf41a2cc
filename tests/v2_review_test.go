package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/tests/fakemodel"
)

func TestV2ReviewStart(t *testing.T) {
	verdict := `{"findings":[{"title":"Unchecked error","body":"os.Remove can fail.","confidence_score":0.7,"priority":2,"code_location":{"absolute_file_path":"/w/main.go","line_range":{"start":12,"end":14}}}],"overall_correctness":"patch is incorrect","overall_explanation":"One problem.","overall_confidence_score":0.6}`
	s, thread := startV2(t, map[string]any{"approvalPolicy": "never", "sandbox": "read-only"},
		fakemodel.FunctionCall("call_1", "shell", `{"command":["git","status","--short"]}`),
		fakemodel.Text(verdict),
	)
	var res struct {
		Turn struct {
			ID    string           `json:"id"`
			Items []map[string]any `json:"items"`
		} `json:"turn"`
		ReviewThreadID string `json:"reviewThreadId"`
	}
	m := s.callResult("review/start", map[string]any{"threadId": thread, "target": map[string]any{"type": "uncommittedChanges"}}, &res)
	checkV2(t, "review/start", m.Result, "result")
	assert.Equal(t, thread, res.ReviewThreadID)
	require.Len(t, res.Turn.Items, 1)
	assert.Contains(t, m.Raw, `"text":"current changes"`)

	ns := s.untilTurnCompleted()
	var kinds []string
	var exited, answer map[string]any
	for _, n := range ns {
		if n.method != "item/completed" {
			continue
		}
		item := n.item()
		kinds = append(kinds, item["type"].(string))
		switch item["type"] {
		case "exitedReviewMode":
			exited = item
		case "agentMessage":
			answer = item
		case "enteredReviewMode":
			assert.Equal(t, "current changes", item["review"])
		}
		assert.Equal(t, res.Turn.ID, n.params["turnId"])
	}
	assert.Equal(t, []string{"item/started", "item/completed", "thread/status/changed", "turn/started"}, methods(ns[:4]), "the review is announced before its turn")
	assert.Equal(t, []string{"enteredReviewMode", "userMessage", "commandExecution", "exitedReviewMode", "agentMessage"}, kinds)
	require.NotNil(t, exited)
	assert.Contains(t, exited["review"], "[P2] Unchecked error (/w/main.go:12-14)")
	assert.Equal(t, exited["review"], answer["text"])
	done := ns[len(ns)-1].params["turn"].(map[string]any)
	assert.Equal(t, "completed", done["status"])
	assert.Equal(t, res.Turn.ID, done["id"])
	for _, n := range ns {
		assert.NotEqual(t, "item/agentMessage/delta", n.method, "the reviewer's JSON is not streamed")
	}
	texts := requestTexts(t, s.model, 0)
	assert.Contains(t, strings.Join(texts, "\n"), "uncommitted changes", "the reviewer got its task")
}

func TestV2ReviewStartErrors(t *testing.T) {
	s, thread := startV2(t, nil)
	unknown := "01a24388-0000-7000-8000-000000000000"
	tests := []struct {
		name    string
		params  any
		code    int64
		message string
	}{
		{"an unknown target", map[string]any{"threadId": thread, "target": map[string]any{"type": "everything"}}, -32602, `Invalid params: unknown review target "everything"`},
		{"a branch review without a branch", map[string]any{"threadId": thread, "target": map[string]any{"type": "baseBranch"}}, -32602, "Invalid params: a baseBranch review needs a branch"},
		{"a detached delivery", map[string]any{"threadId": thread, "target": map[string]any{"type": "uncommittedChanges"}, "delivery": "detached"}, -32602, `Invalid params: unknown review delivery "detached" (reviews run inline)`},
		{"no target", map[string]any{"threadId": thread}, -32602, `Invalid params: missing field "target"`},
		{"an unknown thread", map[string]any{"threadId": unknown, "target": map[string]any{"type": "uncommittedChanges"}}, -32600, "thread not found: " + unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := s.call("review/start", tt.params)
			require.NotNil(t, m.Error, m.Raw)
			assert.Equal(t, tt.code, m.Error.Code, m.Raw)
			assert.Equal(t, tt.message, m.Error.Message, m.Raw)
		})
	}
}
