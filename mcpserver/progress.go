package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/sourcegraph/jsonrpc2"

	"github.com/codex-go/codex/core/shellparse"
	"github.com/codex-go/codex/protocol"
)

// progressHeartbeat is how long a call that asked for progress may go
// without a progress notification before one is sent anyway: a command that
// prints nothing, a model that thinks for long or an approval the user
// takes time over must not look like a stalled request to a host that
// gives up after a quiet period.
const progressHeartbeat = 15 * time.Second

// progressMessageLimit bounds the length, in runes, of a progress message.
const progressMessageLimit = 80

// progressParams are the params of notifications/progress.
type progressParams struct {
	// Token is the progressToken of the request, exactly as sent.
	Token json.RawMessage `json:"progressToken"`
	// Progress counts the notifications of the request: 1, 2, 3, ...
	Progress int64 `json:"progress"`
	// Message says what happened, in a few words.
	Message string `json:"message"`
}

// progressToken returns the progressToken of a request's _meta, or nil when
// there is none or it is neither a string nor a number, the two forms MCP
// allows.
func progressToken(meta json.RawMessage) json.RawMessage {
	var m struct {
		Token json.RawMessage `json:"progressToken"`
	}
	if len(meta) == 0 || json.Unmarshal(meta, &m) != nil {
		return nil
	}
	tok := bytes.TrimSpace(m.Token)
	if len(tok) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(tok, &v) != nil {
		return nil
	}
	switch v.(type) {
	case string, float64:
		return tok
	}
	return nil
}

// progress sends the notifications/progress of one tool call. Its methods
// may be called from several goroutines; the counter on the wire increases
// with every notification.
type progress struct {
	notify func(ctx context.Context, method string, params any, opts ...jsonrpc2.CallOption) error
	token  json.RawMessage

	mu    sync.Mutex
	count int64
	last  time.Time
}

// report sends one notification.
func (p *progress) report(ctx context.Context, message string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count++
	p.last = time.Now()
	_ = p.notify(ctx, string(mcp.MethodNotificationProgress), progressParams{Token: p.token, Progress: p.count, Message: message})
}

// keepAlive sends a notification whenever none was sent for interval,
// until ctx ends.
func (p *progress) keepAlive(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval / 2)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			p.mu.Lock()
			quiet := time.Since(p.last) >= interval
			p.mu.Unlock()
			if quiet {
				p.report(ctx, "Still working")
			}
		}
	}
}

// progressMessage describes an event in a few words for a progress
// notification.
func progressMessage(msg protocol.EventMsg) string {
	var text string
	switch m := msg.(type) {
	case protocol.SessionConfiguredEvent:
		text = "Session started"
	case protocol.TaskStartedEvent:
		text = "Turn started"
	case protocol.TaskCompleteEvent:
		text = "Turn complete"
	case protocol.TurnAbortedEvent:
		text = "Turn aborted: " + string(m.Reason)
	case protocol.AgentMessageDeltaEvent, protocol.AgentMessageEvent:
		text = "Writing the answer"
	case protocol.AgentReasoningEvent, protocol.AgentReasoningDeltaEvent,
		protocol.AgentReasoningRawContentEvent, protocol.AgentReasoningRawContentDeltaEvent:
		text = "Thinking"
	case protocol.ExecApprovalRequestEvent:
		text = "Waiting for approval to run " + shellparse.Join(m.Command)
	case protocol.ApplyPatchApprovalRequestEvent:
		text = "Waiting for approval of a patch"
	case protocol.ExecCommandBeginEvent:
		text = "Running " + shellparse.Join(m.Command)
	case protocol.ExecCommandOutputDeltaEvent:
		text = "Command output"
	case protocol.ExecCommandEndEvent:
		text = "Command finished"
	case protocol.PatchApplyBeginEvent:
		text = "Applying a patch"
	case protocol.PatchApplyEndEvent:
		text = "Patch applied"
	case protocol.McpToolCallBeginEvent:
		text = "Calling " + m.Invocation.Server + "." + m.Invocation.Tool
	case protocol.McpToolCallEndEvent:
		text = "Tool call finished"
	case protocol.TokenCountEvent:
		text = "Token usage updated"
	case protocol.ErrorEvent:
		text = "Error: " + m.Message
	default:
		text = strings.ReplaceAll(msg.EventType(), "_", " ")
	}
	return truncateRunes(strings.Join(strings.Fields(text), " "), progressMessageLimit)
}

// truncateRunes cuts s to at most n runes, the last being an ellipsis when
// it was cut.
func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
