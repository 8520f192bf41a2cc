package appserver

import (
	"context"
	"slices"
)

// subscribers are the connections a v2 thread's notifications go to, in
// the order they subscribed. The thread's mu guards it.
type subscribers struct{ list []*Server }

// add subscribes s; it reports false when s already was.
func (ss *subscribers) add(s *Server) bool {
	if slices.Contains(ss.list, s) {
		return false
	}
	ss.list = append(ss.list, s)
	return true
}

// remove unsubscribes s; it reports false when s was not subscribed.
func (ss *subscribers) remove(s *Server) bool {
	i := slices.Index(ss.list, s)
	if i < 0 {
		return false
	}
	ss.list = slices.Delete(ss.list, i, i+1)
	return true
}

// all returns the subscribers.
func (ss *subscribers) all() []*Server { return slices.Clone(ss.list) }

// broadcast sends a v2 notification about the thread to every subscribed
// connection, each honouring its own opt-outs. th.emitMu must be held, so
// that every connection sees the thread's messages in the same order.
func (th *v2Thread) broadcast(ctx context.Context, method string, params any) {
	th.mu.Lock()
	subs := th.subs.all()
	th.mu.Unlock()
	for _, s := range subs {
		s.notifyV2(ctx, method, params)
	}
}

// quiet reports whether no connection is subscribed to the thread.
func (th *v2Thread) quiet() bool {
	th.mu.Lock()
	defer th.mu.Unlock()
	return len(th.subs.list) == 0
}

// approver picks the connection a server request of turnID goes to: the
// connection that started the turn while it is connected, else the first
// subscribed connection, skipping those in tried. It returns nil when
// there is none.
func (h *hub) approver(th *v2Thread, turnID string, tried map[*Server]bool) *Server {
	th.mu.Lock()
	owner := th.owners[turnID]
	subs := th.subs.all()
	th.mu.Unlock()
	if owner != nil && !tried[owner] && h.connected(owner) {
		return owner
	}
	for _, s := range subs {
		if !tried[s] && h.connected(s) {
			return s
		}
	}
	return nil
}
