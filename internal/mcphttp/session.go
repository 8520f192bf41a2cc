package mcphttp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"
)

// errSessionEnded is what writing to the input of an ended session fails with.
var errSessionEnded = errors.New("the session has ended")

// session is one MCP session: a server of its own, fed through a pipe, and
// the streams its messages go out on.
type session struct {
	id  string
	log *slog.Logger
	// related names the request a server request or notification belongs
	// to when its params do not say it the standard way.
	related func(method string, params json.RawMessage) string

	inMu sync.Mutex // serialises the writes of messages and the close
	in   *io.PipeWriter

	mu         sync.Mutex
	routes     map[string]*stream // by id of a request waiting for its answer
	progress   map[string]*stream // by progress token of a request
	standalone *stream            // the GET stream, if one is open
	streams    map[*stream]bool   // every stream that may still get messages
	active     int                // HTTP requests being served
	lastUsed   time.Time
	finished   bool

	done chan struct{} // closed once the server ended and its output was read
}

// startSession starts serve on a fresh pair of pipes.
func startSession(ctx context.Context, id string, serve ServeFunc, log *slog.Logger,
	related func(string, json.RawMessage) string, onEnd func(*session),
) *session {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &session{
		id:       id,
		log:      log.With("session", id),
		related:  related,
		in:       inW,
		routes:   map[string]*stream{},
		progress: map[string]*stream{},
		streams:  map[*stream]bool{},
		lastUsed: time.Now(),
		done:     make(chan struct{}),
	}
	go func() {
		if err := serve(ctx, inR, outW); err != nil {
			s.log.Warn("session server failed", "error", err)
		}
		_ = inR.CloseWithError(errSessionEnded)
		_ = outW.Close()
	}()
	go func() {
		s.pump(outR)
		s.finish()
		onEnd(s)
		close(s.done)
	}()
	return s
}

// send writes messages to the server's input, one line each.
func (s *session) send(msgs []*message) error {
	s.inMu.Lock()
	defer s.inMu.Unlock()
	for _, m := range msgs {
		line := append(append([]byte(nil), m.Raw...), '\n')
		if _, err := s.in.Write(line); err != nil {
			return errSessionEnded
		}
	}
	return nil
}

// closeInput ends the server's input: the server winds down, which ends
// the session.
func (s *session) closeInput() {
	s.inMu.Lock()
	defer s.inMu.Unlock()
	_ = s.in.Close()
}

// pump reads the server's messages and routes each to its stream.
func (s *session) pump(out io.Reader) {
	r := bufio.NewReader(out)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			s.dispatch(line)
		}
		if err != nil {
			return
		}
	}
}

// dispatch routes one message of the server: an answer to the stream of its
// request; a notification or a request of the server to the stream of the
// request it belongs to, else to the GET stream. A server request that no
// stream can carry is answered with an error on the client's behalf, so
// the server does not wait for an answer that cannot come.
func (s *session) dispatch(line []byte) {
	m, err := parseMessage(line)
	if err != nil {
		s.log.Error("the server wrote something that is not a message", "error", err)
		return
	}
	if m.isResponse() {
		key := idKey(m.ID)
		s.mu.Lock()
		st := s.routes[key]
		delete(s.routes, key)
		s.mu.Unlock()
		if st == nil || !st.push(m.Raw, key) {
			s.log.Debug("answer dropped: its request's stream is closed", "id", key)
		}
		return
	}
	st := s.relatedStream(m)
	if st != nil && st.sse && st.push(m.Raw, "") {
		return
	}
	s.mu.Lock()
	standalone := s.standalone
	s.mu.Unlock()
	if standalone != nil && standalone.push(m.Raw, "") {
		return
	}
	if m.isRequest() {
		s.log.Warn("no open stream to send a request of the server on; it is answered with an error", "method", m.Method)
		refusal := &message{Raw: errorResponse(m.ID, -32603, "no open stream to deliver the request to the client")}
		// The input is written from another goroutine: the server may be
		// waiting for this reader while it writes.
		go func() { _ = s.send([]*message{refusal}) }()
		return
	}
	s.log.Debug("notification dropped: no open stream", "method", m.Method)
}

// relatedStream returns the stream of the client request a server message
// belongs to: by params._meta.requestId, by progress token, or as the
// related hook says.
func (s *session) relatedStream(m *message) *stream {
	reqID, token := metaOf(m.Params)
	s.mu.Lock()
	defer s.mu.Unlock()
	if hasID(reqID) {
		if st := s.routes[idKey(reqID)]; st != nil {
			return st
		}
	}
	if token != nil {
		if st := s.progress[idKey(token)]; st != nil {
			return st
		}
	}
	if s.related == nil {
		return nil
	}
	want := s.related(m.Method, m.Params)
	if want == "" {
		return nil
	}
	for key, st := range s.routes {
		if key == want {
			return st
		}
		var str string
		if json.Unmarshal([]byte(key), &str) == nil && str == want {
			return st
		}
	}
	return nil
}

// register opens a stream for the requests of a POST. It fails when one of
// their ids is waiting for its answer already, or the session has ended.
func (s *session) register(st *stream, reqs []*message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return errSessionEnded
	}
	for _, m := range reqs {
		if s.routes[idKey(m.ID)] != nil {
			return errors.New("request id " + idKey(m.ID) + " is already in use in this session")
		}
	}
	for _, m := range reqs {
		s.routes[idKey(m.ID)] = st
		if _, token := metaOf(m.Params); token != nil {
			s.progress[idKey(token)] = st
		}
	}
	s.streams[st] = true
	return nil
}

// openStandalone opens the GET stream; a session has at most one.
func (s *session) openStandalone(st *stream) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return errSessionEnded
	}
	if s.standalone != nil && s.standalone.open() {
		return errors.New("the session has an open GET stream already")
	}
	s.standalone = st
	s.streams[st] = true
	return nil
}

// forget drops a stream the client left or that is complete. Its pending
// requests stay routed to it, so their answers are dropped, as the client
// can no longer receive them there.
func (s *session) forget(st *stream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.streams, st)
	for token, t := range s.progress {
		if t == st {
			delete(s.progress, token)
		}
	}
	if s.standalone == st {
		s.standalone = nil
	}
}

// cancelled handles the client's cancellation of a request: it will get no
// answer, so its stream stops waiting for one.
func (s *session) cancelled(params json.RawMessage) {
	var p struct {
		RequestID json.RawMessage `json:"requestId"`
	}
	if json.Unmarshal(params, &p) != nil || !hasID(p.RequestID) {
		return
	}
	key := idKey(p.RequestID)
	s.mu.Lock()
	st := s.routes[key]
	delete(s.routes, key)
	s.mu.Unlock()
	if st == nil {
		return
	}
	st.mu.Lock()
	delete(st.pending, key)
	if len(st.pending) == 0 && !st.standalone {
		st.ended = true
	}
	st.signal()
	st.mu.Unlock()
}

// finish runs once the server's output ended: every stream ends.
func (s *session) finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished = true
	for st := range s.streams {
		st.end()
	}
	s.streams = map[*stream]bool{}
	s.routes = map[string]*stream{}
	s.progress = map[string]*stream{}
	s.standalone = nil
}

// begin and end count the HTTP requests of the session, for the idle timeout.
func (s *session) begin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active++
	s.lastUsed = time.Now()
}

// end finishes what begin started.
func (s *session) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	s.lastUsed = time.Now()
}

// idleSince reports when the session was last used, and false while a
// request of it is being served.
func (s *session) idleSince() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastUsed, s.active == 0
}
