package mcpserver

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

// captureLine returns the line of the reference mcp-server capture that
// answers request id.
func captureLine(t *testing.T, id int) string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "protocol", "testdata", "reference", "mcpserver-codex-tool.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m struct {
			ID     *int   `json:"id"`
			Method string `json:"method"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
		if m.ID != nil && *m.ID == id && m.Method == "" {
			return sc.Text()
		}
	}
	require.NoError(t, sc.Err())
	t.Fatalf("no answer to request %d in the capture", id)
	return ""
}

func TestToolListMatchesCapture(t *testing.T) {
	var want struct {
		Result json.RawMessage `json:"result"`
	}
	require.NoError(t, json.Unmarshal([]byte(captureLine(t, 2)), &want))
	got, err := protocol.Marshal(toolList())
	require.NoError(t, err)
	assert.JSONEq(t, string(want.Result), string(got))
	// Member order too is the reference's.
	assert.Equal(t, string(want.Result), string(got))
}

func strPtr(s string) *string { return &s }

func TestParseCodexArgs(t *testing.T) {
	untrusted := protocol.ApprovalUntrusted
	readOnly := protocol.SandboxReadOnly
	yes := true
	tests := []struct {
		name    string
		raw     string
		want    CodexArgs
		wantErr string
	}{
		{name: "prompt only", raw: `{"prompt":"hi"}`, want: CodexArgs{Prompt: "hi"}},
		{
			name: "every argument",
			raw: `{"prompt":"hi","model":"o3","profile":"p","cwd":"sub","approval-policy":"untrusted","sandbox":"read-only",` +
				`"config":{"model_reasoning_effort":"high"},"base-instructions":"be brief","include-plan-tool":true}`,
			want: CodexArgs{
				Prompt: "hi", Model: strPtr("o3"), Profile: strPtr("p"), Cwd: strPtr("sub"),
				ApprovalPolicy: &untrusted, Sandbox: &readOnly,
				Config:           map[string]any{"model_reasoning_effort": "high"},
				BaseInstructions: strPtr("be brief"), IncludePlanTool: &yes,
			},
		},
		{name: "null optional arguments", raw: `{"prompt":"hi","model":null,"sandbox":null}`, want: CodexArgs{Prompt: "hi"}},
		{name: "unknown arguments are ignored", raw: `{"prompt":"hi","extra":1}`, want: CodexArgs{Prompt: "hi"}},
		{name: "missing prompt", raw: `{"model":"o3"}`, wantErr: "missing field `prompt`"},
		{name: "null prompt", raw: `{"prompt":null}`, wantErr: "missing field `prompt`"},
		{name: "no arguments", raw: ``, wantErr: "missing field `prompt`"},
		{name: "null arguments", raw: `null`, wantErr: "missing field `prompt`"},
		{name: "arguments not an object", raw: `["hi"]`, wantErr: "invalid type: expected the arguments to be an object"},
		{
			name:    "unknown approval policy",
			raw:     `{"prompt":"hi","approval-policy":"bogus"}`,
			wantErr: "unknown variant `bogus`, expected one of `untrusted`, `on-failure`, `on-request`, `never`",
		},
		{
			name:    "unknown sandbox mode",
			raw:     `{"prompt":"hi","sandbox":"open"}`,
			wantErr: "unknown variant `open`, expected one of `read-only`, `workspace-write`, `danger-full-access`",
		},
		{
			name:    "empty approval policy",
			raw:     `{"prompt":"hi","approval-policy":""}`,
			wantErr: "unknown variant ``, expected one of `untrusted`, `on-failure`, `on-request`, `never`",
		},
		{name: "prompt of the wrong type", raw: `{"prompt":5}`, wantErr: "invalid type: number for field `prompt`, expected a string"},
		{name: "sandbox of the wrong type", raw: `{"prompt":"hi","sandbox":5}`, wantErr: "invalid type: number for field `sandbox`, expected a string"},
		{name: "flag of the wrong type", raw: `{"prompt":"hi","include-plan-tool":"yes"}`, wantErr: "invalid type: string for field `include-plan-tool`, expected a boolean"},
		{name: "config of the wrong type", raw: `{"prompt":"hi","config":[1]}`, wantErr: "invalid type: array for field `config`, expected an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCodexArgs(json.RawMessage(tt.raw))
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseCodexReplyArgs(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    CodexReplyArgs
		wantErr string
	}{
		{name: "both", raw: `{"conversationId":"c1","prompt":"more"}`, want: CodexReplyArgs{ConversationID: "c1", Prompt: "more"}},
		{name: "missing conversation", raw: `{"prompt":"more"}`, wantErr: "missing field `conversationId`"},
		{name: "missing prompt", raw: `{"conversationId":"c1"}`, wantErr: "missing field `prompt`"},
		{name: "conversation of the wrong type", raw: `{"conversationId":1,"prompt":"x"}`, wantErr: "invalid type: number for field `conversationId`, expected a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCodexReplyArgs(json.RawMessage(tt.raw))
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
