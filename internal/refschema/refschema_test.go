package refschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func committedSchema(t *testing.T) *Schema {
	t.Helper()
	s, err := Committed()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMethodLists(t *testing.T) {
	s := committedSchema(t)
	for _, tc := range []struct {
		list []string
		want []string
	}{
		{s.Methods(), []string{"initialize", "thread/start", "thread/resume", "turn/start", "turn/interrupt", "account/logout", "fuzzyFileSearch"}},
		{s.Notifications(), []string{"thread/started", "turn/started", "turn/completed", "item/started", "item/completed", "item/agentMessage/delta", "serverRequest/resolved"}},
		{s.ServerRequests(), []string{"item/commandExecution/requestApproval", "item/fileChange/requestApproval"}},
	} {
		for _, m := range tc.want {
			if !slices.Contains(tc.list, m) {
				t.Errorf("%q missing from %v", m, tc.list)
			}
		}
		sorted := slices.Clone(tc.list)
		slices.Sort(sorted)
		if len(slices.Compact(sorted)) != len(tc.list) {
			t.Errorf("duplicate methods in %v", tc.list)
		}
	}
	// Experimental methods are not in the stable schema.
	if slices.Contains(s.Methods(), "thread/realtime/start") {
		t.Error("thread/realtime/start is experimental, yet listed")
	}
	if _, err := s.Request("newConversation"); err == nil {
		t.Error("Request(newConversation): want an error")
	}
}

// Every method has a params definition and, but for the one whose result
// type the reference does not publish, a result definition; and every
// result file of the schema is the result of some method.
func TestEveryEndpointResolves(t *testing.T) {
	s := committedSchema(t)
	results := map[string]bool{}
	check := func(kind string, ep *Endpoint, err error, wantResult bool) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if ep.Params == nil {
			t.Errorf("%s %s: no params definition", kind, ep.Method)
		} else if sh := ep.Params.Shape(); sh.Name == "" && len(sh.Types) == 0 && !sh.Nullable {
			t.Errorf("%s %s: params do not resolve: %+v", kind, ep.Method, sh)
		}
		switch {
		case wantResult && ep.Result == nil:
			t.Errorf("%s %s: no result definition", kind, ep.Method)
		case !wantResult && ep.Result != nil:
			t.Errorf("%s %s: unexpected result definition %s", kind, ep.Method, ep.Result.Name())
		case ep.Result != nil:
			results[ep.Result.Name()] = true
		}
	}
	for _, m := range s.Methods() {
		ep, err := s.Request(m)
		check("request", ep, err, m != "modelProvider/default/set")
	}
	for _, m := range s.Notifications() {
		ep, err := s.Notification(m)
		check("notification", ep, err, false)
	}
	for _, m := range s.ServerRequests() {
		ep, err := s.ServerRequest(m)
		check("server request", ep, err, true)
	}

	dir, err := committedDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range typeDirs {
		files, err := filepath.Glob(filepath.Join(dir, sub, "*Response.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := strings.TrimSuffix(filepath.Base(f), ".json")
			if !results[name] && name != "JSONRPCResponse" {
				t.Errorf("%s is the result of no method", name)
			}
		}
	}
}

func TestEndpointDefinitions(t *testing.T) {
	s := committedSchema(t)
	ep, err := s.Request("thread/start")
	if err != nil {
		t.Fatal(err)
	}
	if got := ep.Params.Name(); got != "ThreadStartParams" {
		t.Errorf("thread/start params: %q", got)
	}
	if got := ep.Result.Name(); got != "ThreadStartResponse" {
		t.Errorf("thread/start result: %q", got)
	}
	if !ep.ParamsRequired {
		t.Error("thread/start: params should be required")
	}

	ep, err = s.Request("config/value/write")
	if err != nil {
		t.Fatal(err)
	}
	if got := ep.Result.Name(); got != "ConfigWriteResponse" {
		t.Errorf("config/value/write result: %q", got)
	}

	// account/logout takes no params: the member may be absent or null.
	ep, err = s.Request("account/logout")
	if err != nil {
		t.Fatal(err)
	}
	if ep.ParamsRequired {
		t.Error("account/logout: params should be optional")
	}
	if err := ep.ValidateParams(nil); err != nil {
		t.Errorf("account/logout without params: %v", err)
	}
	if err := ep.ValidateParams([]byte("null")); err != nil {
		t.Errorf("account/logout with null params: %v", err)
	}
	if err := ep.ValidateParams([]byte(`{"x":1}`)); err == nil {
		t.Error("account/logout with object params: want an error")
	}

	ep, err = s.Notification("item/completed")
	if err != nil {
		t.Fatal(err)
	}
	if got := ep.Params.Name(); got != "ItemCompletedNotification" {
		t.Errorf("item/completed params: %q", got)
	}
	if err := ep.ValidateResult([]byte("{}")); err == nil {
		t.Error("a notification has no result: want an error")
	}

	ep, err = s.ServerRequest("item/commandExecution/requestApproval")
	if err != nil {
		t.Fatal(err)
	}
	if got := ep.Result.Name(); got != "CommandExecutionRequestApprovalResponse" {
		t.Errorf("requestApproval result: %q", got)
	}
}

func TestShapes(t *testing.T) {
	s := committedSchema(t)

	sh, err := s.Shape("ThreadStartResponse")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"thread", "model", "cwd", "approvalPolicy", "sandbox"} {
		if !slices.Contains(sh.Properties, p) || !slices.Contains(sh.Required, p) {
			t.Errorf("ThreadStartResponse: %q should be a required property: %+v", p, sh)
		}
	}
	if !slices.Contains(sh.Properties, "serviceTier") || slices.Contains(sh.Required, "serviceTier") {
		t.Errorf("ThreadStartResponse: serviceTier should be optional: %+v", sh)
	}
	if sh.AdditionalProperties || sh.Nullable || !slices.Equal(sh.Types, []string{"object"}) {
		t.Errorf("ThreadStartResponse: %+v", sh)
	}

	sh, err = s.Shape("CommandExecutionStatus")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"inProgress", "completed", "failed", "declined"}; !slices.Equal(sh.Enum, want) {
		t.Errorf("CommandExecutionStatus enum %v, want %v", sh.Enum, want)
	}

	// A tagged union, and one of its variants.
	sh, err = s.Shape("ThreadItem")
	if err != nil {
		t.Fatal(err)
	}
	if sh.Tag != "type" || len(sh.TagValues) != len(sh.Variants) {
		t.Fatalf("ThreadItem: tag %q, values %v", sh.Tag, sh.TagValues)
	}
	for _, v := range []string{"userMessage", "agentMessage", "commandExecution", "fileChange", "reasoning"} {
		if !slices.Contains(sh.TagValues, v) {
			t.Errorf("ThreadItem: no variant %q in %v", v, sh.TagValues)
		}
	}
	item, err := s.Definition("ThreadItem")
	if err != nil {
		t.Fatal(err)
	}
	cmd, ok := item.Variant("commandExecution")
	if !ok {
		t.Fatal("ThreadItem: no commandExecution variant")
	}
	csh := cmd.Shape()
	if csh.Name != "CommandExecutionThreadItem" {
		t.Errorf("commandExecution variant named %q", csh.Name)
	}
	for _, p := range []string{"id", "command", "cwd", "status", "commandActions"} {
		if !slices.Contains(csh.Required, p) {
			t.Errorf("commandExecution item: %q should be required: %v", p, csh.Required)
		}
	}
	status, ok := cmd.Property("status")
	if !ok {
		t.Fatal("commandExecution item: no status property")
	}
	if got := status.Shape(); got.Name != "CommandExecutionStatus" || len(got.Enum) != 4 {
		t.Errorf("commandExecution status: %+v", got)
	}

	// A nullable property ($ref in an anyOf with null) whose type is a
	// union of a string enumeration and an object.
	ep, err := s.Request("thread/start")
	if err != nil {
		t.Fatal(err)
	}
	ap, ok := ep.Params.Property("approvalPolicy")
	if !ok {
		t.Fatal("ThreadStartParams: no approvalPolicy")
	}
	ash := ap.Shape()
	if ash.Name != "AskForApproval" || !ash.Nullable {
		t.Errorf("approvalPolicy: %+v", ash)
	}
	for _, v := range []string{"untrusted", "on-request", "never"} {
		if !slices.Contains(ash.Enum, v) {
			t.Errorf("approvalPolicy: %q not in %v", v, ash.Enum)
		}
	}

	// An array's items.
	ep, err = s.Request("turn/start")
	if err != nil {
		t.Fatal(err)
	}
	input, ok := ep.Params.Property("input")
	if !ok {
		t.Fatal("TurnStartParams: no input")
	}
	elem, ok := input.Items()
	if !ok {
		t.Fatal("TurnStartParams.input: no items")
	}
	if got := elem.Shape(); got.Name != "UserInput" || got.Tag != "type" || !slices.Contains(got.TagValues, "text") {
		t.Errorf("TurnStartParams.input items: %+v", got)
	}

	if _, err := s.Shape("NoSuchType"); err == nil {
		t.Error("Shape(NoSuchType): want an error")
	}
}

// transcriptLine is one line of a capture: a message and its direction.
type transcriptLine struct {
	Dir string `json:"dir"`
	Msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
		Result json.RawMessage `json:"result"`
	} `json:"msg"`
}

func readTranscript(t *testing.T, name string) []transcriptLine {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var out []transcriptLine
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var l transcriptLine
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// endpointOf returns the endpoint of a transcript line and whether the
// line carries params (else a result). pending maps the ids of requests
// sent so far, by direction, to their method.
func endpointOf(s *Schema, l transcriptLine, pending map[string]string) (*Endpoint, bool, error) {
	m := l.Msg
	switch {
	case m.Method != "" && l.Dir == "c2s":
		pending["c2s"+string(m.ID)] = m.Method
		ep, err := s.Request(m.Method)
		return ep, true, err
	case m.Method != "" && m.ID != nil:
		pending["s2c"+string(m.ID)] = m.Method
		ep, err := s.ServerRequest(m.Method)
		return ep, true, err
	case m.Method != "":
		ep, err := s.Notification(m.Method)
		return ep, true, err
	case l.Dir == "s2c":
		ep, err := s.Request(pending["c2s"+string(m.ID)])
		return ep, false, err
	default:
		ep, err := s.ServerRequest(pending["s2c"+string(m.ID)])
		return ep, false, err
	}
}

// The reference's own messages match its schema. They also carry
// properties that only its experimental schema declares, which a strict
// check reports.
func TestReferenceMessagesValidate(t *testing.T) {
	s := committedSchema(t)
	// The properties that the strict check reports, by message.
	wantUnknown := map[string][]string{
		"thread/start result": {
			"$.activePermissionProfile", "$.multiAgentMode", "$.runtimeWorkspaceRoots",
			"$.thread.attachedToThreadId", "$.thread.canAcceptDirectInput",
			"$.thread.daybreakEnabled", "$.thread.environments", "$.thread.extra",
		},
		"item/commandExecution/requestApproval params": {"$.availableDecisions"},
	}
	pending := map[string]string{}
	seen := map[string]bool{}
	for _, l := range readTranscript(t, "shell-approval.jsonl") {
		ep, isParams, err := endpointOf(s, l, pending)
		if err != nil {
			t.Fatal(err)
		}
		validate, what := ep.ValidateResult, ep.Method+" result"
		data := l.Msg.Result
		if isParams {
			validate, what = ep.ValidateParams, ep.Method+" params"
			data = l.Msg.Params
		}
		seen[ep.Method] = true
		if err := validate(data, AllowUnknownProperties()); err != nil {
			t.Errorf("%s: %v", what, err)
		}
		var got []string
		if err := validate(data); err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("%s: %v", what, err)
			}
			for _, p := range ve.Problems {
				if !strings.HasPrefix(p.Message, "unknown property") {
					t.Errorf("%s: %s", what, p)
				}
				got = append(got, p.Path)
			}
		}
		if want := wantUnknown[what]; !slices.Equal(got, want) {
			t.Errorf("%s: unknown properties %v, want %v", what, got, want)
		}
	}
	for _, m := range []string{"thread/start", "turn/start", "item/completed", "turn/completed", "item/commandExecution/requestApproval"} {
		if !seen[m] {
			t.Errorf("the transcript has no %s message", m)
		}
	}
}

// transcriptMessage returns the params or result of the first line of the
// transcript for the method (the result when result is set), decoded.
func transcriptMessage(t *testing.T, method string, result bool) map[string]any {
	t.Helper()
	s := committedSchema(t)
	pending := map[string]string{}
	for _, l := range readTranscript(t, "shell-approval.jsonl") {
		ep, isParams, err := endpointOf(s, l, pending)
		if err != nil {
			t.Fatal(err)
		}
		if ep.Method != method || isParams == result {
			continue
		}
		data := l.Msg.Params
		if result {
			data = l.Msg.Result
		}
		var v map[string]any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	t.Fatalf("no %s message in the transcript", method)
	return nil
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Messages edited to break the contract fail, naming the place.
func TestBrokenMessagesFail(t *testing.T) {
	s := committedSchema(t)
	threadStart, err := s.Request("thread/start")
	if err != nil {
		t.Fatal(err)
	}
	itemCompleted, err := s.Notification("item/completed")
	if err != nil {
		t.Fatal(err)
	}

	// commandItem returns the params of the item/completed notification of
	// the command.
	commandItem := func(t *testing.T) (map[string]any, map[string]any) {
		t.Helper()
		pending := map[string]string{}
		for _, l := range readTranscript(t, "shell-approval.jsonl") {
			if l.Msg.Method != "item/completed" {
				continue
			}
			if _, _, err := endpointOf(s, l, pending); err != nil {
				t.Fatal(err)
			}
			var v map[string]any
			if err := json.Unmarshal(l.Msg.Params, &v); err != nil {
				t.Fatal(err)
			}
			if item := v["item"].(map[string]any); item["type"] == "commandExecution" {
				return v, item
			}
		}
		t.Fatal("no commandExecution item/completed in the transcript")
		return nil, nil
	}

	for _, tc := range []struct {
		name     string
		message  func(t *testing.T) []byte
		validate func([]byte, ...Option) error
		strict   bool // check without AllowUnknownProperties
		want     Problem
	}{
		{
			name: "thread/start result without thread.id",
			message: func(t *testing.T) []byte {
				v := transcriptMessage(t, "thread/start", true)
				delete(v["thread"].(map[string]any), "id")
				return mustJSON(t, v)
			},
			validate: threadStart.ValidateResult,
			want:     Problem{"$.thread", `missing required property "id"`},
		},
		{
			name: "thread/start result with an unknown approval policy",
			message: func(t *testing.T) []byte {
				v := transcriptMessage(t, "thread/start", true)
				v["approvalPolicy"] = "sometimes"
				return mustJSON(t, v)
			},
			validate: threadStart.ValidateResult,
			want:     Problem{"$.approvalPolicy", "matches none of the 2 alternatives; the closest fails with:"},
		},
		{
			name: "thread/start result with an unknown thread status",
			message: func(t *testing.T) []byte {
				v := transcriptMessage(t, "thread/start", true)
				v["thread"].(map[string]any)["status"] = map[string]any{"type": "sleeping"}
				return mustJSON(t, v)
			},
			validate: threadStart.ValidateResult,
			want:     Problem{"$.thread.status.type", `"sleeping" is not one of notLoaded, idle, systemError, active`},
		},
		{
			name: "thread/start params with a misspelt property",
			message: func(t *testing.T) []byte {
				v := transcriptMessage(t, "thread/start", false)
				v["sandboxMode"] = "workspace-write"
				return mustJSON(t, v)
			},
			validate: threadStart.ValidateParams,
			strict:   true,
			want:     Problem{"$.sandboxMode", `unknown property "sandboxMode"`},
		},
		{
			name: "thread/start params with a bad sandbox mode",
			message: func(t *testing.T) []byte {
				v := transcriptMessage(t, "thread/start", false)
				v["sandbox"] = "workspaceWrite"
				return mustJSON(t, v)
			},
			validate: threadStart.ValidateParams,
			want:     Problem{"$.sandbox", `"workspaceWrite" is not one of ["read-only", "workspace-write", "danger-full-access"]`},
		},
		{
			name: "item/completed with a bad command status",
			message: func(t *testing.T) []byte {
				v, item := commandItem(t)
				item["status"] = "done"
				return mustJSON(t, v)
			},
			validate: itemCompleted.ValidateParams,
			want:     Problem{"$.item.status", `"done" is not one of ["inProgress", "completed", "failed", "declined"]`},
		},
		{
			name: "item/completed without the command",
			message: func(t *testing.T) []byte {
				v, item := commandItem(t)
				delete(item, "command")
				return mustJSON(t, v)
			},
			validate: itemCompleted.ValidateParams,
			want:     Problem{"$.item", `missing required property "command"`},
		},
		{
			name: "item/completed with the exit code as a string",
			message: func(t *testing.T) []byte {
				v, item := commandItem(t)
				item["exitCode"] = "0"
				return mustJSON(t, v)
			},
			validate: itemCompleted.ValidateParams,
			want:     Problem{"$.item.exitCode", `got "0", want integer or null`},
		},
		{
			name: "item/completed with a negative token count",
			message: func(t *testing.T) []byte {
				v, _ := commandItem(t)
				v["contentTokenCount"] = -1
				return mustJSON(t, v)
			},
			validate: itemCompleted.ValidateParams,
			want:     Problem{"$.contentTokenCount", "-1 is less than the minimum 0"},
		},
		{
			name: "item/completed with an exit code beyond int32",
			message: func(t *testing.T) []byte {
				v, item := commandItem(t)
				item["exitCode"] = 1 << 31
				return mustJSON(t, v)
			},
			validate: itemCompleted.ValidateParams,
			want:     Problem{"$.item.exitCode", "2147483648 does not fit format int32"},
		},
		{
			name: "item/completed with a fractional exit code",
			message: func(t *testing.T) []byte {
				v, item := commandItem(t)
				item["exitCode"] = 1.5
				return mustJSON(t, v)
			},
			validate: itemCompleted.ValidateParams,
			want:     Problem{"$.item.exitCode", "got 1.5, want integer or null"},
		},
		{
			name: "item/completed with an item without a type",
			message: func(t *testing.T) []byte {
				v, item := commandItem(t)
				delete(item, "type")
				return mustJSON(t, v)
			},
			validate: itemCompleted.ValidateParams,
			want:     Problem{"$.item", `missing tag property "type"`},
		},
		{
			name: "item/completed without the thread id",
			message: func(t *testing.T) []byte {
				v, _ := commandItem(t)
				delete(v, "threadId")
				return mustJSON(t, v)
			},
			validate: itemCompleted.ValidateParams,
			want:     Problem{"$", `missing required property "threadId"`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []Option
			if !tc.strict {
				opts = append(opts, AllowUnknownProperties())
			}
			err := tc.validate(tc.message(t), opts...)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a *ValidationError", err)
			}
			if !slices.ContainsFunc(ve.Problems, func(p Problem) bool {
				return p.Path == tc.want.Path && strings.HasPrefix(p.Message, tc.want.Message)
			}) {
				t.Errorf("no problem %q in:\n%v", tc.want, err)
			}
		})
	}
}

// One Schema serves many goroutines, loading files as they are needed.
func TestConcurrentUse(t *testing.T) {
	dir, err := committedDir()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	lines := readTranscript(t, "shell-approval.jsonl")
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(lines))
	for range 8 {
		wg.Go(func() {
			pending := map[string]string{}
			for _, l := range lines {
				ep, isParams, err := endpointOf(s, l, pending)
				if err != nil {
					errs <- err
					continue
				}
				if isParams {
					err = ep.ValidateParams(l.Msg.Params, AllowUnknownProperties())
				} else {
					err = ep.ValidateResult(l.Msg.Result, AllowUnknownProperties())
				}
				if err != nil {
					errs <- err
				}
			}
			if _, err := s.Shape("ThreadItem"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
