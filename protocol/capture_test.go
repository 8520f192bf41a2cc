package protocol_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/protocol"
)

// captureDir holds copies of the reference captures; sharedDir is where the
// originals live when the shared folder sits beside the repository.
const (
	captureDir = "testdata/reference"
	sharedDir  = "../../shared/reference"
)

func readLines(t *testing.T, name string) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join(captureDir, name))
	require.NoError(t, err)
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			lines = append(lines, append([]byte(nil), sc.Bytes()...))
		}
	}
	require.NoError(t, sc.Err())
	return lines
}

func compact(t *testing.T, raw []byte) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, json.Compact(&buf, raw))
	return buf.String()
}

// roundTrip decodes raw into a fresh T and encodes it again.
func roundTrip[T any](t *testing.T, raw []byte) string {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(raw, &v), string(raw))
	out, err := protocol.Marshal(v)
	require.NoError(t, err)
	return string(out)
}

func TestCapturesMatchShared(t *testing.T) {
	entries, err := os.ReadDir(sharedDir)
	if err != nil {
		t.Skipf("shared reference folder not present: %v", err)
	}
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".jsonl" {
			continue
		}
		want, err := os.ReadFile(filepath.Join(sharedDir, e.Name()))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(captureDir, e.Name()))
		require.NoError(t, err, "copy %s into %s", e.Name(), captureDir)
		assert.Equal(t, string(want), string(got), "%s differs from the shared capture", e.Name())
	}
}

func TestAppServerCapturesRoundTrip(t *testing.T) {
	for _, name := range []string{"appserver-shell-never.jsonl", "appserver-shell-approval.jsonl"} {
		t.Run(name, func(t *testing.T) {
			lines := readLines(t, name)
			responses := map[float64]func([]byte) string{
				1: func(b []byte) string { return roundTrip[protocol.InitializeResponse](t, b) },
				2: func(b []byte) string { return roundTrip[protocol.NewConversationResponse](t, b) },
				3: func(b []byte) string { return roundTrip[protocol.AddConversationSubscriptionResponse](t, b) },
				4: func(b []byte) string { return roundTrip[protocol.SendUserMessageResponse](t, b) },
			}
			events := 0
			for _, line := range lines {
				var msg struct {
					ID     *float64        `json:"id"`
					Method string          `json:"method"`
					Params json.RawMessage `json:"params"`
					Result json.RawMessage `json:"result"`
				}
				require.NoError(t, json.Unmarshal(line, &msg))
				switch {
				case msg.Method == protocol.MethodExecCommandApproval:
					assert.Equal(t, compact(t, msg.Params), roundTrip[protocol.ExecCommandApprovalParams](t, msg.Params))
				case len(msg.Method) > len(protocol.NotificationCodexEventPrefix) && msg.Method[:len(protocol.NotificationCodexEventPrefix)] == protocol.NotificationCodexEventPrefix:
					var p struct {
						ID             string          `json:"id"`
						Msg            json.RawMessage `json:"msg"`
						ConversationID string          `json:"conversationId"`
					}
					require.NoError(t, json.Unmarshal(msg.Params, &p))
					m, err := protocol.DecodeEventMsg(p.Msg)
					require.NoError(t, err)
					assert.NotEqual(t, "", m.EventType())
					_, unknown := m.(protocol.UnknownEvent)
					assert.False(t, unknown, "event %s is not a known type", m.EventType())
					assert.Equal(t, protocol.NotificationCodexEventPrefix+m.EventType(), msg.Method)
					out, err := protocol.Marshal(protocol.ConversationEventParams{ID: p.ID, Msg: protocol.MarshalEventMsg{EventMsg: m}, ConversationID: p.ConversationID})
					require.NoError(t, err)
					assert.Equal(t, compact(t, msg.Params), string(out))
					events++
				case msg.ID != nil && msg.Result != nil:
					enc, ok := responses[*msg.ID]
					require.True(t, ok, "unexpected response id %v", *msg.ID)
					assert.Equal(t, compact(t, msg.Result), enc(msg.Result))
				}
			}
			assert.Greater(t, events, 5)
		})
	}
}

func TestApprovalDecisionShape(t *testing.T) {
	out, err := json.Marshal(protocol.ApprovalResponse{Decision: protocol.DecisionApproved})
	require.NoError(t, err)
	assert.JSONEq(t, `{"decision":"approved"}`, string(out))
}

func TestMcpServerCaptureEventsRoundTrip(t *testing.T) {
	for _, line := range readLines(t, "mcpserver-codex-tool.jsonl") {
		var msg struct {
			Method string `json:"method"`
			Params struct {
				Meta json.RawMessage `json:"_meta"`
				ID   string          `json:"id"`
				Msg  json.RawMessage `json:"msg"`
			} `json:"params"`
		}
		require.NoError(t, json.Unmarshal(line, &msg))
		if msg.Method != protocol.NotificationMcpCodexEvent {
			continue
		}
		m, err := protocol.DecodeEventMsg(msg.Params.Msg)
		require.NoError(t, err)
		out, err := protocol.EncodeEventMsg(m)
		require.NoError(t, err)
		assert.Equal(t, compact(t, msg.Params.Msg), string(out))
	}
}

func TestRolloutCaptureRoundTrip(t *testing.T) {
	for _, line := range readLines(t, "rollout-example.jsonl") {
		var l rollout.Line
		require.NoError(t, json.Unmarshal(line, &l))
		var got string
		switch l.Type {
		case rollout.LineSessionMeta:
			got = roundTrip[rollout.SessionMeta](t, l.Payload)
		case rollout.LineResponseItem:
			got = roundTrip[protocol.ResponseItem](t, l.Payload)
		case rollout.LineTurnContext:
			got = roundTrip[protocol.TurnContext](t, l.Payload)
		case rollout.LineEventMsg:
			m, err := protocol.DecodeEventMsg(l.Payload)
			require.NoError(t, err)
			out, err := protocol.EncodeEventMsg(m)
			require.NoError(t, err)
			got = string(out)
		default:
			t.Fatalf("unknown rollout line type %q", l.Type)
		}
		assert.Equal(t, compact(t, l.Payload), got, "rollout %s line", l.Type)
	}
}
