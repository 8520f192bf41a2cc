package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/codex-go/codex/protocol"
)

// defaultElicitationTimeout bounds the wait for the user's answer to an
// elicitation when the config does not.
const defaultElicitationTimeout = 5 * time.Minute

// ElicitationRequest is an elicitation/create request of a server, in form
// mode: a question and the schema of the expected answer.
type ElicitationRequest struct {
	// Server is the configured server name.
	Server string
	// ID is the server's JSON-RPC request id, as it sent it.
	ID json.RawMessage
	// Message is the question for the user.
	Message string
	// RequestedSchema is the JSON Schema of the answer, as the server sent it.
	RequestedSchema json.RawMessage
}

// ElicitationResponse is the user's answer to an elicitation.
type ElicitationResponse struct {
	// Action is accept, decline or cancel.
	Action protocol.ElicitationAction
	// Content is the answer, a JSON object; sent with accept only.
	Content json.RawMessage
}

// ElicitationHandler asks the user an elicitation of a server and returns
// the answer. It must return once ctx ends, with an error: the server is
// then told decline when the elicitation timed out, and cancel otherwise
// (the connection or the handler's own wait was cut short).
type ElicitationHandler func(ctx context.Context, req ElicitationRequest) (ElicitationResponse, error)

// WithElicitation declares the elicitation capability to every server and
// hands their elicitation/create requests to h. Without it the capability
// is not declared and such requests are answered "method not found". Each
// request is bounded by the server's elicitation_timeout_sec (default 300
// s); while one is pending, the server's tool calls do not use up their
// tool_timeout_sec, so that the user's time to answer does not count.
func WithElicitation(h ElicitationHandler) Option {
	return func(o *options) { o.elicit = h }
}

// elicitParams are the params of elicitation/create read by this client.
type elicitParams struct {
	Mode            string          `json:"mode"`
	Message         string          `json:"message"`
	RequestedSchema json.RawMessage `json:"requestedSchema"`
}

// elicitResult is the result of elicitation/create.
type elicitResult struct {
	Action  protocol.ElicitationAction `json:"action"`
	Content json.RawMessage            `json:"content,omitempty"`
}

// serveRequest answers the server's requests other than ping: only
// elicitation/create, and only when an elicitation handler is set.
func (s *server) serveRequest(ctx context.Context, id json.RawMessage, method string, params json.RawMessage) (any, *rpcError, bool) {
	if method != string(mcp.MethodElicitationCreate) || s.elicit == nil {
		return nil, nil, false
	}
	var p elicitParams
	if err := json.Unmarshal(params, &p); err != nil {
		return nil, &rpcError{Code: mcp.INVALID_PARAMS, Message: "invalid elicitation params: " + err.Error()}, true
	}
	if p.Mode != "" && p.Mode != mcp.ElicitationModeForm {
		// Only form mode was declared.
		return elicitResult{Action: protocol.ElicitationDecline}, nil, true
	}
	var schema map[string]json.RawMessage
	if json.Unmarshal(p.RequestedSchema, &schema) != nil || schema == nil {
		return nil, &rpcError{Code: mcp.INVALID_PARAMS, Message: "invalid elicitation params: requestedSchema must be a JSON object"}, true
	}
	return s.elicitation(ctx, ElicitationRequest{
		Server:          s.name,
		ID:              id,
		Message:         p.Message,
		RequestedSchema: compactJSON(p.RequestedSchema),
	}), nil, true
}

// elicitation asks the handler, within the elicitation timeout, with the
// server's tool-call clocks stopped.
func (s *server) elicitation(ctx context.Context, req ElicitationRequest) elicitResult {
	s.pauseClocks()
	defer s.resumeClocks()
	timedOut := fmt.Errorf("no answer within %s", s.elicitTimeout)
	ctx, cancel := context.WithTimeoutCause(ctx, s.elicitTimeout, timedOut)
	defer cancel()
	resp, err := s.elicit(ctx, req)
	switch {
	case err != nil && errors.Is(context.Cause(ctx), timedOut):
		return elicitResult{Action: protocol.ElicitationDecline}
	case err != nil:
		return elicitResult{Action: protocol.ElicitationCancel}
	case resp.Action == protocol.ElicitationAccept:
		var content map[string]json.RawMessage
		if json.Unmarshal(resp.Content, &content) != nil || content == nil {
			if len(resp.Content) > 0 && string(resp.Content) != "null" {
				// Content that is not an object cannot match the schema.
				return elicitResult{Action: protocol.ElicitationDecline}
			}
			return elicitResult{Action: protocol.ElicitationAccept, Content: json.RawMessage("{}")}
		}
		return elicitResult{Action: protocol.ElicitationAccept, Content: compactJSON(resp.Content)}
	case resp.Action == protocol.ElicitationCancel:
		return elicitResult{Action: protocol.ElicitationCancel}
	}
	return elicitResult{Action: protocol.ElicitationDecline}
}

// callClocks are the timeouts of a server's running tool calls. They stand
// still while an elicitation of the server waits for the user: with stdio,
// an elicitation cannot be tied to the call it is about.
type callClocks struct {
	mu        sync.Mutex
	running   map[*callClock]struct{}
	eliciting int
}

// callClock cancels a call's context once it has run for its timeout, not
// counting the time it stood still.
type callClock struct {
	cancel context.CancelCauseFunc
	cause  error
	left   time.Duration
	since  time.Time
	timer  *time.Timer // nil while stopped
}

// start runs the clock. callClocks.mu must be held.
func (c *callClock) start() {
	c.since = time.Now()
	c.timer = time.AfterFunc(c.left, func() { c.cancel(c.cause) })
}

// stop stops the clock, keeping the time left. callClocks.mu must be held.
func (c *callClock) stop() {
	if c.timer == nil {
		return
	}
	if c.timer.Stop() {
		c.left -= time.Since(c.since)
	}
	c.timer = nil
}

// withCallTimeout returns a context cancelled with cause after d of the
// server's running time, and its release function.
func (s *server) withCallTimeout(parent context.Context, d time.Duration, cause error) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	c := &callClock{cancel: cancel, cause: cause, left: d}
	s.clocks.mu.Lock()
	if s.clocks.running == nil {
		s.clocks.running = map[*callClock]struct{}{}
	}
	s.clocks.running[c] = struct{}{}
	if s.clocks.eliciting == 0 {
		c.start()
	}
	s.clocks.mu.Unlock()
	return ctx, func() {
		s.clocks.mu.Lock()
		c.stop()
		delete(s.clocks.running, c)
		s.clocks.mu.Unlock()
		cancel(nil)
	}
}

// pauseClocks stops the clocks of the running calls while an elicitation
// waits.
func (s *server) pauseClocks() {
	s.clocks.mu.Lock()
	defer s.clocks.mu.Unlock()
	s.clocks.eliciting++
	if s.clocks.eliciting == 1 {
		for c := range s.clocks.running {
			c.stop()
		}
	}
}

// resumeClocks starts the clocks again once no elicitation waits.
func (s *server) resumeClocks() {
	s.clocks.mu.Lock()
	defer s.clocks.mu.Unlock()
	s.clocks.eliciting--
	if s.clocks.eliciting == 0 {
		for c := range s.clocks.running {
			c.start()
		}
	}
}
