package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Stream is an open model response. Next must not be called concurrently;
// Close may be called at any time.
type Stream struct {
	ctx    context.Context // the caller's context
	cancel context.CancelFunc
	body   io.ReadCloser
	dec    decoder
	idle   time.Duration
	timer  *time.Timer
	idled  atomic.Bool

	first *Event
	err   error
	once  sync.Once
}

func newStream(ctx context.Context, cancel context.CancelFunc, resp *http.Response, dec decoder, idle time.Duration) *Stream {
	s := &Stream{
		ctx:    ctx,
		cancel: cancel,
		body:   resp.Body,
		dec:    dec,
		idle:   idle,
		first:  &Event{Kind: RateLimits, RateLimits: parseRateLimits(resp.Header)},
	}
	if idle > 0 {
		// Firing cancels the request context, which unblocks a pending read.
		s.timer = time.AfterFunc(time.Hour, func() {
			s.idled.Store(true)
			cancel()
		})
		s.timer.Stop()
	}
	return s
}

// Next returns the next event. The first event is always RateLimits. After
// Completed it returns io.EOF. A response that fails, is cut short, goes
// silent for the provider's stream idle timeout or breaks in transit ends
// with a *StreamError; cancelling the context ends it with the context's
// error. Once Next returned an error it keeps returning it.
func (s *Stream) Next() (Event, error) {
	if s.first != nil {
		ev := *s.first
		s.first = nil
		return ev, nil
	}
	if s.err != nil {
		return Event{}, s.err
	}
	if s.timer != nil {
		s.timer.Reset(s.idle)
	}
	ev, err := s.dec.next()
	if s.timer != nil {
		s.timer.Stop()
	}
	if err == nil {
		if ev.Kind == Completed {
			// Nothing follows a completed response: release the connection now.
			s.err = io.EOF
			_ = s.Close()
		}
		return ev, nil
	}
	s.err = s.classify(err)
	_ = s.Close()
	return Event{}, s.err
}

// classify maps a decoder error to what Next reports.
func (s *Stream) classify(err error) error {
	if ctxErr := s.ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if s.idled.Load() {
		return &StreamError{Message: "idle timeout waiting for SSE", Retryable: true}
	}
	var se *StreamError
	if errors.As(err, &se) || errors.Is(err, io.EOF) {
		return err
	}
	return &StreamError{Message: "error reading SSE stream", Retryable: true, Err: err}
}

// Close releases the connection. It is safe to call more than once and
// concurrently with Next, which then returns an error.
func (s *Stream) Close() error {
	s.once.Do(func() {
		if s.timer != nil {
			s.timer.Stop()
		}
		s.cancel()
		_ = s.body.Close()
	})
	return nil
}
