package tools_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specNames summarises specs as "type:name" ("type" alone for tools without a name).
func specNames(t *testing.T, specs []json.RawMessage) []string {
	t.Helper()
	var out []string
	for _, s := range specs {
		require.True(t, json.Valid(s), "invalid spec %s", s)
		var v struct {
			Type string `json:"type"`
			Name string `json:"name"`
		}
		require.NoError(t, json.Unmarshal(s, &v))
		if v.Name == "" {
			out = append(out, v.Type)
		} else {
			out = append(out, v.Type+":"+v.Name)
		}
	}
	return out
}

func TestBuildSpecs(t *testing.T) {
	tests := []struct {
		name     string
		settings tools.Settings
		want     []string
	}{
		{"shell only", tools.Settings{Model: "gpt-4.1"}, []string{"function:shell"}},
		{
			"every tool, function apply_patch",
			tools.Settings{Model: "gpt-4.1", IncludePlanTool: true, IncludeApplyPatchTool: true, ViewImage: true, WebSearch: true},
			[]string{"function:shell", "function:update_plan", "function:apply_patch", "web_search", "function:view_image"},
		},
		{
			"every tool, freeform apply_patch",
			tools.Settings{Model: "gpt-5", IncludePlanTool: true, IncludeApplyPatchTool: true, ViewImage: true, WebSearch: true},
			[]string{"function:shell", "function:update_plan", "custom:apply_patch", "web_search", "function:view_image"},
		},
		{"gpt-5 with apply_patch", tools.Settings{Model: "gpt-5", IncludeApplyPatchTool: true}, []string{"function:shell", "custom:apply_patch"}},
		{"gpt-5 without apply_patch", tools.Settings{Model: "gpt-5"}, []string{"function:shell"}},
		{"gpt-5-codex offers apply_patch itself", tools.Settings{Model: "gpt-5-codex"}, []string{"function:shell", "custom:apply_patch"}},
		{"codex-mini uses local_shell", tools.Settings{Model: "codex-mini-latest"}, []string{"local_shell", "function:apply_patch"}},
		{"plan only", tools.Settings{Model: "gpt-4.1", IncludePlanTool: true}, []string{"function:shell", "function:update_plan"}},
		{"view_image only", tools.Settings{Model: "gpt-4.1", ViewImage: true}, []string{"function:shell", "function:view_image"}},
		{"web_search only", tools.Settings{Model: "gpt-4.1", WebSearch: true}, []string{"function:shell", "web_search"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRouter(t, tt.settings)
			assert.Equal(t, tt.want, specNames(t, r.Specs()))
			// Shell and local_shell calls are always answered; apply_patch
			// only when it is offered.
			assert.Subset(t, r.Names(), []string{"local_shell", "shell"})
			offered := strings.Contains(strings.Join(specNames(t, r.Specs()), " "), ":apply_patch")
			assert.Equal(t, offered, slices.Contains(r.Names(), "apply_patch"))
		})
	}
}

func TestFreeformSpecCarriesGrammar(t *testing.T) {
	r := newRouter(t, tools.Settings{Model: "gpt-5", IncludeApplyPatchTool: true})
	specs := r.Specs()
	require.Len(t, specs, 2)
	var v struct {
		Format struct {
			Type       string `json:"type"`
			Syntax     string `json:"syntax"`
			Definition string `json:"definition"`
		} `json:"format"`
	}
	require.NoError(t, json.Unmarshal(specs[1], &v))
	assert.Equal(t, "grammar", v.Format.Type)
	assert.Equal(t, "lark", v.Format.Syntax)
	assert.Contains(t, v.Format.Definition, `"*** Begin Patch"`)
}

func TestDispatchUnknownTool(t *testing.T) {
	tests := []struct {
		name    string
		item    protocol.ResponseItem
		outType string
		want    string
	}{
		{
			"function call",
			protocol.ResponseItem{Type: protocol.ItemFunctionCall, Name: "frobnicate", CallID: "c1", Arguments: "{}"},
			protocol.ItemFunctionCallOutput, "unsupported call: frobnicate",
		},
		{
			"custom tool call",
			protocol.ResponseItem{Type: protocol.ItemCustomToolCall, Name: "frobnicate", CallID: "c1", Input: "x"},
			protocol.ItemCustomToolCallOutput, "unsupported custom tool call: frobnicate",
		},
		{
			// codex-cli 0.45.0, includeApplyPatchTool false, model gpt-5:
			// the model got {"type":"function_call_output","output":"unsupported call: apply_patch"}
			// and no approval was asked, no file written.
			"apply_patch not offered",
			protocol.ResponseItem{Type: protocol.ItemFunctionCall, Name: "apply_patch", CallID: "c1", Arguments: `{"input":"*** Begin Patch\n*** Add File: a.txt\n+a\n*** End Patch\n"}`},
			protocol.ItemFunctionCallOutput, "unsupported call: apply_patch",
		},
		{
			// The same as a free-form call: "unsupported custom tool call: apply_patch".
			"free-form apply_patch not offered",
			protocol.ResponseItem{Type: protocol.ItemCustomToolCall, Name: "apply_patch", CallID: "c1", Input: "*** Begin Patch\n*** Add File: a.txt\n+a\n*** End Patch\n"},
			protocol.ItemCustomToolCallOutput, "unsupported custom tool call: apply_patch",
		},
		{
			"tool not offered",
			protocol.ResponseItem{Type: protocol.ItemFunctionCall, Name: "update_plan", CallID: "c1", Arguments: `{"plan":[]}`},
			protocol.ItemFunctionCallOutput, "unsupported call: update_plan",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, t.TempDir(), protocol.ApprovalNever, workspaceWrite())
			r := newRouter(t, tools.Settings{Model: "gpt-4.1"})
			out := dispatch(t, r, h, tt.item)
			assert.Equal(t, protocol.ResponseItem{Type: tt.outType, CallID: "c1", Output: tt.want}, out)
			events, _, _ := h.recorded()
			assert.Empty(t, events)
		})
	}
}

func TestDispatchLocalShellCall(t *testing.T) {
	tests := []struct {
		name   string
		callID string
		id     string
		wantID string
	}{
		{"with call id", "call-1", "item-1", "call-1"},
		{"call id from item id", "", "item-1", "item-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cwd, _ := workspace(t)
			sub := filepath.Join(cwd, "sub")
			require.NoError(t, mkdir(sub))
			action, err := json.Marshal(protocol.LocalShellAction{Type: "exec", Command: []string{"pwd"}, WorkingDirectory: &sub})
			require.NoError(t, err)
			h := newHarness(t, cwd, protocol.ApprovalNever, workspaceWrite())
			r := newRouter(t, tools.Settings{Model: "codex-mini-latest"})
			out := dispatch(t, r, h, protocol.ResponseItem{Type: protocol.ItemLocalShellCall, ID: tt.id, CallID: tt.callID, Status: "completed", Action: action})
			assert.Equal(t, protocol.ItemFunctionCallOutput, out.Type)
			assert.Equal(t, tt.wantID, out.CallID)
			o := decodeShellOutput(t, out.Output)
			assert.Equal(t, 0, o.Metadata.ExitCode)
			assert.Equal(t, sub+"\n", o.Output)
			events, _, _ := h.recorded()
			assertExecPaired(t, events)
			begins := eventsOf[protocol.ExecCommandBeginEvent](h)
			require.Len(t, begins, 1)
			assert.Equal(t, tt.wantID, begins[0].CallID)
			assert.Equal(t, sub, begins[0].Cwd)
		})
	}
}

func TestDispatchLocalShellBadAction(t *testing.T) {
	h := newHarness(t, t.TempDir(), protocol.ApprovalNever, workspaceWrite())
	r := newRouter(t, tools.Settings{Model: "codex-mini-latest"})
	out := dispatch(t, r, h, protocol.ResponseItem{Type: protocol.ItemLocalShellCall, CallID: "c1", Action: json.RawMessage(`"nope"`)})
	assert.Contains(t, out.Output, "failed to parse local_shell action")
}

func TestIsCall(t *testing.T) {
	tests := []struct {
		itemType string
		want     bool
	}{
		{protocol.ItemFunctionCall, true},
		{protocol.ItemCustomToolCall, true},
		{protocol.ItemLocalShellCall, true},
		{protocol.ItemMessage, false},
		{protocol.ItemFunctionCallOutput, false},
		{protocol.ItemWebSearchCall, false},
		{protocol.ItemReasoning, false},
	}
	for _, tt := range tests {
		t.Run(tt.itemType, func(t *testing.T) {
			assert.Equal(t, tt.want, tools.IsCall(protocol.ResponseItem{Type: tt.itemType}))
		})
	}
}

func TestRouterRegisterAndHandlerErrors(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		handler tools.HandlerFunc
		cancel  bool
		wantErr error
		want    string
	}{
		{"text", func(context.Context, *tools.Turn, tools.Call) (string, error) { return "fine", nil }, false, nil, "fine"},
		{"error becomes output", func(context.Context, *tools.Turn, tools.Call) (string, error) { return "", boom }, false, nil, "boom"},
		{"abort is returned", func(context.Context, *tools.Turn, tools.Call) (string, error) {
			return "", tools.ErrTurnAborted
		}, false, tools.ErrTurnAborted, ""},
		{"error after cancellation is the context's", func(context.Context, *tools.Turn, tools.Call) (string, error) { return "", boom }, true, context.Canceled, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tools.NewRouter()
			r.Register("t", json.RawMessage(`{"type":"function","name":"t"}`), tools.HandlerFunc(func(context.Context, *tools.Turn, tools.Call) (string, error) {
				return "first", nil
			}))
			// Registering again replaces the handler and keeps one spec.
			r.Register("t", json.RawMessage(`{"type":"function","name":"t"}`), tt.handler)
			r.Register("hidden", nil, tt.handler)
			assert.Len(t, r.Specs(), 1)
			assert.Equal(t, []string{"hidden", "t"}, r.Names())

			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			h := newHarness(t, t.TempDir(), protocol.ApprovalNever, workspaceWrite())
			out, err := r.Dispatch(ctx, h.turn, protocol.ResponseItem{Type: protocol.ItemFunctionCall, Name: "t", CallID: "c1", Arguments: "{}"})
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, out.Output)
			assert.Equal(t, "c1", out.CallID)
		})
	}
}
