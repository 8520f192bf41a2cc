// Package fakemodel is a scripted model provider for tests, demos and
// benchmarks. It listens on 127.0.0.1 and answers with the server-sent event
// stream of the Responses API, so the real model client talks to it over HTTP
// exactly as it would to a hosted provider.
package fakemodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Recorded is one request the server received.
type Recorded struct {
	// Method is the HTTP method.
	Method string
	// Path is the URL path, e.g. /v1/responses.
	Path string
	// Query holds the URL query parameters.
	Query url.Values
	// Header holds the request headers.
	Header http.Header
	// Body is the raw request body.
	Body []byte
	// JSON is Body decoded as a JSON object; nil when it is not one.
	JSON map[string]any
}

// Handler chooses the reply to a request; n is the 0-based index of the
// request among all requests the server received.
type Handler func(r Recorded, n int) Reply

// Reply is what the server answers to one request.
type Reply struct {
	// Status is the HTTP status; 0 means 200 with an event stream.
	Status int
	// Headers are extra response headers.
	Headers map[string]string
	// Body is the response body for non-2xx statuses.
	Body string
	// Events are sent in order as server-sent events for 2xx statuses.
	Events []SSE
	// DropAfter, when positive, ends the response after this many events,
	// whatever remains in Events (so no response.completed is sent).
	DropAfter int
	// Stall keeps the response open after the events until the client goes
	// away or the server is closed.
	Stall bool
	// Delay is waited before each event.
	Delay time.Duration
}

// SSE is one server-sent event.
type SSE struct {
	// Event is the event name; empty writes no event: line.
	Event string
	// Data is marshalled to JSON for the data: line. Ignored when Raw is set.
	Data any
	// Raw, when non-empty, is written verbatim as the data (one data: line
	// per line of Raw), e.g. "[DONE]".
	Raw string
}

// Server is a running fake provider.
type Server struct {
	// URL is the base URL of the provider API, ending in /v1.
	URL string

	ts      *httptest.Server
	handler Handler
	done    chan struct{}
	once    sync.Once

	mu       sync.Mutex
	requests []Recorded
}

// Start starts a server on 127.0.0.1 that answers every request with
// handler; a nil handler answers every request with a 500.
func Start(handler Handler) *Server {
	if handler == nil {
		handler = Script()
	}
	s := &Server{handler: handler, done: make(chan struct{})}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL + "/v1"
	return s
}

// Close releases stalled responses and shuts the server down.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.ts.CloseClientConnections()
		s.ts.Close()
	})
}

// Requests returns a copy of every request received so far, in arrival order.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Recorded(nil), s.requests...)
}

// ConfigTOML returns config.toml lines that select this server as the model
// provider "mock" with retries disabled. The snippet ends with a table, so it
// belongs after any top-level keys.
func (s *Server) ConfigTOML() string {
	return fmt.Sprintf(`model_provider = "mock"

[model_providers.mock]
name = "mock"
base_url = %q
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
`, s.URL)
}

// Script answers the n-th request with replies[n] and any request past the
// end with a 500.
func Script(replies ...Reply) Handler {
	return func(_ Recorded, n int) Reply {
		if n < len(replies) {
			return replies[n]
		}
		return Error(http.StatusInternalServerError, fmt.Sprintf("fakemodel: no scripted reply for request %d", n))
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	rec := Recorded{
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.Query(),
		Header: r.Header.Clone(),
		Body:   body,
	}
	var obj map[string]any
	if json.Unmarshal(body, &obj) == nil {
		rec.JSON = obj
	}
	s.mu.Lock()
	n := len(s.requests)
	s.requests = append(s.requests, rec)
	s.mu.Unlock()

	reply := s.handler(rec, n)
	for k, v := range reply.Headers {
		w.Header().Set(k, v)
	}
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	if status < 200 || status > 299 {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, reply.Body)
		return
	}
	s.stream(w, r, status, reply)
}

// stream writes the reply's events as an event stream.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, status int, reply Reply) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/event-stream")
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	flusher, _ := w.(http.Flusher)
	flush := func() {
		if flusher != nil {
			flusher.Flush()
		}
	}
	flush()
	var buf bytes.Buffer
	events := reply.Events
	dropped := reply.DropAfter > 0 && reply.DropAfter < len(events)
	if dropped {
		events = events[:reply.DropAfter]
	}
	for _, ev := range events {
		if reply.Delay > 0 && !s.wait(r, reply.Delay) {
			return
		}
		buf.Reset()
		if err := ev.encode(&buf); err != nil {
			// Encoding failures are scripting mistakes: end the stream so the
			// client reports it as cut short.
			return
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return
		}
		if reply.Delay > 0 {
			flush()
		}
	}
	// Without a delay the events go out in as few writes as the buffer
	// allows; everything is on the wire before a stall.
	flush()
	if reply.Stall && !dropped {
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
	}
}

// wait sleeps for d; it reports false when the client or server went away.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.done:
		return false
	}
}

// encode writes the event in event-stream form.
func (e SSE) encode(buf *bytes.Buffer) error {
	if e.Event != "" {
		buf.WriteString("event: ")
		buf.WriteString(e.Event)
		buf.WriteByte('\n')
	}
	data := e.Raw
	if data == "" {
		b, err := json.Marshal(e.Data)
		if err != nil {
			return fmt.Errorf("encode %s event: %w", e.Event, err)
		}
		data = string(b)
	}
	for _, line := range strings.Split(data, "\n") {
		buf.WriteString("data: ")
		buf.WriteString(line)
		buf.WriteByte('\n')
	}
	buf.WriteByte('\n')
	return nil
}
