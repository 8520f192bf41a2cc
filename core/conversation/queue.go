package conversation

import (
	"context"
	"io"
	"sync"

	"github.com/codex-go/codex/protocol"
)

// eventQueue is an unbounded FIFO of events: the engine never blocks on a
// slow reader, and events wait while nobody is listening.
type eventQueue struct {
	mu     sync.Mutex
	items  []protocol.Event
	closed bool
	signal chan struct{}
}

func newEventQueue() *eventQueue {
	return &eventQueue{signal: make(chan struct{}, 1)}
}

func (q *eventQueue) push(e protocol.Event) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.items = append(q.items, e)
	q.mu.Unlock()
	q.wake()
}

func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.wake()
}

func (q *eventQueue) wake() {
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// next blocks until an event is available, the queue is closed and
// drained (io.EOF), or ctx ends.
func (q *eventQueue) next(ctx context.Context) (protocol.Event, error) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			e := q.items[0]
			q.items[0] = protocol.Event{}
			q.items = q.items[1:]
			if len(q.items) == 0 {
				q.items = nil
			}
			q.mu.Unlock()
			return e, nil
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			q.wake()
			return protocol.Event{}, io.EOF
		}
		select {
		case <-ctx.Done():
			return protocol.Event{}, ctx.Err()
		case <-q.signal:
		}
	}
}
