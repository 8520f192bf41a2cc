package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/internal/refschema"
	"github.com/codex-go/codex/internal/schemagen/schemacheck"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/schema"
	"github.com/codex-go/codex/tests/fakemodel"
)

// ourSchema is the validator of our embedded schema, compiled once for all
// the tests of the package.
var ourSchema = sync.OnceValues(func() (*schemacheck.Validator, error) { return schemacheck.New(schema.FS()) })

// checkV2 validates a v2 message the server wrote against the reference's
// published schema: a notification's or a server request's params, or
// (result set) the result of the client request method. Members the
// reference's stable schema does not declare are allowed, as the reference
// itself sends some (they are in its experimental schema).
func checkV2(t *testing.T, method string, raw json.RawMessage, kind string) {
	t.Helper()
	ref, err := refschema.Committed()
	require.NoError(t, err)
	var ep *refschema.Endpoint
	switch kind {
	case "notification":
		ep, err = ref.Notification(method)
	case "request":
		ep, err = ref.ServerRequest(method)
	default:
		ep, err = ref.Request(method)
	}
	require.NoError(t, err, method)
	if kind == "result" {
		err = ep.ValidateResult(raw, refschema.AllowUnknownProperties())
	} else {
		err = ep.ValidateParams(raw, refschema.AllowUnknownProperties())
	}
	assert.NoError(t, err, "%s %s: %s", kind, method, raw)

	// Our own schema describes it too.
	ours, err := ourSchema()
	require.NoError(t, err)
	switch kind {
	case "notification":
		err = ours.Notification(method, raw)
	case "request":
		err = ours.ServerRequest(method, raw)
	default:
		err = ours.ClientResult(method, raw)
	}
	assert.NoError(t, err, "our schema: %s %s: %s", kind, method, raw)
}

// v2Client drives the v2 protocol of a test server whose model is model.
type v2Client struct {
	*appServer
	model *fakemodel.Server
}

// startV2 starts a server whose model plays replies, initialized as a v2
// client, with a thread started with params; it returns the thread id.
func startV2(t *testing.T, params map[string]any, replies ...fakemodel.Reply) (v2Client, string) {
	t.Helper()
	model := fakemodel.Start(fakemodel.Script(replies...))
	t.Cleanup(model.Close)
	s := v2Client{startAppServer(t, serverEnv{config: mockConfig(model.URL, 0, 0)}), model}
	var init struct {
		UserAgent      string `json:"userAgent"`
		CodexHome      string `json:"codexHome"`
		PlatformFamily string `json:"platformFamily"`
		PlatformOs     string `json:"platformOs"`
	}
	s.callResult("initialize", map[string]any{"clientInfo": map[string]any{"name": "v2test", "title": "V2 Test", "version": "1.0"}, "capabilities": nil}, &init)
	assert.Equal(t, s.home, init.CodexHome)
	assert.Equal(t, "unix", init.PlatformFamily)
	assert.Equal(t, "linux", init.PlatformOs)
	s.notify("initialized")

	if params == nil {
		params = map[string]any{}
	}
	if _, ok := params["cwd"]; !ok {
		params["cwd"] = s.workDir
	}
	var started struct {
		Thread struct {
			ID     string `json:"id"`
			Status struct {
				Type string `json:"type"`
			} `json:"status"`
		} `json:"thread"`
		Model         string `json:"model"`
		ModelProvider string `json:"modelProvider"`
		Sandbox       struct {
			Type string `json:"type"`
		} `json:"sandbox"`
	}
	res := s.callResult("thread/start", params, &started)
	checkV2(t, "thread/start", res.Result, "result")
	require.NotEmpty(t, started.Thread.ID)
	assert.Equal(t, "idle", started.Thread.Status.Type)
	assert.Equal(t, "gpt-5", started.Model)
	assert.Equal(t, "mock", started.ModelProvider)
	m := s.take(func(m rpcMessage) bool { return m.Method == "thread/started" }, "thread/started")
	assert.Contains(t, m.Raw, `"emittedAtMs":`)
	checkV2(t, m.Method, m.Params, "notification")
	return s, started.Thread.ID
}

// startTurn sends turn/start with one text input and returns the turn id.
func (s v2Client) startTurn(threadID, text string) string {
	s.t.Helper()
	var res struct {
		Turn struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"turn"`
	}
	m := s.callResult("turn/start", map[string]any{"threadId": threadID, "input": []any{map[string]any{"type": "text", "text": text, "text_elements": []any{}}}}, &res)
	checkV2(s.t, "turn/start", m.Result, "result")
	require.NotEmpty(s.t, res.Turn.ID)
	assert.Equal(s.t, "inProgress", res.Turn.Status)
	return res.Turn.ID
}

// v2Notice is a notification's method and decoded params.
type v2Notice struct {
	method string
	params map[string]any
	raw    string
}

// untilTurnCompleted takes the notifications up to and including
// turn/completed.
func (s v2Client) untilTurnCompleted() []v2Notice {
	s.t.Helper()
	var out []v2Notice
	for {
		m := s.take(func(m rpcMessage) bool { return m.isNotification() }, "notifications up to turn/completed")
		var p map[string]any
		require.NoError(s.t, json.Unmarshal(m.Params, &p), m.Raw)
		checkV2(s.t, m.Method, m.Params, "notification")
		out = append(out, v2Notice{method: m.Method, params: p, raw: m.Raw})
		if m.Method == "turn/completed" {
			return out
		}
	}
}

// methods lists the notifications' methods.
func methods(ns []v2Notice) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.method)
	}
	return out
}

// item returns params.item of an item notification.
func (n v2Notice) item() map[string]any {
	item, _ := n.params["item"].(map[string]any)
	return item
}

func TestV2TextTurn(t *testing.T) {
	s, thread := startV2(t, nil, fakemodel.TextDeltas([]string{"Hello ", "from mock"}))
	turn := s.startTurn(thread, "hi")
	ns := s.untilTurnCompleted()
	assert.Equal(t, []string{
		"thread/status/changed", "turn/started",
		"item/started", "item/completed", // the user's message
		"item/started", "item/agentMessage/delta", "item/agentMessage/delta", "item/completed",
		"thread/tokenUsage/updated", "account/rateLimits/updated",
		"thread/status/changed", "turn/completed",
	}, methods(ns))
	for _, n := range ns {
		assert.Contains(t, n.raw, `"emittedAtMs":`, n.method)
		if n.method != "account/rateLimits/updated" { // not about a thread
			assert.Equal(t, thread, n.params["threadId"], n.raw)
		}
	}
	user := ns[2].item()
	assert.Equal(t, "userMessage", user["type"])
	assert.Equal(t, user["id"], ns[3].item()["id"])
	agent := ns[7].item()
	assert.Equal(t, "agentMessage", agent["type"])
	assert.Equal(t, "Hello from mock", agent["text"])
	assert.Equal(t, ns[4].item()["id"], agent["id"])
	assert.Equal(t, agent["id"], ns[5].params["itemId"])
	done := ns[len(ns)-1].params["turn"].(map[string]any)
	assert.Equal(t, turn, done["id"])
	assert.Equal(t, "completed", done["status"])
	assert.Equal(t, map[string]any{"type": "idle"}, ns[len(ns)-2].params["status"])
}

func TestV2CommandApproval(t *testing.T) {
	tests := []struct {
		decision string
		status   string
		ran      bool
	}{
		{"accept", "completed", true},
		{"decline", "declined", false},
	}
	for _, tt := range tests {
		t.Run(tt.decision, func(t *testing.T) {
			s, thread := startV2(t, map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write"},
				bashCall("call1", "echo hi > out.txt; cat out.txt"), answer())
			s.startTurn(thread, "run it")
			req := s.take(func(m rpcMessage) bool { return m.isServerRequest() }, "approval request")
			assert.Equal(t, "item/commandExecution/requestApproval", req.Method)
			checkV2(t, req.Method, req.Params, "request")
			var p map[string]any
			require.NoError(t, json.Unmarshal(req.Params, &p))
			assert.Equal(t, "call1", p["itemId"])
			assert.Equal(t, thread, p["threadId"])
			assert.Equal(t, "bash -lc 'echo hi > out.txt; cat out.txt'", p["command"])
			s.respond(req.ID, map[string]any{"decision": tt.decision})
			ns := s.untilTurnCompleted()

			var resolved, completed *v2Notice
			for i := range ns {
				switch {
				case ns[i].method == "serverRequest/resolved":
					resolved = &ns[i]
				case ns[i].method == "item/completed" && ns[i].item()["type"] == "commandExecution":
					completed = &ns[i]
				}
			}
			require.NotNil(t, resolved, "serverRequest/resolved")
			assert.Equal(t, float64(0), resolved.params["requestId"])
			require.NotNil(t, completed, "the command's item/completed")
			assert.Equal(t, tt.status, completed.item()["status"])
			_, err := os.Stat(filepath.Join(s.workDir, "out.txt"))
			assert.Equal(t, tt.ran, err == nil)
			if tt.ran {
				assert.Equal(t, "hi\n", completed.item()["aggregatedOutput"])
				assert.Equal(t, float64(0), completed.item()["exitCode"])
			}
		})
	}
}

func TestV2ModelErrorFailsTheTurn(t *testing.T) {
	s, thread := startV2(t, nil, fakemodel.Error(400, "model exploded"))
	s.startTurn(thread, "hi")
	ns := s.untilTurnCompleted()
	assert.Contains(t, methods(ns), "error")
	done := ns[len(ns)-1].params["turn"].(map[string]any)
	assert.Equal(t, "failed", done["status"])
	require.NotNil(t, done["error"])
	assert.Equal(t, "badRequest", done["error"].(map[string]any)["codexErrorInfo"])
	// The thread reports the failure before the error and the turn's end.
	got := methods(ns)
	require.GreaterOrEqual(t, len(got), 3)
	assert.Equal(t, []string{"thread/status/changed", "error", "turn/completed"}, got[len(got)-3:])
	assert.Equal(t, map[string]any{"type": "systemError"}, ns[len(ns)-3].params["status"])
}

func TestV2AndV045ClientsOnOneBinary(t *testing.T) {
	s, thread := startV2(t, nil, fakemodel.TextDeltas([]string{"v2 answer"}), answer())
	s.startTurn(thread, "hi")
	s.untilTurnCompleted()

	conv := startConversation(s.appServer, map[string]any{})
	s.sendText(conv, "hello")
	events := s.eventsUntil(conv, "task_complete")
	assert.NotEmpty(t, events)
}

func TestV2InterruptDuringStream(t *testing.T) {
	stalled := fakemodel.Reply{Events: []fakemodel.SSE{fakemodel.Created(), fakemodel.OutputTextDelta("partial")}, Stall: true}
	s, thread := startV2(t, nil, stalled, answer())
	turn := s.startTurn(thread, "take your time")
	s.take(func(m rpcMessage) bool { return m.Method == "item/agentMessage/delta" }, "the first delta")

	id := s.send("turn/interrupt", map[string]any{"threadId": thread, "turnId": turn})
	ns := s.untilTurnCompleted()
	done := ns[len(ns)-1].params["turn"].(map[string]any)
	assert.Equal(t, "interrupted", done["status"])
	// As the reference does, the interrupted agent message is dropped: no
	// item/completed for it, and the turn lists no items.
	for _, n := range ns {
		assert.False(t, n.method == "item/completed" && n.item()["type"] == "agentMessage", n.raw)
	}
	assert.Equal(t, []any{}, done["items"])
	assert.Equal(t, "notLoaded", done["itemsView"])
	resp := s.response(id)
	assert.Equal(t, `{}`, string(resp.Result), resp.Raw)

	// The thread goes on.
	s.startTurn(thread, "again")
	ns = s.untilTurnCompleted()
	assert.Equal(t, "completed", ns[len(ns)-1].params["turn"].(map[string]any)["status"])
}

func TestV2TwoThreadsAtOnce(t *testing.T) {
	s, first := startV2(t, nil, fakemodel.TextDeltas([]string{"one"}), fakemodel.TextDeltas([]string{"two"}))
	var second struct {
		Thread struct {
			ID string `json:"id"`
		} `json:"thread"`
	}
	s.callResult("thread/start", map[string]any{"cwd": s.workDir}, &second)
	require.NotEqual(t, first, second.Thread.ID)
	s.take(func(m rpcMessage) bool { return m.Method == "thread/started" }, "thread/started")

	turns := map[string]string{first: s.startTurn(first, "a"), second.Thread.ID: s.startTurn(second.Thread.ID, "b")}
	completed := map[string]string{}
	for len(completed) < 2 {
		m := s.take(func(m rpcMessage) bool { return m.Method == "turn/completed" }, "turn/completed")
		var p struct {
			ThreadID string `json:"threadId"`
			Turn     struct {
				ID string `json:"id"`
			} `json:"turn"`
		}
		require.NoError(t, json.Unmarshal(m.Params, &p))
		completed[p.ThreadID] = p.Turn.ID
	}
	assert.Equal(t, turns, completed)
}

func TestV2OptOutNotifications(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(fakemodel.TextDeltas([]string{"a", "b"})))
	t.Cleanup(model.Close)
	s := v2Client{startAppServer(t, serverEnv{config: mockConfig(model.URL, 0, 0)}), model}
	s.callResult("initialize", map[string]any{"clientInfo": map[string]any{"name": "v2test", "version": "1.0"},
		"capabilities": map[string]any{"optOutNotificationMethods": []string{"item/agentMessage/delta"}}}, nil)
	s.notify("initialized")
	var started struct {
		Thread struct {
			ID string `json:"id"`
		} `json:"thread"`
	}
	s.callResult("thread/start", map[string]any{"cwd": s.workDir}, &started)
	s.startTurn(started.Thread.ID, "hi")
	assert.NotContains(t, methods(s.untilTurnCompleted()), "item/agentMessage/delta")
}

func TestV2Patches(t *testing.T) {
	outside := t.TempDir()
	tests := []struct {
		name     string
		inside   bool
		decision string // "" when no approval is asked
		status   string
		written  bool
	}{
		{name: "inside the workspace", inside: true, status: "completed", written: true},
		{name: "outside, accepted", decision: "accept", status: "completed", written: true},
		{name: "outside, declined", decision: "decline", status: "declined"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := outside
			name := fmt.Sprintf("new%d.txt", i)
			var s v2Client
			var thread string
			patchFor := func(target string) fakemodel.Reply {
				return customPatchCall("call_p", "*** Begin Patch\n*** Add File: "+target+"\n+hello\n*** End Patch\n")
			}
			if tt.inside {
				// The workspace is the server's working directory, known
				// once it runs: a relative path lands in it.
				s, thread = startV2(t, map[string]any{"approvalPolicy": "on-request", "sandbox": "workspace-write",
					"config": map[string]any{"include_apply_patch_tool": true}},
					patchFor(name), answer())
				dir = s.workDir
			} else {
				s, thread = startV2(t, map[string]any{"approvalPolicy": "on-request", "sandbox": "workspace-write",
					"config": map[string]any{"include_apply_patch_tool": true,
						"sandbox_workspace_write": map[string]any{"exclude_slash_tmp": true, "exclude_tmpdir_env_var": true}}},
					patchFor(filepath.Join(dir, name)), answer())
			}
			s.startTurn(thread, "patch it")
			if tt.decision != "" {
				req := s.take(func(m rpcMessage) bool { return m.isServerRequest() }, "approval request")
				assert.Equal(t, "item/fileChange/requestApproval", req.Method)
				checkV2(t, req.Method, req.Params, "request")
				s.respond(req.ID, map[string]any{"decision": tt.decision})
			}
			ns := s.untilTurnCompleted()
			var started, completed map[string]any
			for _, n := range ns {
				if n.item()["type"] == "fileChange" {
					if n.method == "item/started" {
						started = n.item()
					} else {
						completed = n.item()
					}
				}
			}
			require.NotNil(t, started, "fileChange item/started in %v", methods(ns))
			require.NotNil(t, completed, "fileChange item/completed in %v", methods(ns))
			assert.Equal(t, "call_p", completed["id"])
			assert.Equal(t, tt.status, completed["status"])
			changes := completed["changes"].([]any)
			require.Len(t, changes, 1)
			assert.Equal(t, map[string]any{"type": "add"}, changes[0].(map[string]any)["kind"])
			_, err := os.Stat(filepath.Join(dir, name))
			assert.Equal(t, tt.written, err == nil)
			if tt.written {
				assert.Contains(t, methods(ns), "turn/diff/updated")
			}
		})
	}
}

func TestV2Reasoning(t *testing.T) {
	s, thread := startV2(t, nil, fakemodel.Turn(append(fakemodel.Reasoning("**Planning** the answer"), fakemodel.OutputTextDelta("done"))...))
	s.startTurn(thread, "think")
	ns := s.untilTurnCompleted()
	var reasoning map[string]any
	for _, n := range ns {
		if n.method == "item/completed" && n.item()["type"] == "reasoning" {
			reasoning = n.item()
		}
	}
	require.NotNil(t, reasoning, "reasoning item in %v", methods(ns))
	assert.Equal(t, []any{"**Planning** the answer"}, reasoning["summary"])
	assert.Contains(t, methods(ns), "item/reasoning/summaryPartAdded")
	assert.Contains(t, methods(ns), "item/reasoning/summaryTextDelta")
}

func TestV2Steer(t *testing.T) {
	s, thread := startV2(t, map[string]any{"approvalPolicy": "never", "sandbox": "workspace-write"},
		bashCall("call1", "sleep 1"), answer())
	turn := s.startTurn(thread, "start")
	s.take(func(m rpcMessage) bool {
		return m.Method == "item/started" && strings.Contains(string(m.Params), `"commandExecution"`)
	}, "the command's item/started")

	wrong := s.call("turn/steer", map[string]any{"threadId": thread, "expectedTurnId": "not-the-turn",
		"input": []any{map[string]any{"type": "text", "text": "x"}}})
	require.NotNil(t, wrong.Error, wrong.Raw)
	assert.Equal(t, int64(-32600), wrong.Error.Code)

	var res struct {
		TurnID string `json:"turnId"`
	}
	m := s.callResult("turn/steer", map[string]any{"threadId": thread, "expectedTurnId": turn,
		"input": []any{map[string]any{"type": "text", "text": "also this"}}}, &res)
	checkV2(t, "turn/steer", m.Result, "result")
	assert.Equal(t, turn, res.TurnID)

	ns := s.untilTurnCompleted()
	var steered bool
	for _, n := range ns {
		if n.method == "item/completed" && n.item()["type"] == "userMessage" {
			content := n.item()["content"].([]any)
			steered = steered || content[0].(map[string]any)["text"] == "also this"
		}
	}
	assert.True(t, steered, "the steered input is a userMessage item of the turn: %v", methods(ns))
	done := ns[len(ns)-1].params["turn"].(map[string]any)
	assert.Equal(t, turn, done["id"])
	assert.Equal(t, "completed", done["status"])
}

func TestV2InterruptWhileAskingAndErrorAnswers(t *testing.T) {
	t.Run("interrupt while asking", func(t *testing.T) {
		s, thread := startV2(t, map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write"},
			bashCall("call1", "echo hi > out.txt"), answer())
		turn := s.startTurn(thread, "run it")
		req := s.take(func(m rpcMessage) bool { return m.isServerRequest() }, "approval request")
		id := s.send("turn/interrupt", map[string]any{"threadId": thread, "turnId": turn})
		ns := s.untilTurnCompleted()
		got := methods(ns)
		require.Contains(t, got, "serverRequest/resolved")
		resolved := slices.Index(got, "serverRequest/resolved")
		assert.Less(t, resolved, len(got)-1, "resolved before turn/completed")
		assert.Equal(t, float64(0), ns[resolved].params["requestId"])
		assert.Equal(t, "interrupted", ns[len(ns)-1].params["turn"].(map[string]any)["status"])
		s.response(id)
		// A late answer changes nothing.
		s.respond(req.ID, map[string]any{"decision": "accept"})
		_, err := os.Stat(filepath.Join(s.workDir, "out.txt"))
		assert.True(t, os.IsNotExist(err), "the command did not run")
	})
	t.Run("error answer declines", func(t *testing.T) {
		s, thread := startV2(t, map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write"},
			bashCall("call1", "echo hi > out.txt"), answer())
		s.startTurn(thread, "run it")
		req := s.take(func(m rpcMessage) bool { return m.isServerRequest() }, "approval request")
		require.NoError(t, s.c.Client().ReplyError(req.ID, -32000, "the editor could not ask"))
		ns := s.untilTurnCompleted()
		var status any
		for _, n := range ns {
			if n.method == "item/completed" && n.item()["type"] == "commandExecution" {
				status = n.item()["status"]
			}
		}
		assert.Equal(t, "declined", status)
		assert.Equal(t, "completed", ns[len(ns)-1].params["turn"].(map[string]any)["status"])
	})
}

func TestV2AcceptForSession(t *testing.T) {
	s, thread := startV2(t, map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write"},
		bashCall("call1", "echo one >> out.txt"), bashCall("call2", "echo one >> out.txt"), answer())
	s.startTurn(thread, "run it twice")
	req := s.take(func(m rpcMessage) bool { return m.isServerRequest() }, "approval request")
	s.respond(req.ID, map[string]any{"decision": "acceptForSession"})
	ns := s.untilTurnCompleted()
	for _, n := range ns {
		assert.NotEqual(t, "item/commandExecution/requestApproval", n.method)
	}
	assert.Empty(t, s.backlog(), "no second approval request")
	data, err := os.ReadFile(filepath.Join(s.workDir, "out.txt"))
	require.NoError(t, err)
	assert.Equal(t, "one\none\n", string(data))
}

func TestV2InterruptDuringCommand(t *testing.T) {
	s, thread := startV2(t, map[string]any{"approvalPolicy": "never", "sandbox": "workspace-write"},
		bashCall("call1", "sleep 30"), answer())
	turn := s.startTurn(thread, "wait")
	s.take(func(m rpcMessage) bool {
		return m.Method == "item/started" && strings.Contains(string(m.Params), `"commandExecution"`)
	}, "the command's item/started")
	s.send("turn/interrupt", map[string]any{"threadId": thread, "turnId": turn})
	ns := s.untilTurnCompleted()
	assert.Equal(t, "interrupted", ns[len(ns)-1].params["turn"].(map[string]any)["status"])
	var status any
	for _, n := range ns {
		if n.method == "item/completed" && n.item()["type"] == "commandExecution" {
			status = n.item()["status"]
		}
	}
	assert.Equal(t, "failed", status)
}

func TestV2DeveloperInstructionsAndSteeredInputReachTheModel(t *testing.T) {
	s, thread := startV2(t, map[string]any{"approvalPolicy": "never", "sandbox": "workspace-write",
		"developerInstructions": "Answer in French."}, bashCall("call1", "sleep 1"), answer())
	turn := s.startTurn(thread, "start")
	s.take(func(m rpcMessage) bool {
		return m.Method == "item/started" && strings.Contains(string(m.Params), `"commandExecution"`)
	}, "the command's item/started")
	s.callResult("turn/steer", map[string]any{"threadId": thread, "expectedTurnId": turn,
		"input": []any{map[string]any{"type": "text", "text": "also this"}}}, nil)
	s.untilTurnCompleted()

	requests := s.model.Requests()
	require.Len(t, requests, 2)
	var first struct {
		Input []struct {
			Role    string `json:"role"`
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
		} `json:"input"`
	}
	require.NoError(t, json.Unmarshal(requests[0].Body, &first))
	require.NotEmpty(t, first.Input)
	assert.Equal(t, "developer", first.Input[0].Role)
	assert.Equal(t, "Answer in French.", first.Input[0].Content[0].Text)
	assert.Contains(t, string(requests[1].Body), "also this", "the steered input is in the next request")
}

func TestV2AgentMessageKeepsTheProvidersID(t *testing.T) {
	msg := protocol.AssistantText("Hello")
	msg.ID = "msg_7"
	announced := msg
	announced.Content = nil
	s, thread := startV2(t, nil, fakemodel.Turn(fakemodel.ItemAdded(announced), fakemodel.OutputTextDelta("Hel"),
		fakemodel.OutputTextDelta("lo"), fakemodel.ItemDone(msg)))
	s.startTurn(thread, "hi")
	for _, n := range s.untilTurnCompleted() {
		switch {
		case n.method == "item/agentMessage/delta":
			assert.Equal(t, "msg_7", n.params["itemId"])
		case n.method == "item/completed" && n.item()["type"] == "agentMessage":
			assert.Equal(t, "msg_7", n.item()["id"])
			assert.Equal(t, "Hello", n.item()["text"])
		}
	}
}

func TestV2EphemeralThreadsAreNotRecorded(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(answer()))
	t.Cleanup(model.Close)
	s := v2Client{startAppServer(t, serverEnv{config: mockConfig(model.URL, 0, 0)}), model}
	s.callResult("initialize", map[string]any{"clientInfo": map[string]any{"name": "v2test", "version": "1.0"}}, nil)
	var started struct {
		Thread struct {
			ID        string  `json:"id"`
			Ephemeral bool    `json:"ephemeral"`
			Path      *string `json:"path"`
		} `json:"thread"`
	}
	s.callResult("thread/start", map[string]any{"cwd": s.workDir, "ephemeral": true}, &started)
	assert.True(t, started.Thread.Ephemeral)
	assert.Nil(t, started.Thread.Path)
	s.startTurn(started.Thread.ID, "hi")
	ns := s.untilTurnCompleted()
	assert.Equal(t, "completed", ns[len(ns)-1].params["turn"].(map[string]any)["status"])
	require.NoError(t, s.closeAndWait())
	files, err := filepath.Glob(filepath.Join(s.home, "sessions", "*", "*", "*", "*.jsonl"))
	require.NoError(t, err)
	assert.Empty(t, files, "an ephemeral thread leaves no rollout")
}

func TestV2RequestErrors(t *testing.T) {
	s, thread := startV2(t, nil)
	unknown := "01a24388-0000-7000-8000-000000000000"
	tests := []struct {
		name    string
		method  string
		params  any
		code    int64
		message string
	}{
		{"turn/start on an unknown thread", "turn/start", map[string]any{"threadId": unknown, "input": []any{}}, -32600, "thread not found: " + unknown},
		{"turn/interrupt on an unknown thread", "turn/interrupt", map[string]any{"threadId": unknown, "turnId": "x"}, -32600, "thread not found: " + unknown},
		{"turn/steer without a running turn", "turn/steer", map[string]any{"threadId": thread, "expectedTurnId": "x", "input": []any{}}, -32600, "no active turn to steer"},
		{"turn/start without input", "turn/start", map[string]any{"threadId": thread}, -32602, `Invalid params: missing field "input"`},
		{"an unknown input type", "turn/start", map[string]any{"threadId": thread, "input": []any{map[string]any{"type": "video"}}}, -32602, "Invalid params: unknown input type video"},
		{"a method not served", "thread/realtime/start", map[string]any{}, -32601, "Method not found: thread/realtime/start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := s.call(tt.method, tt.params)
			require.NotNil(t, m.Error, m.Raw)
			assert.Equal(t, tt.code, m.Error.Code, m.Raw)
			assert.Equal(t, tt.message, m.Error.Message, m.Raw)
		})
	}
}

func TestV2TurnStartRaces(t *testing.T) {
	t.Run("two turn/start in a row", func(t *testing.T) {
		s, thread := startV2(t, map[string]any{"approvalPolicy": "never", "sandbox": "workspace-write"},
			bashCall("call1", "sleep 0.5"), answer(), answer())
		input := func(text string) map[string]any {
			return map[string]any{"threadId": thread, "input": []any{map[string]any{"type": "text", "text": text}}}
		}
		first := s.send("turn/start", input("one"))
		second := s.send("turn/start", input("two"))
		turnOf := func(id int) string {
			var res struct {
				Turn struct {
					ID string `json:"id"`
				} `json:"turn"`
			}
			m := s.response(id)
			require.Nil(t, m.Error, m.Raw)
			require.NoError(t, json.Unmarshal(m.Result, &res))
			return res.Turn.ID
		}
		one, two := turnOf(first), turnOf(second)
		assert.Equal(t, one, two, "the second input joined the running turn")
		ns := s.untilTurnCompleted()
		done := ns[len(ns)-1].params["turn"].(map[string]any)
		assert.Equal(t, one, done["id"])
		var texts []any
		for _, n := range ns {
			if n.method == "item/completed" && n.item()["type"] == "userMessage" {
				texts = append(texts, n.item()["content"].([]any)[0].(map[string]any)["text"])
			}
		}
		assert.Equal(t, []any{"one", "two"}, texts)
		// The thread goes on with a turn of its own.
		next := s.startTurn(thread, "three")
		ns = s.untilTurnCompleted()
		assert.Equal(t, next, ns[len(ns)-1].params["turn"].(map[string]any)["id"])
	})
	t.Run("turn/start right after turn/interrupt", func(t *testing.T) {
		stalled := fakemodel.Reply{Events: []fakemodel.SSE{fakemodel.Created(), fakemodel.OutputTextDelta("partial")}, Stall: true}
		s, thread := startV2(t, nil, stalled, answer())
		turn := s.startTurn(thread, "take your time")
		s.take(func(m rpcMessage) bool { return m.Method == "item/agentMessage/delta" }, "the first delta")
		s.send("turn/interrupt", map[string]any{"threadId": thread, "turnId": turn})
		id := s.send("turn/start", map[string]any{"threadId": thread, "input": []any{map[string]any{"type": "text", "text": "again"}}})
		ns := s.untilTurnCompleted()
		interrupted := ns[len(ns)-1].params["turn"].(map[string]any)
		assert.Equal(t, turn, interrupted["id"])
		assert.Equal(t, "interrupted", interrupted["status"])
		var res struct {
			Turn struct {
				ID string `json:"id"`
			} `json:"turn"`
		}
		m := s.response(id)
		require.Nil(t, m.Error, m.Raw)
		require.NoError(t, json.Unmarshal(m.Result, &res))
		assert.NotEqual(t, turn, res.Turn.ID, "the input started a turn of its own")
		ns = s.untilTurnCompleted()
		done := ns[len(ns)-1].params["turn"].(map[string]any)
		assert.Equal(t, res.Turn.ID, done["id"])
		assert.Equal(t, "completed", done["status"])
		assert.Len(t, s.model.Requests(), 2, "the new turn asked the model")
	})
}

func TestArchivingAV2ThreadShutsItDown(t *testing.T) {
	s, _ := startV2(t, nil)
	var started struct {
		Thread struct {
			ID   string `json:"id"`
			Path string `json:"path"`
		} `json:"thread"`
	}
	s.callResult("thread/start", map[string]any{"cwd": s.workDir}, &started)
	s.callResult("archiveConversation", map[string]any{"conversationId": started.Thread.ID, "rolloutPath": started.Thread.Path}, nil)
	m := s.call("turn/start", map[string]any{"threadId": started.Thread.ID, "input": []any{map[string]any{"type": "text", "text": "hi"}}})
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, "thread not found: "+started.Thread.ID, m.Error.Message)
	_, err := os.Stat(started.Thread.Path)
	assert.True(t, os.IsNotExist(err), "the rollout was moved")
}
