package mcphttp

import (
	"sync"
)

// stream is one channel to the client: the response of a POST carrying
// requests, or the GET stream of a session. Messages are queued by the
// session's reader and written by the HTTP handler, so a slow client never
// holds the server up.
type stream struct {
	// sse is false for a POST answered with plain JSON, which can carry
	// responses only.
	sse bool
	// standalone marks the GET stream, which answers no request.
	standalone bool

	mu      sync.Mutex
	queue   [][]byte
	pending map[string]bool // ids of the requests still to be answered
	ended   bool            // nothing more will be queued
	gone    bool            // the client went away; nothing more is written
	wake    chan struct{}   // signalled when the queue or the state changed
}

// newStream returns a stream waiting for the answers to ids.
func newStream(sse, standalone bool, ids []string) *stream {
	st := &stream{sse: sse, standalone: standalone, pending: map[string]bool{}, wake: make(chan struct{}, 1)}
	for _, id := range ids {
		st.pending[id] = true
	}
	return st
}

// signal wakes the writer.
func (st *stream) signal() {
	select {
	case st.wake <- struct{}{}:
	default:
	}
}

// push queues a message. answered is the id it answers, "" for other
// messages. It reports false when the client is gone.
func (st *stream) push(msg []byte, answered string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gone || st.ended {
		return false
	}
	st.queue = append(st.queue, msg)
	if answered != "" {
		delete(st.pending, answered)
		if len(st.pending) == 0 && !st.standalone {
			st.ended = true
		}
	}
	st.signal()
	return true
}

// open reports whether the stream can still take messages.
func (st *stream) open() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return !st.gone && !st.ended
}

// end marks that nothing more will be queued.
func (st *stream) end() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.ended = true
	st.signal()
}

// abandon marks the client as gone and drops what is queued.
func (st *stream) abandon() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.gone = true
	st.queue = nil
}

// take returns the queued messages and whether the stream has ended.
func (st *stream) take() ([][]byte, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	q := st.queue
	st.queue = nil
	return q, st.ended
}

// unanswered returns the ids still waiting for an answer.
func (st *stream) unanswered() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	ids := make([]string, 0, len(st.pending))
	for id := range st.pending {
		ids = append(ids, id)
	}
	return ids
}
