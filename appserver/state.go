package appserver

import (
	"context"
	"sync"
	"time"

	"github.com/codex-go/codex/core/conversation"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
)

// conversationState is what the server keeps about one conversation: its
// listeners and the state of the goroutine forwarding its events.
type conversationState struct {
	id   string
	conv *conversation.Conversation

	// emitMu orders what is written about the conversation. Each forwarded
	// event is written under it; the reply to submitted input is written
	// under it right after the submission, and the reply to a new listener
	// right after the listener was added, so that these replies precede the
	// events that follow them.
	emitMu sync.Mutex

	mu        sync.Mutex
	listeners map[string]*Server // subscription id -> the connection that made it
	// order lists the subscription ids in the order they were made.
	order []string
	// inputFrom is the connection that sent the latest input; it answers
	// approvals while it listens, else the longest listener does.
	inputFrom *Server
	wake      chan struct{} // closed and replaced when a listener is added or the state is closed
	closed    bool          // the server forgot the conversation or its events ended
	pump      pumpPhase
	pumpDone  chan struct{} // closed when the pump stopped
	turnOpen  bool          // a task_started was forwarded and its turn's end was not
	turnID    string        // the submission id of the open turn (its task_started's event id)
	turnEnded chan struct{} // closed when the end of the open turn was forwarded
}

// pumpPhase is the life cycle of a conversation's event pump.
type pumpPhase int

const (
	pumpIdle pumpPhase = iota
	pumpRunning
	pumpStopped
)

func newConversationState(conv *conversation.Conversation) *conversationState {
	return &conversationState{
		id:        conv.ID(),
		conv:      conv,
		listeners: map[string]*Server{},
		wake:      make(chan struct{}),
		pumpDone:  make(chan struct{}),
	}
}

// submitAndReply submits op, input sent by connection from, and answers r
// with result, both under the conversation's emitMu, so that the answer
// precedes the turn's events.
func submitAndReply[R any](ctx context.Context, from *Server, st *conversationState, r rpcserver.Reply[R], op protocol.Op, result R) {
	st.emitMu.Lock()
	defer st.emitMu.Unlock()
	st.mu.Lock()
	st.inputFrom = from
	st.mu.Unlock()
	if _, err := st.conv.Submit(op); err != nil {
		r.Fail(ctx, internalError("submit to conversation %s: %v", st.id, err))
		return
	}
	r.Send(ctx, result)
}

// addListener registers a subscription made by connection c. It reports
// whether the caller must start the pump, which it never must once the
// state is closed.
func (st *conversationState) addListener(subID string, c *Server) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.listeners[subID] = c
	st.order = append(st.order, subID)
	st.wakeLocked()
	if st.pump == pumpIdle && !st.closed {
		st.pump = pumpRunning
		return true
	}
	return false
}

// removeListener drops a subscription.
func (st *conversationState) removeListener(subID string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.dropLocked(func(id string, _ *Server) bool { return id == subID })
}

// removeConnection drops the subscriptions of connection c, which ended.
func (st *conversationState) removeConnection(c *Server) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.dropLocked(func(_ string, owner *Server) bool { return owner == c })
}

// dropLocked removes the subscriptions drop selects; st.mu must be held.
func (st *conversationState) dropLocked(drop func(subID string, c *Server) bool) {
	kept := st.order[:0]
	for _, id := range st.order {
		if c, ok := st.listeners[id]; ok && drop(id, c) {
			delete(st.listeners, id)
			continue
		}
		kept = append(kept, id)
	}
	st.order = kept
}

// connections returns the connections subscribed to the conversation, each
// once, in the order of their first subscription, and the one approvals go
// to: the one that sent the latest input if it listens, else the first.
func (st *conversationState) connections() (all []*Server, asked *Server) {
	st.mu.Lock()
	defer st.mu.Unlock()
	seen := map[*Server]bool{}
	for _, id := range st.order {
		if c, ok := st.listeners[id]; ok && !seen[c] {
			seen[c] = true
			all = append(all, c)
		}
	}
	switch {
	case seen[st.inputFrom]:
		asked = st.inputFrom
	case len(all) > 0:
		asked = all[0]
	}
	return all, asked
}

// close marks the state closed: nothing about the conversation will be
// forwarded any more, and a pump waiting for a listener returns. Closing a
// closed state does nothing.
func (st *conversationState) close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.closed {
		st.closed = true
		st.wakeLocked()
	}
}

// wakeLocked wakes waitForListener; st.mu must be held.
func (st *conversationState) wakeLocked() {
	close(st.wake)
	st.wake = make(chan struct{})
}

// waitForListener blocks until the conversation has a listener. It reports
// false when the state was closed or ctx ended first.
func (st *conversationState) waitForListener(ctx context.Context) bool {
	for {
		st.mu.Lock()
		closed, n, wake := st.closed, len(st.listeners), st.wake
		st.mu.Unlock()
		if closed {
			return false
		}
		if n > 0 {
			return true
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return false
		}
	}
}

// pumpStopped records that the pump ended.
func (st *conversationState) pumpStopped() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.pump != pumpStopped {
		st.pump = pumpStopped
		close(st.pumpDone)
	}
}

// noteForwarded follows the turns seen by the client. A turn is known by
// its submission id, the id of its task_started event; only an error,
// task_complete or turn_aborted event with that id ends it. Events of other
// submissions, such as the error answering bad input sent during the turn,
// leave it open.
func (st *conversationState) noteForwarded(ev protocol.Event) {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch ev.Msg.EventType() {
	case protocol.EventTypeTaskStarted:
		if st.turnOpen {
			// The engine runs one turn at a time, so the previous one is over.
			close(st.turnEnded)
		}
		st.turnOpen = true
		st.turnID = ev.ID
		st.turnEnded = make(chan struct{})
	case protocol.EventTypeTaskComplete, protocol.EventTypeTurnAborted, protocol.EventTypeError:
		if st.turnOpen && ev.ID == st.turnID {
			st.turnOpen = false
			close(st.turnEnded)
		}
	}
}

// awaitForwardedTurnEnd waits, after the engine stopped a turn, until the
// pump has forwarded that turn's end, so that an interrupt's reply follows
// the turn_aborted notification. It returns at once when no listener is
// attached or no turn is open from the client's point of view.
func (st *conversationState) awaitForwardedTurnEnd(ctx context.Context) {
	st.mu.Lock()
	if st.closed || len(st.listeners) == 0 || !st.turnOpen || st.pump != pumpRunning {
		st.mu.Unlock()
		return
	}
	ended, done := st.turnEnded, st.pumpDone
	st.mu.Unlock()
	timer := time.NewTimer(turnEndGrace)
	defer timer.Stop()
	select {
	case <-ended:
	case <-done:
	case <-ctx.Done():
	case <-timer.C:
	}
}
