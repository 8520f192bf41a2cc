package tests

// Behaviours of the 0.45 protocol pinned against codex-cli 0.45.0: each
// test quotes what the reference binary was seen to do, driven by the same
// client steps and the same scripted model, and says where this server
// differs on purpose (docs/app-server-protocol.md, "Differences from the
// reference").

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

// usageOf is a token usage of in input and out output tokens.
func usageOf(in, out int64) protocol.TokenUsage {
	return protocol.TokenUsage{InputTokens: in, OutputTokens: out, TotalTokens: in + out}
}

// resumeResult is the result of resumeConversation.
type resumeResult struct {
	ConversationID  string            `json:"conversationId"`
	Model           string            `json:"model"`
	InitialMessages []json.RawMessage `json:"initialMessages"`
}

// messageTypes lists the "type" of each replayed event.
func messageTypes(t *testing.T, msgs []json.RawMessage) []string {
	t.Helper()
	var out []string
	for _, m := range msgs {
		var v struct {
			Type string `json:"type"`
		}
		require.NoError(t, json.Unmarshal(m, &v))
		out = append(out, v.Type)
	}
	return out
}

// Observed on 0.45.0 (newConversation, addConversationListener, one turn
// answered "one", then resumeConversation of the conversation's own
// rolloutPath in the same process):
//
//	{"id":5,"result":{"conversationId":"<same id>","model":"gpt-5","initialMessages":[
//	  {"type":"user_message","message":"first","kind":"plain"},{"type":"token_count",...},
//	  {"type":"agent_message","message":"one"},{"type":"token_count",...}]}}
//	{"method":"sessionConfigured","params":{"sessionId":"<same id>",...,"initialMessages":[...]}}
//
// and a sendUserMessage on that id ran a turn ending in task_complete.
func TestV045ResumeOfALoadedConversation(t *testing.T) {
	s, _ := startModel(t, nil, fakemodel.Text("one"), fakemodel.Text("two"))
	conv, path := s.newConversation(map[string]any{})
	s.listen(conv)
	s.sendText(conv, "first")
	s.eventsUntil(conv, "task_complete")

	var res resumeResult
	s.callResult("resumeConversation", map[string]any{"path": path}, &res)
	assert.Equal(t, conv, res.ConversationID)
	assert.Equal(t, "gpt-5", res.Model)
	types := messageTypes(t, res.InitialMessages)
	assert.Contains(t, types, "user_message")
	assert.Contains(t, types, "agent_message")
	assert.Contains(t, string(res.InitialMessages[indexOfString(types, "agent_message")]), `"message":"one"`)

	note := s.sessionConfigured(conv)
	var p struct {
		InitialMessages []json.RawMessage `json:"initialMessages"`
		RolloutPath     string            `json:"rolloutPath"`
	}
	require.NoError(t, json.Unmarshal(note.Params, &p))
	assert.Equal(t, types, messageTypes(t, p.InitialMessages))
	assert.Equal(t, path, p.RolloutPath)

	// The next turn works, and its events arrive once.
	s.sendText(conv, "second")
	events := s.eventsUntil(conv, "task_complete")
	assert.Equal(t, []string{"two"}, eventMessages(events, "agent_message"))
	assert.Equal(t, 1, countOf(events, "task_started"), rawLines(events))

	// The file is still this conversation's: it is replayed with both turns.
	s.callResult("resumeConversation", map[string]any{"path": path}, &res)
	assert.Equal(t, conv, res.ConversationID)
	s.sessionConfigured(conv)
	var agent []string
	for _, m := range res.InitialMessages {
		var v struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		}
		require.NoError(t, json.Unmarshal(m, &v))
		if v.Type == "agent_message" {
			agent = append(agent, v.Message)
		}
	}
	assert.Equal(t, []string{"one", "two"}, agent)
}

func indexOfString(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// Observed on 0.45.0: a conversation whose one turn used 100+10 tokens was
// resumed by a new process; its next turn (200+20 tokens) sent
//
//	{"type":"token_count","info":null,...}                                   (at the turn's start)
//	{"type":"token_count","info":{"total_token_usage":{...,"total_tokens":220},
//	  "last_token_usage":{...,"total_tokens":220},"model_context_window":272000},...}
//
// so the reference starts counting afresh. An editor's context meter reads
// last_token_usage against model_context_window, which is the same either
// way; this server keeps the conversation's totals (330) and reports the
// recorded usage at the first turn's start rather than null, so that the
// meter shows the context of the resumed conversation from the first event
// on instead of going blank until the model answers.
func TestV045TokenCountAfterResume(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(fakemodel.Text("one", usageOf(100, 10)), fakemodel.Text("two", usageOf(200, 20))))
	t.Cleanup(model.Close)
	s := startAppServer(t, serverEnv{config: mockConfig(model.URL, 0, 0)})
	s.initialize()
	conv, path := s.newConversation(map[string]any{})
	s.listen(conv)
	s.sendText(conv, "first")
	s.eventsUntil(conv, "task_complete")
	require.NoError(t, s.closeAndWait())

	s2 := startAppServer(t, serverEnv{config: mockConfig(model.URL, 0, 0), env: []string{"CODEX_HOME=" + s.home, "HOME=" + s.home}})
	s2.initialize()
	var res resumeResult
	s2.callResult("resumeConversation", map[string]any{"path": path}, &res)
	require.Equal(t, conv, res.ConversationID)
	s2.sessionConfigured(conv)
	s2.listen(conv)
	s2.sendText(conv, "second")
	events := s2.eventsUntil(conv, "task_complete")
	counts := msgsOf[protocol.TokenCountEvent](t, events, "token_count")
	require.Len(t, counts, 2, rawLines(events))
	require.NotNil(t, counts[0].Info, rawLines(events))
	assert.EqualValues(t, 110, counts[0].Info.LastTokenUsage.TotalTokens)
	require.NotNil(t, counts[1].Info)
	assert.EqualValues(t, 220, counts[1].Info.LastTokenUsage.TotalTokens, "the reference's last_token_usage")
	assert.EqualValues(t, 330, counts[1].Info.TotalTokenUsage.TotalTokens)
	require.NotNil(t, counts[1].Info.ModelContextWindow)
	assert.EqualValues(t, 272000, *counts[1].Info.ModelContextWindow)
}

// listPage is the result of listConversations.
type listPage struct {
	Items []struct {
		ConversationID string `json:"conversationId"`
	} `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

// Observed on 0.45.0 with three recorded conversations:
//
//	{"pageSize":0}                -> {"items":[]}
//	{"pageSize":3} and {}         -> 3 items, "nextCursor":"<start>|<id of the oldest>"
//	{"pageSize":2}                -> 2 items and a cursor; that cursor -> 1 item and a
//	                                 cursor naming it; that cursor -> {"items":[]}
//	{"cursor":"2020-01-01T00-00-00|00000000-0000-0000-0000-000000000000"} -> {"items":[]}
//	{"cursor":"garbage"}          -> the first page (here: -32602, see the docs)
func TestV045ListConversationsPaging(t *testing.T) {
	s, _ := startModel(t, nil, answer(), answer(), answer())
	var convs []string
	for range 3 {
		conv := startConversation(s, map[string]any{})
		s.sendText(conv, "hello")
		s.eventsUntil(conv, "task_complete")
		convs = append([]string{conv}, convs...) // newest first
	}
	list := func(params map[string]any) listPage {
		t.Helper()
		var page listPage
		m := s.callResult("listConversations", params, &page)
		if len(page.Items) == 0 {
			assert.NotContains(t, m.Raw, "nextCursor", "an empty page has no cursor")
		}
		return page
	}
	ids := func(p listPage) []string {
		var out []string
		for _, it := range p.Items {
			out = append(out, it.ConversationID)
		}
		return out
	}

	assert.Empty(t, list(map[string]any{"pageSize": 0}).Items)
	for _, params := range []map[string]any{{}, {"pageSize": 3}, {"pageSize": 5}} {
		page := list(params)
		assert.Equal(t, convs, ids(page))
		require.NotNil(t, page.NextCursor, "a page with items has a cursor")
		assert.True(t, strings.HasSuffix(*page.NextCursor, "|"+convs[2]), *page.NextCursor)
		assert.Empty(t, list(map[string]any{"cursor": *page.NextCursor}).Items)
	}

	first := list(map[string]any{"pageSize": 2})
	assert.Equal(t, convs[:2], ids(first))
	require.NotNil(t, first.NextCursor)
	second := list(map[string]any{"pageSize": 2, "cursor": *first.NextCursor})
	assert.Equal(t, convs[2:], ids(second))
	require.NotNil(t, second.NextCursor)
	assert.Empty(t, list(map[string]any{"pageSize": 2, "cursor": *second.NextCursor}).Items)

	assert.Empty(t, list(map[string]any{"cursor": "2020-01-01T00-00-00|00000000-0000-0000-0000-000000000000"}).Items)
	m := s.call("listConversations", map[string]any{"cursor": "garbage"})
	require.NotNil(t, m.Error, m.Raw)
	assert.EqualValues(t, -32602, m.Error.Code)
}

// Observed on 0.45.0, model gpt-5, includeApplyPatchTool false, approval
// untrusted: the request offered [function/shell function/view_image]; a
// function call of apply_patch was answered to the model with
// {"type":"function_call_output","output":"unsupported call: apply_patch"}
// and a free-form one with "unsupported custom tool call: apply_patch"; the
// events were task_started, token_count, token_count, ..., task_complete,
// with no approval request, no patch event, and no file written.
func TestV045ApplyPatchNotOffered(t *testing.T) {
	args, err := json.Marshal(map[string]any{"input": helloPatch})
	require.NoError(t, err)
	tests := []struct {
		name     string
		call     fakemodel.Reply
		itemType string
		output   string
	}{
		{"function call", fakemodel.FunctionCall("call1", "apply_patch", string(args)), protocol.ItemFunctionCallOutput, "unsupported call: apply_patch"},
		{"free-form call", customPatchCall("call1", helloPatch), protocol.ItemCustomToolCallOutput, "unsupported custom tool call: apply_patch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, model := startModel(t, nil, tt.call, answer())
			conv := startConversation(s, map[string]any{"model": "gpt-5", "includeApplyPatchTool": false,
				"approvalPolicy": "untrusted", "sandbox": "workspace-write", "cwd": s.workDir})
			s.sendText(conv, "patch it")
			events := s.eventsUntil(conv, "task_complete")

			assert.NotContains(t, strings.Join(requestTools(t, model, 0), " "), "apply_patch")
			for _, typ := range []string{"apply_patch_approval_request", "patch_apply_begin", "patch_apply_end", "turn_diff", "exec_command_begin"} {
				assert.Equal(t, -1, indexOf(events, typ), "%s in %s", typ, rawLines(events))
			}
			assert.Empty(t, s.pendingServerRequests())
			itemType, output := modelToolOutput(t, model, 1)
			assert.Equal(t, tt.itemType, itemType)
			assert.Equal(t, tt.output, output)
			assert.NoFileExists(t, filepath.Join(s.workDir, "hello.txt"))
		})
	}
}

// Observed on 0.45.0: sendUserTurn with a text item "look" and a localImage
// naming a missing file ran the turn (user_message of the new environment
// context, task_started, token_count, agent_message_delta, agent_message,
// token_count, task_complete) and sent the model the text alone: the image
// was dropped without a word. Here the turn runs the same way; a
// background_event and a text part in place of the image say what was
// skipped.
func TestV045SendUserTurnWithAMissingLocalImage(t *testing.T) {
	s, model := startModel(t, nil, fakemodel.Text("one"))
	conv := startConversation(s, map[string]any{})
	missing := filepath.Join(s.workDir, "missing.png")
	s.callResult("sendUserTurn", map[string]any{"conversationId": conv, "items": []any{
		map[string]any{"type": "text", "data": map[string]any{"text": "look"}},
		map[string]any{"type": "localImage", "data": map[string]any{"path": missing}}},
		"cwd": s.workDir, "approvalPolicy": "never", "sandboxPolicy": map[string]any{"mode": "read-only"},
		"model": "gpt-5", "summary": "auto"}, nil)
	events := s.eventsUntil(conv, "task_complete")

	assert.Equal(t, -1, indexOf(events, "error"), rawLines(events))
	require.NotEqual(t, -1, indexOf(events, "task_started"), rawLines(events))
	assert.Equal(t, []string{"one"}, eventMessages(events, "agent_message"))
	notes := msgsOf[protocol.BackgroundEvent](t, events, "background_event")
	require.Len(t, notes, 1, rawLines(events))
	assert.Contains(t, notes[0].Message, missing)
	assert.Less(t, indexOf(events, "background_event"), indexOf(events, "task_started"))

	var body struct {
		Input []struct {
			Role    string `json:"role"`
			Content []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"content"`
		} `json:"input"`
	}
	require.NoError(t, json.Unmarshal(model.Requests()[0].Body, &body))
	last := body.Input[len(body.Input)-1]
	require.Len(t, last.Content, 2)
	assert.Equal(t, "look", last.Content[0].Text)
	assert.Equal(t, "input_text", last.Content[1].Type)
	assert.Contains(t, last.Content[1].Text, missing)
}

// Observed on 0.45.0, a free-form apply_patch adding hello.txt in a working
// directory outside any git repository, then a text answer:
//
//	patch_apply_begin, patch_apply_end,
//	turn_diff {"unified_diff":"diff --git a//tmp/.../hello.txt b//tmp/.../hello.txt\nnew file mode 100644\n
//	           index 0000000000000000000000000000000000000000..ce01362...\n--- /dev/null\n+++ b//tmp/.../hello.txt\n@@ -0,0 +1 @@\n+hello\n"},
//	token_count, turn_diff, token_count,
//	agent_message_delta, agent_message, token_count, turn_diff, task_complete
//
// The file keeps its absolute path after a/ and b/, and the turn's diff is
// sent again after each response's token_count (the token_count before a
// response's output carries its rate limits).
func TestV045TurnDiffOutsideARepository(t *testing.T) {
	s, _ := startModel(t, nil, customPatchCall("call1", helloPatch), answer())
	conv := startConversation(s, map[string]any{"model": "gpt-5", "includeApplyPatchTool": true,
		"approvalPolicy": "never", "sandbox": "workspace-write", "cwd": s.workDir})
	s.sendText(conv, "patch it")
	events := s.eventsUntil(conv, "task_complete")

	target := filepath.ToSlash(filepath.Join(s.workDir, "hello.txt"))
	want := "diff --git a/" + target + " b/" + target + "\nnew file mode 100644\n" +
		"index 0000000000000000000000000000000000000000..ce013625030ba8dba906f756967f9e9ca394464a\n" +
		"--- /dev/null\n+++ b/" + target + "\n@@ -0,0 +1 @@\n+hello\n"
	diffs := msgsOf[protocol.TurnDiffEvent](t, events, "turn_diff")
	require.Len(t, diffs, 3, rawLines(events))
	for _, d := range diffs {
		assert.Equal(t, want, d.UnifiedDiff)
	}

	// The reference's wire order, deltas left out.
	var order []string
	for _, typ := range eventTypes(events) {
		if typ != "agent_message_delta" {
			order = append(order, typ)
		}
	}
	assert.Equal(t, []string{
		"task_started", "token_count", "patch_apply_begin", "patch_apply_end", "turn_diff",
		"token_count", "turn_diff", "token_count", "agent_message", "token_count", "turn_diff", "task_complete",
	}, order, rawLines(events))
}

// Observed on 0.45.0: an execCommandApproval answered with a JSON-RPC error
// ({"code":-32000,"message":"no"}) left the turn waiting: after
// exec_approval_request nothing more was sent in 3 s and the model was not
// asked again. Here such an answer is a denial and the turn goes on.
func TestV045ApprovalAnsweredWithAnError(t *testing.T) {
	s, model := startModel(t, nil, bashCall("call1", writeScript), answer())
	conv := startConversation(s, map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write", "cwd": s.workDir})
	s.sendText(conv, "write it")
	req := s.serverRequest("execCommandApproval")
	require.NoError(t, s.c.Client().ReplyError(req.ID, -32000, "no"))
	events := s.eventsUntil(conv, "task_complete")

	ends := msgsOf[protocol.ExecCommandEndEvent](t, events, "exec_command_end")
	require.Len(t, ends, 1, rawLines(events))
	assert.Equal(t, -1, ends[0].ExitCode)
	_, output := modelToolOutput(t, model, 1)
	assert.Equal(t, "exec command rejected by user", output)
	assert.Equal(t, []string{"Hello from mock"}, eventMessages(events, "agent_message"))
	assert.NoFileExists(t, filepath.Join(s.workDir, "out.txt"))
}

// Observed on 0.45.0: closing the server's input while an approval was
// pending ended the process; the rollout stopped after the turn's first
// token_count, with neither the call nor an end of the turn recorded. Here
// the pending approval counts as denied (or the turn is aborted by the
// shutdown first): the command never runs, the process ends, and the
// rollout records the call's answer and the turn's end.
func TestV045ClientLeavesDuringAnApproval(t *testing.T) {
	s, _ := startModel(t, nil, bashCall("call1", writeScript), answer())
	conv, path := s.newConversation(map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write", "cwd": s.workDir})
	s.listen(conv)
	s.sendText(conv, "write it")
	s.serverRequest("execCommandApproval")
	require.NoError(t, s.closeAndWait())

	assert.NoFileExists(t, filepath.Join(s.workDir, "out.txt"))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var sawDenial, sawEnd bool
	for _, l := range lines {
		// The pending approval ends denied, or aborted with the turn when
		// the shutdown reaches the turn first; either way the call has its
		// output in the history.
		if strings.Contains(l, `"type":"function_call_output"`) &&
			(strings.Contains(l, `"output":"exec command rejected by user"`) || strings.Contains(l, `"output":"aborted"`)) {
			sawDenial = true
		}
		if strings.Contains(l, `"type":"turn_aborted"`) || strings.Contains(l, `"type":"task_complete"`) {
			sawEnd = true
		}
	}
	assert.True(t, sawDenial, "call answered in the history:\n%s", data)
	assert.True(t, sawEnd, "turn end recorded:\n%s", data)
}
