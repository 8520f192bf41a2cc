package conversation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/codex-go/codex/core/mcpclient"
	"github.com/codex-go/codex/protocol"
)

// errElicitationInterrupted ends the wait of an elicitation whose turn was
// interrupted.
var errElicitationInterrupted = errors.New("the turn was interrupted")

// elicitations are the MCP elicitations waiting for a resolve_elicitation
// op, by server name and request id.
type elicitations struct {
	mu      sync.Mutex
	waiting map[elicitationKey]chan protocol.ResolveElicitationOp
}

// elicitationKey names one elicitation: its server and its request id in
// compact JSON.
type elicitationKey struct {
	server string
	id     string
}

// keyOf returns the key of a server's request id.
func keyOf(server string, id json.RawMessage) elicitationKey {
	var buf bytes.Buffer
	if json.Compact(&buf, id) != nil {
		return elicitationKey{server: server, id: string(id)}
	}
	return elicitationKey{server: server, id: buf.String()}
}

// add registers an elicitation and returns the channel its answer arrives
// on; false when one with the same key is already waiting.
func (e *elicitations) add(k elicitationKey) (chan protocol.ResolveElicitationOp, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.waiting == nil {
		e.waiting = map[elicitationKey]chan protocol.ResolveElicitationOp{}
	}
	if _, dup := e.waiting[k]; dup {
		return nil, false
	}
	ch := make(chan protocol.ResolveElicitationOp, 1)
	e.waiting[k] = ch
	return ch, true
}

// remove forgets an elicitation.
func (e *elicitations) remove(k elicitationKey) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.waiting, k)
}

// resolve delivers an answer; answers to elicitations nobody waits for
// (any more) are dropped.
func (e *elicitations) resolve(op protocol.ResolveElicitationOp) {
	k := keyOf(op.ServerName, op.RequestID)
	e.mu.Lock()
	ch, ok := e.waiting[k]
	delete(e.waiting, k)
	e.mu.Unlock()
	if ok {
		ch <- op
	}
}

// elicit is the conversation's mcpclient.ElicitationHandler: it emits an
// elicitation_request event, under the running turn's submission id when a
// turn runs, and waits for the resolve_elicitation op. The wait ends with
// an error when ctx ends (the server's elicitation timeout, or its
// connection closed) or the turn is interrupted.
func (c *Conversation) elicit(ctx context.Context, req mcpclient.ElicitationRequest) (mcpclient.ElicitationResponse, error) {
	k := keyOf(req.Server, req.ID)
	ch, ok := c.elicits.add(k)
	if !ok {
		return mcpclient.ElicitationResponse{}, errors.New("an elicitation with this id is already waiting")
	}
	defer c.elicits.remove(k)

	c.mu.Lock()
	t := c.task
	c.mu.Unlock()
	subID := ""
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(c.ctx, func() { cancel(ErrClosed) })
	defer stop()
	if t != nil {
		subID = t.subID
		stopTurn := context.AfterFunc(t.ctx, func() { cancel(errElicitationInterrupted) })
		defer stopTurn()
	}
	schema := req.RequestedSchema
	if len(schema) == 0 {
		schema = json.RawMessage("{}")
	}
	c.emit(subID, protocol.ElicitationRequestEvent{
		ServerName:      req.Server,
		ID:              req.ID,
		Message:         req.Message,
		RequestedSchema: schema,
	})
	select {
	case op := <-ch:
		return mcpclient.ElicitationResponse{Action: op.Decision, Content: op.Content}, nil
	case <-ctx.Done():
		return mcpclient.ElicitationResponse{}, context.Cause(ctx)
	}
}
