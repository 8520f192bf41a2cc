package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

// helloPatch adds hello.txt holding "hello\n".
const helloPatch = "*** Begin Patch\n*** Add File: hello.txt\n+hello\n*** End Patch\n"

// helloSummary is what applying helloPatch reports.
const helloSummary = "Success. Updated the following files:\nA hello.txt\n"

// writeScript writes out.txt and prints it; a read-only sandbox denies it.
const writeScript = "echo hi > out.txt; cat out.txt"

// startModel starts a fake provider answering the scripted replies in order
// and an initialised app server using it. env adds entries to the server's
// environment.
func startModel(t *testing.T, env []string, replies ...fakemodel.Reply) (*appServer, *fakemodel.Server) {
	t.Helper()
	model := fakemodel.Start(fakemodel.Script(replies...))
	t.Cleanup(model.Close)
	s := startAppServer(t, serverEnv{config: mockConfig(model.URL, 0, 0), env: env})
	s.initialize()
	return s, model
}

// answer is the model's closing text reply.
func answer() fakemodel.Reply { return fakemodel.TextDeltas([]string{"Hello from mock"}) }

// shellCall is a reply asking for one shell call with args.
func shellCall(callID string, args map[string]any) fakemodel.Reply {
	b, err := json.Marshal(args)
	if err != nil {
		panic(err)
	}
	return fakemodel.FunctionCall(callID, "shell", string(b))
}

// bashCall is a reply asking for `bash -lc script`.
func bashCall(callID, script string) fakemodel.Reply {
	return shellCall(callID, map[string]any{"command": []string{"bash", "-lc", script}})
}

// customPatchCall is a reply asking for a free-form apply_patch call.
func customPatchCall(callID, patch string) fakemodel.Reply {
	return fakemodel.Turn(fakemodel.ItemDone(protocol.ResponseItem{
		Type:   protocol.ItemCustomToolCall,
		ID:     "ctc_1",
		Status: "completed",
		CallID: callID,
		Name:   "apply_patch",
		Input:  patch,
	}))
}

// startConversation starts a conversation with params and listens to it.
func startConversation(s *appServer, params map[string]any) string {
	s.t.Helper()
	conv, _ := s.newConversation(params)
	s.listen(conv)
	return conv
}

// decodeMsg decodes params.msg of an event notification.
func decodeMsg[T any](t *testing.T, m rpcMessage) T {
	t.Helper()
	var p struct {
		Msg T `json:"msg"`
	}
	require.NoError(t, json.Unmarshal(m.Params, &p), m.Raw)
	return p.Msg
}

// msgsOf decodes the msg of every event of one type.
func msgsOf[T any](t *testing.T, events []rpcMessage, eventType string) []T {
	t.Helper()
	var out []T
	for _, ev := range events {
		if ev.eventType() == eventType {
			out = append(out, decodeMsg[T](t, ev))
		}
	}
	return out
}

// indexOf returns the position of the first event of a type, or -1.
func indexOf(events []rpcMessage, eventType string) int {
	for i, ev := range events {
		if ev.eventType() == eventType {
			return i
		}
	}
	return -1
}

// countOf counts the events of a type.
func countOf(events []rpcMessage, eventType string) int {
	n := 0
	for _, ev := range events {
		if ev.eventType() == eventType {
			n++
		}
	}
	return n
}

// modelToolOutput returns the type and output of the last input item of
// the n-th model request, which answers a tool call.
func modelToolOutput(t *testing.T, model *fakemodel.Server, n int) (itemType, output string) {
	t.Helper()
	reqs := model.Requests()
	require.Greater(t, len(reqs), n, "model requests")
	var body struct {
		Input []struct {
			Type   string `json:"type"`
			Output string `json:"output"`
		} `json:"input"`
	}
	require.NoError(t, json.Unmarshal(reqs[n].Body, &body))
	require.NotEmpty(t, body.Input)
	last := body.Input[len(body.Input)-1]
	return last.Type, last.Output
}

// shellOutput is the JSON a shell call's output holds.
type shellOutput struct {
	Output   string `json:"output"`
	Metadata struct {
		ExitCode int `json:"exit_code"`
	} `json:"metadata"`
}

// decodeShellOutput decodes a shell call's output.
func decodeShellOutput(t *testing.T, output string) shellOutput {
	t.Helper()
	var out shellOutput
	require.NoError(t, json.Unmarshal([]byte(output), &out), output)
	return out
}

// requestTools lists "type/name" of the tools of the n-th model request.
func requestTools(t *testing.T, model *fakemodel.Server, n int) []string {
	t.Helper()
	reqs := model.Requests()
	require.Greater(t, len(reqs), n, "model requests")
	var body struct {
		Tools []struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"tools"`
	}
	require.NoError(t, json.Unmarshal(reqs[n].Body, &body))
	var out []string
	for _, tool := range body.Tools {
		out = append(out, tool.Type+"/"+tool.Name)
	}
	return out
}

// pendingServerRequests lists the server requests read but not consumed.
func (s *appServer) pendingServerRequests() []string {
	var out []string
	for _, m := range s.backlog() {
		if m.isServerRequest() {
			out = append(out, m.Raw)
		}
	}
	return out
}

// approvalParams are the params of execCommandApproval.
type approvalParams struct {
	ConversationID string   `json:"conversationId"`
	CallID         string   `json:"callId"`
	Command        []string `json:"command"`
	Cwd            string   `json:"cwd"`
	Reason         *string  `json:"reason"`
}

// decodeApproval decodes the params of an execCommandApproval request.
func decodeApproval(t *testing.T, m rpcMessage) approvalParams {
	t.Helper()
	var p approvalParams
	require.NoError(t, json.Unmarshal(m.Params, &p), m.Raw)
	return p
}

// processesRunning lists the running (not zombie) processes whose command
// line is argv. Commands may run in PID namespaces of their own, where the
// numbers they see mean nothing outside, so tests find them by command line.
func processesRunning(argv ...string) []int {
	want := strings.Join(argv, "\x00") + "\x00"
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil || string(cmdline) != want {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 {
			if f := strings.Fields(string(stat[i+1:])); len(f) > 0 && (f[0] == "Z" || f[0] == "X") {
				continue
			}
		}
		pids = append(pids, pid)
	}
	return pids
}

func TestUntrustedCommandApproval(t *testing.T) {
	tests := []struct {
		decision string
		// written says whether out.txt must exist afterwards.
		written bool
		// check inspects the command's end event and the output the model got.
		check func(t *testing.T, end protocol.ExecCommandEndEvent, output string)
	}{
		{
			decision: "approved",
			written:  true,
			check: func(t *testing.T, end protocol.ExecCommandEndEvent, output string) {
				assert.Equal(t, 0, end.ExitCode)
				assert.Equal(t, "hi\n", end.Stdout)
				out := decodeShellOutput(t, output)
				assert.Equal(t, "hi\n", out.Output)
				assert.Equal(t, 0, out.Metadata.ExitCode)
			},
		},
		{
			decision: "denied",
			written:  false,
			check: func(t *testing.T, end protocol.ExecCommandEndEvent, output string) {
				assert.Equal(t, protocol.ExecCommandEndEvent{
					CallID: "call1", Stderr: "exec command rejected by user", AggregatedOutput: "exec command rejected by user",
					ExitCode: -1, FormattedOutput: "exec command rejected by user",
				}, end)
				assert.Equal(t, "exec command rejected by user", output)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.decision, func(t *testing.T) {
			s, model := startModel(t, nil, bashCall("call1", writeScript), answer())
			conv := startConversation(s, map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write", "cwd": s.workDir})
			s.sendText(conv, "write it")

			req := s.serverRequest("execCommandApproval")
			p := decodeApproval(t, req)
			assert.Equal(t, approvalParams{ConversationID: conv, CallID: "call1", Command: []string{"bash", "-lc", writeScript}, Cwd: s.workDir}, p)
			s.respond(req.ID, map[string]any{"decision": tt.decision})
			events := s.eventsUntil(conv, "task_complete")

			ends := msgsOf[protocol.ExecCommandEndEvent](t, events, "exec_command_end")
			require.Len(t, ends, 1, rawLines(events))
			_, output := modelToolOutput(t, model, 1)
			tt.check(t, ends[0], output)
			assert.Equal(t, 1, countOf(events, "exec_approval_request"))
			assert.Equal(t, []string{"Hello from mock"}, eventMessages(events, "agent_message"))

			_, err := os.Stat(filepath.Join(s.workDir, "out.txt"))
			if tt.written {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, os.ErrNotExist)
			}
		})
	}
}

func TestUntrustedAbortEndsTurn(t *testing.T) {
	s, model := startModel(t, nil, bashCall("call1", writeScript), answer())
	conv := startConversation(s, map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write", "cwd": s.workDir})
	s.sendText(conv, "write it")

	req := s.serverRequest("execCommandApproval")
	s.respond(req.ID, map[string]any{"decision": "abort"})
	events := s.eventsUntil(conv, "turn_aborted")
	assert.Equal(t, protocol.TurnAbortedEvent{Reason: protocol.AbortInterrupted}, decodeMsg[protocol.TurnAbortedEvent](t, events[len(events)-1]))
	assert.Equal(t, -1, indexOf(events, "task_complete"), rawLines(events))
	assert.NoFileExists(t, filepath.Join(s.workDir, "out.txt"))

	// The next turn starts afresh: the aborted one never completes and the
	// model was not asked to go on with it.
	s.sendText(conv, "something else")
	next := s.eventsUntil(conv, "task_complete")
	assert.Equal(t, "task_started", next[0].eventType(), rawLines(next))
	assert.NotContains(t, next[0].Raw, `"id":"0"`)
	assert.Equal(t, 1, countOf(next, "task_complete"))
	assert.Len(t, model.Requests(), 2)
	assert.NoFileExists(t, filepath.Join(s.workDir, "out.txt"))
}

func TestUntrustedApprovedForSession(t *testing.T) {
	const script = "echo one >> log.txt"
	s, _ := startModel(t, nil, bashCall("call1", script), answer(), bashCall("call2", script), answer())
	conv := startConversation(s, map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write", "cwd": s.workDir})

	s.sendText(conv, "first")
	req := s.serverRequest("execCommandApproval")
	s.respond(req.ID, map[string]any{"decision": "approved_for_session"})
	first := s.eventsUntil(conv, "task_complete")
	require.Len(t, msgsOf[protocol.ExecCommandEndEvent](t, first, "exec_command_end"), 1)

	// The same command in a later turn runs without asking again.
	s.sendText(conv, "second")
	second := s.eventsUntil(conv, "task_complete")
	assert.Equal(t, -1, indexOf(second, "exec_approval_request"), rawLines(second))
	assert.Empty(t, s.pendingServerRequests())
	ends := msgsOf[protocol.ExecCommandEndEvent](t, second, "exec_command_end")
	require.Len(t, ends, 1, rawLines(second))
	assert.Equal(t, "call2", ends[0].CallID)
	assert.Equal(t, 0, ends[0].ExitCode, ends[0].Stderr)

	content, err := os.ReadFile(filepath.Join(s.workDir, "log.txt"))
	require.NoError(t, err)
	assert.Equal(t, "one\none\n", string(content))
}

func TestUntrustedKnownSafeCommandRunsWithoutAsking(t *testing.T) {
	s, model := startModel(t, nil, shellCall("call1", map[string]any{"command": []string{"ls"}}), answer())
	require.NoError(t, os.WriteFile(filepath.Join(s.workDir, "marker.txt"), nil, 0o600))
	conv := startConversation(s, map[string]any{"approvalPolicy": "untrusted", "sandbox": "read-only", "cwd": s.workDir})
	s.sendText(conv, "list")
	events := s.eventsUntil(conv, "task_complete")

	assert.Equal(t, -1, indexOf(events, "exec_approval_request"), rawLines(events))
	assert.Empty(t, s.pendingServerRequests())
	ends := msgsOf[protocol.ExecCommandEndEvent](t, events, "exec_command_end")
	require.Len(t, ends, 1)
	assert.Equal(t, 0, ends[0].ExitCode)
	assert.Equal(t, "marker.txt\n", ends[0].Stdout)
	_, output := modelToolOutput(t, model, 1)
	assert.Equal(t, "marker.txt\n", decodeShellOutput(t, output).Output)
}

func TestOnFailureAsksToRetryWithoutSandbox(t *testing.T) {
	s, model := startModel(t, nil, bashCall("call1", writeScript), answer())
	conv := startConversation(s, map[string]any{"approvalPolicy": "on-failure", "sandbox": "read-only", "cwd": s.workDir})
	s.sendText(conv, "write it")

	req := s.serverRequest("execCommandApproval")
	p := decodeApproval(t, req)
	require.NotNil(t, p.Reason, req.Raw)
	assert.Equal(t, "command failed; retry without sandbox?", *p.Reason)
	assert.Equal(t, []string{"bash", "-lc", writeScript}, p.Command)
	s.respond(req.ID, map[string]any{"decision": "approved"})
	events := s.eventsUntil(conv, "task_complete")

	notes := eventMessages(events, "background_event")
	require.Len(t, notes, 2, rawLines(events))
	assert.True(t, strings.HasPrefix(notes[0], "Execution failed: sandbox denied exec error, exit code: 1, stdout: , stderr: "), notes[0])
	assert.Regexp(t, "Permission denied|Read-only file system", notes[0])
	assert.Equal(t, "retrying command without sandbox", notes[1])

	assert.Equal(t, 1, countOf(events, "exec_command_begin"))
	ends := msgsOf[protocol.ExecCommandEndEvent](t, events, "exec_command_end")
	require.Len(t, ends, 1, rawLines(events))
	assert.Equal(t, 0, ends[0].ExitCode)
	assert.Equal(t, "hi\n", ends[0].Stdout)
	approvals := msgsOf[protocol.ExecApprovalRequestEvent](t, events, "exec_approval_request")
	require.Len(t, approvals, 1)
	require.NotNil(t, approvals[0].Reason)
	assert.Equal(t, "command failed; retry without sandbox?", *approvals[0].Reason)
	// Denial, question, retry, end: in this order.
	assert.Less(t, indexOf(events, "background_event"), indexOf(events, "exec_approval_request"))
	assert.Less(t, indexOf(events, "exec_approval_request"), indexOf(events, "exec_command_end"))

	content, err := os.ReadFile(filepath.Join(s.workDir, "out.txt"))
	require.NoError(t, err)
	assert.Equal(t, "hi\n", string(content))
	_, output := modelToolOutput(t, model, 1)
	assert.Equal(t, "hi\n", decodeShellOutput(t, output).Output)
}

func TestOnRequestEscalationAsksWithJustification(t *testing.T) {
	const justification = "esc.txt must be written outside the sandbox"
	s, _ := startModel(t, nil, shellCall("call1", map[string]any{
		"command":                    []string{"bash", "-lc", "echo up > esc.txt"},
		"with_escalated_permissions": true,
		"justification":              justification,
	}), answer())
	conv := startConversation(s, map[string]any{"approvalPolicy": "on-request", "sandbox": "read-only", "cwd": s.workDir})
	s.sendText(conv, "escalate")

	req := s.serverRequest("execCommandApproval")
	p := decodeApproval(t, req)
	require.NotNil(t, p.Reason, req.Raw)
	assert.Equal(t, justification, *p.Reason)
	s.respond(req.ID, map[string]any{"decision": "approved"})
	events := s.eventsUntil(conv, "task_complete")

	ends := msgsOf[protocol.ExecCommandEndEvent](t, events, "exec_command_end")
	require.Len(t, ends, 1)
	assert.Equal(t, 0, ends[0].ExitCode, ends[0].Stderr)
	// The approved command ran outside the read-only sandbox.
	content, err := os.ReadFile(filepath.Join(s.workDir, "esc.txt"))
	require.NoError(t, err)
	assert.Equal(t, "up\n", string(content))
}

func TestNeverReportsSandboxFailure(t *testing.T) {
	s, model := startModel(t, nil, bashCall("call1", writeScript), answer())
	conv := startConversation(s, map[string]any{"approvalPolicy": "never", "sandbox": "read-only", "cwd": s.workDir})
	s.sendText(conv, "write it")
	events := s.eventsUntil(conv, "task_complete")

	assert.Equal(t, -1, indexOf(events, "exec_approval_request"), rawLines(events))
	assert.Empty(t, s.pendingServerRequests())
	ends := msgsOf[protocol.ExecCommandEndEvent](t, events, "exec_command_end")
	require.Len(t, ends, 1, rawLines(events))
	end := ends[0]
	assert.Equal(t, -1, end.ExitCode)
	assert.Equal(t, protocol.Duration{}, end.Duration)
	assert.Empty(t, end.Stdout)
	assert.True(t, strings.HasPrefix(end.Stderr, "failed in sandbox: "), end.Stderr)
	assert.Regexp(t, "Permission denied|Read-only file system", end.Stderr)
	assert.Equal(t, end.Stderr, end.AggregatedOutput)
	assert.Equal(t, end.Stderr, end.FormattedOutput)

	_, output := modelToolOutput(t, model, 1)
	assert.Equal(t, end.Stderr, output)
	assert.NoFileExists(t, filepath.Join(s.workDir, "out.txt"))
}

func TestApplyPatchFreeformAutoApproved(t *testing.T) {
	s, model := startModel(t, nil, customPatchCall("call1", helloPatch), answer())
	conv := startConversation(s, map[string]any{
		"model": "gpt-5", "includeApplyPatchTool": true,
		"approvalPolicy": "on-request", "sandbox": "workspace-write", "cwd": s.workDir,
	})
	s.sendText(conv, "patch it")
	events := s.eventsUntil(conv, "task_complete")

	assert.Contains(t, requestTools(t, model, 0), "custom/apply_patch")
	target := filepath.Join(s.workDir, "hello.txt")
	begins := msgsOf[protocol.PatchApplyBeginEvent](t, events, "patch_apply_begin")
	require.Len(t, begins, 1, rawLines(events))
	assert.Equal(t, protocol.PatchApplyBeginEvent{
		CallID: "call1", AutoApproved: true,
		Changes: map[string]protocol.FileChange{target: {Add: &protocol.FileAdd{Content: "hello\n"}}},
	}, begins[0])
	assert.Equal(t, []protocol.PatchApplyEndEvent{{CallID: "call1", Stdout: helloSummary, Success: true}},
		msgsOf[protocol.PatchApplyEndEvent](t, events, "patch_apply_end"))
	diffs := msgsOf[protocol.TurnDiffEvent](t, events, "turn_diff")
	require.NotEmpty(t, diffs, rawLines(events))
	assert.Regexp(t, `(?m)^\+\+\+ b/(.*/)?hello\.txt$`, diffs[0].UnifiedDiff)
	assert.Contains(t, diffs[0].UnifiedDiff, "new file mode 100644\n")
	assert.Contains(t, diffs[0].UnifiedDiff, "\n+hello\n")
	assert.Equal(t, -1, indexOf(events, "apply_patch_approval_request"))
	assert.Equal(t, -1, indexOf(events, "exec_command_begin"))

	content, err := os.ReadFile(target)
	require.NoError(t, err)
	assert.Equal(t, "hello\n", string(content))
	itemType, output := modelToolOutput(t, model, 1)
	assert.Equal(t, protocol.ItemCustomToolCallOutput, itemType)
	assert.True(t, strings.HasPrefix(output, "Exit code: 0\n"), output)
	assert.True(t, strings.HasSuffix(output, "Output:\n"+helloSummary), output)
}

func TestApplyPatchUntrustedAsks(t *testing.T) {
	tests := []struct {
		decision   string
		written    bool
		wantOutput func(t *testing.T, output string)
	}{
		{"approved", true, func(t *testing.T, output string) {
			assert.True(t, strings.HasPrefix(output, "Exit code: 0\n"), output)
		}},
		{"denied", false, func(t *testing.T, output string) {
			assert.Equal(t, "patch rejected by user", output)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.decision, func(t *testing.T) {
			s, model := startModel(t, nil, customPatchCall("call1", helloPatch), answer())
			conv := startConversation(s, map[string]any{
				"model": "gpt-5", "includeApplyPatchTool": true,
				"approvalPolicy": "untrusted", "sandbox": "workspace-write", "cwd": s.workDir,
			})
			s.sendText(conv, "patch it")

			target := filepath.Join(s.workDir, "hello.txt")
			req := s.serverRequest("applyPatchApproval")
			path, err := json.Marshal(target)
			require.NoError(t, err)
			assert.Equal(t, fmt.Sprintf(`{"method":"applyPatchApproval","id":0,"params":{"conversationId":%q,"callId":"call1","fileChanges":{%s:{"add":{"content":"hello\n"}}}}}`, conv, path), req.Raw)
			s.respond(req.ID, map[string]any{"decision": tt.decision})
			events := s.eventsUntil(conv, "task_complete")

			assert.Equal(t, 1, countOf(events, "apply_patch_approval_request"))
			begins := msgsOf[protocol.PatchApplyBeginEvent](t, events, "patch_apply_begin")
			_, statErr := os.Stat(target)
			if tt.written {
				require.Len(t, begins, 1, rawLines(events))
				assert.False(t, begins[0].AutoApproved)
				assert.NoError(t, statErr)
			} else {
				assert.Empty(t, begins, rawLines(events))
				assert.ErrorIs(t, statErr, os.ErrNotExist)
			}
			itemType, output := modelToolOutput(t, model, 1)
			assert.Equal(t, protocol.ItemCustomToolCallOutput, itemType)
			tt.wantOutput(t, output)
		})
	}
}

func TestApplyPatchThroughShell(t *testing.T) {
	s, model := startModel(t, nil, shellCall("call1", map[string]any{"command": []string{"apply_patch", helloPatch}}), answer())
	conv := startConversation(s, map[string]any{"approvalPolicy": "on-request", "sandbox": "workspace-write", "cwd": s.workDir})
	s.sendText(conv, "patch it")
	events := s.eventsUntil(conv, "task_complete")

	assert.Equal(t, -1, indexOf(events, "exec_command_begin"), rawLines(events))
	assert.Equal(t, -1, indexOf(events, "exec_command_end"))
	begins := msgsOf[protocol.PatchApplyBeginEvent](t, events, "patch_apply_begin")
	require.Len(t, begins, 1, rawLines(events))
	assert.True(t, begins[0].AutoApproved)
	assert.Equal(t, []protocol.PatchApplyEndEvent{{CallID: "call1", Stdout: helloSummary, Success: true}},
		msgsOf[protocol.PatchApplyEndEvent](t, events, "patch_apply_end"))

	content, err := os.ReadFile(filepath.Join(s.workDir, "hello.txt"))
	require.NoError(t, err)
	assert.Equal(t, "hello\n", string(content))
	itemType, output := modelToolOutput(t, model, 1)
	assert.Equal(t, protocol.ItemFunctionCallOutput, itemType)
	out := decodeShellOutput(t, output)
	assert.Equal(t, helloSummary, out.Output)
	assert.Equal(t, 0, out.Metadata.ExitCode)
}

func TestApplyPatchOutsideWritableRootsRejectedUnderNever(t *testing.T) {
	root := t.TempDir()
	ws := filepath.Join(root, "ws")
	outside := filepath.Join(root, "outside")
	require.NoError(t, os.Mkdir(ws, 0o755))
	require.NoError(t, os.Mkdir(outside, 0o755))
	target := filepath.Join(outside, "new.txt")
	patch := "*** Begin Patch\n*** Add File: " + target + "\n+nope\n*** End Patch\n"

	s, model := startModel(t, nil, customPatchCall("call1", patch), answer())
	// The temporary directories are not writable roots here, so that only
	// ws is.
	conv := startConversation(s, map[string]any{
		"model": "gpt-5", "includeApplyPatchTool": true,
		"approvalPolicy": "never", "sandbox": "workspace-write", "cwd": ws,
		"config": map[string]any{"sandbox_workspace_write": map[string]any{"exclude_slash_tmp": true, "exclude_tmpdir_env_var": true}},
	})
	s.sendText(conv, "patch it")
	events := s.eventsUntil(conv, "task_complete")

	assert.Equal(t, -1, indexOf(events, "apply_patch_approval_request"), rawLines(events))
	assert.Equal(t, -1, indexOf(events, "patch_apply_begin"))
	assert.Empty(t, s.pendingServerRequests())
	assert.NoFileExists(t, target)
	itemType, output := modelToolOutput(t, model, 1)
	assert.Equal(t, protocol.ItemCustomToolCallOutput, itemType)
	assert.Contains(t, output, target)
}

func TestUpdatePlanEmitsPlanUpdate(t *testing.T) {
	args := `{"explanation":"two steps","plan":[{"step":"read the code","status":"completed"},{"step":"write the fix","status":"in_progress"}]}`
	s, model := startModel(t, nil, fakemodel.FunctionCall("call1", "update_plan", args), answer())
	conv := startConversation(s, map[string]any{"includePlanTool": true, "cwd": s.workDir})
	s.sendText(conv, "plan")
	events := s.eventsUntil(conv, "task_complete")

	assert.Contains(t, requestTools(t, model, 0), "function/update_plan")
	plans := msgsOf[protocol.PlanUpdateEvent](t, events, "plan_update")
	require.Len(t, plans, 1, rawLines(events))
	explanation := "two steps"
	assert.Equal(t, protocol.PlanUpdateEvent{
		Explanation: &explanation,
		Plan: []protocol.PlanItem{
			{Step: "read the code", Status: "completed"},
			{Step: "write the fix", Status: "in_progress"},
		},
	}, plans[0])
	_, output := modelToolOutput(t, model, 1)
	assert.Equal(t, "Plan updated", output)
}

func TestShellTimeoutKillsProcessGroup(t *testing.T) {
	// A duration no other process uses, to find the background sleep by.
	duration := fmt.Sprintf("30.%d", time.Now().UnixNano()%1000000)
	s, model := startModel(t, nil, shellCall("call1", map[string]any{
		"command":    []string{"bash", "-lc", "sleep " + duration + " & touch started; wait"},
		"timeout_ms": 500,
	}), answer())
	conv := startConversation(s, map[string]any{"approvalPolicy": "never", "sandbox": "workspace-write", "cwd": s.workDir})
	s.sendText(conv, "wait")
	events := s.eventsUntil(conv, "task_complete")

	ends := msgsOf[protocol.ExecCommandEndEvent](t, events, "exec_command_end")
	require.Len(t, ends, 1, rawLines(events))
	assert.Equal(t, 124, ends[0].ExitCode)
	_, output := modelToolOutput(t, model, 1)
	out := decodeShellOutput(t, output)
	assert.Equal(t, 124, out.Metadata.ExitCode)
	assert.Contains(t, out.Output, "timed out")

	require.FileExists(t, filepath.Join(s.workDir, "started"), "the background sleep was started")
	deadline := time.Now().Add(waitLimit)
	for len(processesRunning("sleep", duration)) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.Empty(t, processesRunning("sleep", duration), "the background sleep survived the timeout")
}

func TestShellEnvironmentDropsSecrets(t *testing.T) {
	s, model := startModel(t, []string{"OPENAI_API_KEY=sk-test-secret", "CODEX_TEST_VISIBLE=visible"},
		shellCall("call1", map[string]any{"command": []string{"printenv", "OPENAI_API_KEY", "CODEX_TEST_VISIBLE"}}), answer())
	conv := startConversation(s, map[string]any{"approvalPolicy": "never", "sandbox": "workspace-write", "cwd": s.workDir})
	s.sendText(conv, "env")
	events := s.eventsUntil(conv, "task_complete")

	ends := msgsOf[protocol.ExecCommandEndEvent](t, events, "exec_command_end")
	require.Len(t, ends, 1, rawLines(events))
	// printenv prints the variables it finds and fails for the missing one.
	assert.Equal(t, "visible\n", ends[0].Stdout)
	assert.Equal(t, 1, ends[0].ExitCode)
	_, output := modelToolOutput(t, model, 1)
	assert.NotContains(t, output, "sk-test-secret")
	assert.Equal(t, "visible\n", decodeShellOutput(t, output).Output)
}

func TestExecOneOffCommandOverStdio(t *testing.T) {
	s := startAppServer(t, serverEnv{config: `model = "gpt-5"` + "\n"})
	s.initialize()
	outside := t.TempDir()

	m := s.call("execOneOffCommand", map[string]any{
		"command":       []string{"bash", "-c", "echo out; echo err >&2; exit 3"},
		"sandboxPolicy": map[string]any{"mode": "danger-full-access"},
	})
	assert.Equal(t, fmt.Sprintf(`{"id":%s,"result":{"exitCode":3,"stdout":"out\n","stderr":"err\n"}}`, m.ID), m.Raw)

	// The configured policy (read-only by default) applies through the
	// sandbox helper.
	denied := filepath.Join(outside, "denied")
	var res struct {
		ExitCode int    `json:"exitCode"`
		Stderr   string `json:"stderr"`
	}
	s.callResult("execOneOffCommand", map[string]any{"command": []string{"touch", denied}}, &res)
	assert.NotZero(t, res.ExitCode)
	assert.Regexp(t, "Permission denied|Read-only file system", res.Stderr)
	assert.NoFileExists(t, denied)

	m = s.call("execOneOffCommand", map[string]any{"command": []string{}})
	assert.Equal(t, fmt.Sprintf(`{"error":{"code":-32600,"message":"command must not be empty"},"id":%s}`, m.ID), m.Raw)
}
