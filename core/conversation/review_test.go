package conversation

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/review"
	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

func TestReviewRunsOnAHistoryOfItsOwn(t *testing.T) {
	verdict := `{"findings":[{"title":"Leak","body":"The file is never closed.","confidence_score":0.9,"priority":1,"code_location":{"absolute_file_path":"/w/a.go","line_range":{"start":4,"end":4}}}],"overall_correctness":"patch is incorrect","overall_explanation":"One problem.","overall_confidence_score":0.8}`
	f := newFixture(t, "", fakemodel.Script(
		fakemodel.Text("first answer"),
		fakemodel.FunctionCall("call_1", "no_such_tool", `{}`),
		fakemodel.Text(verdict),
		fakemodel.Text("fixed"),
	))
	c := f.start(t)
	say(t, c, "hello")
	until(t, c, "task_complete")

	req, err := review.Request(review.Target{Kind: review.KindUncommittedChanges})
	require.NoError(t, err)
	_, err = c.Submit(protocol.ReviewOp{ReviewRequest: req})
	require.NoError(t, err)
	evs := until(t, c, "task_complete")
	got := types(evs)
	assert.Equal(t, []string{"task_started", "entered_review_mode"}, got[:2])
	assert.Equal(t, []string{"exited_review_mode", "agent_message", "task_complete"}, got[len(got)-3:])
	assert.NotContains(t, got, "agent_message_delta", "the reviewer's JSON is not streamed to the user")
	exited := evs[len(evs)-3].Msg.(protocol.ExitedReviewModeEvent)
	require.NotNil(t, exited.ReviewOutput)
	require.Len(t, exited.ReviewOutput.Findings, 1)
	assert.Equal(t, "Leak", exited.ReviewOutput.Findings[0].Title)
	rendered := evs[len(evs)-2].Msg.(protocol.AgentMessageEvent).Message
	assert.Contains(t, rendered, "[P1] Leak (/w/a.go:4)")

	// The reviewer got the review instructions and only its task.
	reqs := f.srv.Requests()
	var body struct {
		Instructions string                  `json:"instructions"`
		Input        []protocol.ResponseItem `json:"input"`
	}
	require.NoError(t, json.Unmarshal(reqs[1].Body, &body))
	assert.Equal(t, review.Instructions(), body.Instructions)
	assert.Equal(t, []string{"user: <env>", "user: " + req.Prompt}, texts(body.Input))

	// The conversation goes on with its own history and the review.
	say(t, c, "fix it")
	until(t, c, "task_complete")
	in, _ := requestInput(t, f, 3)
	assert.Equal(t, []string{"user: <env>", "user: hello", "assistant: first answer", "assistant: " + rendered, "user: fix it"}, texts(in))

	// Nothing of the reviewer's own work is recorded.
	raw, err := rollout.Read(c.RolloutPath())
	require.NoError(t, err)
	for _, it := range raw.Items {
		assert.NotEqual(t, protocol.ItemFunctionCall, it.Type)
		assert.False(t, strings.Contains(it.MessageText(), req.Prompt), "the review task is not in the history")
	}
	assert.Equal(t, texts(in)[:4], texts(raw.Items)[:4])
}

func TestFailedReviewKeepsTheHistory(t *testing.T) {
	f := newFixture(t, "", fakemodel.Script(fakemodel.Text("first answer"), fakemodel.Error(400, "bad request"), fakemodel.Text("after")))
	c := f.start(t)
	say(t, c, "hello")
	until(t, c, "task_complete")
	_, err := c.Submit(protocol.ReviewOp{ReviewRequest: protocol.ReviewRequest{Prompt: "review it", UserFacingHint: "it"}})
	require.NoError(t, err)
	evs := until(t, c, "task_complete")
	assert.Equal(t, []string{"task_started", "entered_review_mode", "exited_review_mode", "error", "task_complete"}, types(evs))
	assert.Nil(t, evs[2].Msg.(protocol.ExitedReviewModeEvent).ReviewOutput)
	say(t, c, "next")
	until(t, c, "task_complete")
	in, _ := requestInput(t, f, 2)
	assert.Equal(t, []string{"user: <env>", "user: hello", "assistant: first answer", "user: next"}, texts(in))
}
