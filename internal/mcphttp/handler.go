// Package mcphttp serves the Model Context Protocol's streamable HTTP
// transport for a server written for a line stream: each session gets a
// server of its own, fed the client's messages one per line through a
// pipe, and the lines it writes are routed to the HTTP streams they belong
// to. Answers go to the POST that carried their request; notifications and
// server requests go to the POST of the request they belong to (by
// params._meta.requestId, by progress token, or as Options.RelatedRequest
// says) while it is open, else to the session's GET stream.
//
// Admission comes first and refused requests never reach a session: the
// Host header must name a loopback address when the server listens on one
// (against DNS rebinding), an Origin header must be a loopback origin or
// one of Options.AllowedOrigins, and a bearer token is required when
// Options.Token is set (compared in constant time through hashes). Bodies
// are bounded by Options.MaxBodyBytes. Refusals are logged.
package mcphttp

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// ServeFunc runs one session's server: it reads the client's messages
// from in, one JSON object per line, writes its own to out the same way,
// and returns once in has ended and its work is done.
type ServeFunc func(ctx context.Context, in io.Reader, out io.Writer) error

// Defaults of the Options.
const (
	// DefaultMaxBodyBytes bounds a POST body: 4 MiB.
	DefaultMaxBodyBytes = 4 << 20
	// DefaultMaxSessions bounds the sessions open at once.
	DefaultMaxSessions = 64
	// DefaultIdleTimeout ends a session nobody used for that long.
	DefaultIdleTimeout = 30 * time.Minute
)

// keepAliveInterval spaces the comments written on an idle SSE stream, so
// that proxies do not close it.
const keepAliveInterval = 25 * time.Second

// HeaderSessionID carries the session id.
const HeaderSessionID = "Mcp-Session-Id"

// HeaderProtocolVersion carries the negotiated protocol version.
const HeaderProtocolVersion = "Mcp-Protocol-Version"

// Options configure a Handler.
type Options struct {
	// Serve runs the server of a session; required.
	Serve ServeFunc
	// Token, when not empty, is the bearer token every request must carry
	// in its Authorization header.
	Token string
	// Loopback says the server listens on a loopback address only: the
	// Host header of a request must then name a loopback address.
	Loopback bool
	// AllowedOrigins are the origins (scheme://host[:port]) accepted in an
	// Origin header besides loopback ones.
	AllowedOrigins []string
	// MaxBodyBytes bounds a POST body; zero is DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxSessions bounds the sessions open at once; zero is
	// DefaultMaxSessions.
	MaxSessions int
	// IdleTimeout ends a session that served no request for that long;
	// zero is DefaultIdleTimeout.
	IdleTimeout time.Duration
	// ProtocolVersions are the versions accepted in the
	// Mcp-Protocol-Version header; nil accepts any.
	ProtocolVersions []string
	// RelatedRequest, when set, names the client request (its id, as JSON
	// or as the string it holds) that a server request or notification
	// belongs to when its params do not say it the standard way; "" when
	// it cannot tell.
	RelatedRequest func(method string, params json.RawMessage) string
	// Logger receives refusals and diagnostics; nil discards them.
	Logger *slog.Logger
}

// Handler is the http.Handler of the MCP endpoint. Create it with New and
// end it with Close.
type Handler struct {
	opts      Options
	log       *slog.Logger
	tokenHash [sha256.Size]byte
	origins   []string
	ctx       context.Context // lifetime of the sessions' servers
	cancel    context.CancelFunc

	mu       sync.Mutex
	sessions map[string]*session
	closing  bool
}

// New returns a handler serving opts.
func New(opts Options) *Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Handler{opts: opts, log: log, ctx: ctx, cancel: cancel, sessions: map[string]*session{}}
	if opts.Token != "" {
		h.tokenHash = sha256.Sum256([]byte(opts.Token))
	}
	for _, o := range opts.AllowedOrigins {
		h.origins = append(h.origins, strings.ToLower(strings.TrimSuffix(o, "/")))
	}
	go h.expireIdle()
	return h
}

// Close refuses new requests and ends every session: their servers see
// the end of their input, wind down and return. When ctx ends first, the
// servers' context is canceled and Close waits for them still.
func (h *Handler) Close(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	sessions := make([]*session, 0, len(h.sessions))
	for _, s := range h.sessions {
		sessions = append(sessions, s)
	}
	h.mu.Unlock()
	for _, s := range sessions {
		s.closeInput()
	}
	var err error
	for _, s := range sessions {
		select {
		case <-s.done:
		case <-ctx.Done():
			err = ctx.Err()
			h.cancel()
			<-s.done
		}
	}
	h.cancel()
	return err
}

// Sessions returns the number of open sessions.
func (h *Handler) Sessions() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.sessions)
}

// expireIdle ends the sessions nobody used for the idle timeout.
func (h *Handler) expireIdle() {
	tick := time.NewTicker(max(h.opts.IdleTimeout/4, time.Second))
	defer tick.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case now := <-tick.C:
			h.mu.Lock()
			var idle []*session
			for _, s := range h.sessions {
				if last, quiet := s.idleSince(); quiet && now.Sub(last) > h.opts.IdleTimeout {
					idle = append(idle, s)
				}
			}
			h.mu.Unlock()
			for _, s := range idle {
				s.log.Info("ending an idle session")
				s.closeInput()
			}
		}
	}
}

// ServeHTTP serves the endpoint: POST for the client's messages, GET for
// the session's stream of server messages, DELETE to end a session.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if status, reason := h.admit(r); status != 0 {
		h.refuse(w, r, status, reason)
		return
	}
	switch r.Method {
	case http.MethodPost:
		h.post(w, r)
	case http.MethodGet:
		h.get(w, r)
	case http.MethodDelete:
		h.delete(w, r)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		h.refuse(w, r, http.StatusMethodNotAllowed, "method "+r.Method+" is not served")
	}
}

// admit checks a request's Host, Origin and token. It returns the status
// and the reason of a refusal, or 0.
func (h *Handler) admit(r *http.Request) (int, string) {
	if h.opts.Loopback && !loopbackHost(r.Host) {
		return http.StatusForbidden, fmt.Sprintf("host %q is not a loopback address", r.Host)
	}
	if origin := r.Header.Get("Origin"); origin != "" && !h.originAllowed(origin) {
		return http.StatusForbidden, fmt.Sprintf("origin %q is not allowed", origin)
	}
	if h.opts.Token != "" {
		auth := r.Header.Get("Authorization")
		scheme, token, ok := strings.Cut(auth, " ")
		if auth == "" {
			return http.StatusUnauthorized, "no bearer token"
		}
		sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
		if !ok || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], h.tokenHash[:]) != 1 {
			return http.StatusUnauthorized, "wrong bearer token"
		}
	}
	return 0, ""
}

// loopbackHost reports whether a Host header names a loopback address.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// originAllowed reports whether an Origin header may talk to the server.
func (h *Handler) originAllowed(origin string) bool {
	o := strings.ToLower(strings.TrimSuffix(origin, "/"))
	if slices.Contains(h.origins, o) {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return loopbackHost(u.Host)
}

// refuse logs a refused request and answers it with status and reason.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, reason string) {
	h.log.Warn("refused an HTTP request", "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path, "status", status, "reason", reason)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="codex"`)
	}
	http.Error(w, reason, status)
}

// rpcError answers with a JSON-RPC error (id null) and an HTTP status.
func (h *Handler) rpcError(w http.ResponseWriter, r *http.Request, status, code int, msg string) {
	h.log.Warn("refused an HTTP request", "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path, "status", status, "reason", msg)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(errorResponse(nil, code, msg))
}

// accepts reports whether the Accept header takes a media type.
func accepts(r *http.Request, mediaType string) bool {
	values := r.Header.Values("Accept")
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			if mt == mediaType || mt == "*/*" {
				return true
			}
		}
	}
	return false
}

// session returns the session a request names, or answers with the error.
func (h *Handler) session(w http.ResponseWriter, r *http.Request) *session {
	id := r.Header.Get(HeaderSessionID)
	if id == "" {
		h.rpcError(w, r, http.StatusBadRequest, -32600, "the "+HeaderSessionID+" header is required")
		return nil
	}
	h.mu.Lock()
	s := h.sessions[id]
	h.mu.Unlock()
	if s == nil {
		h.rpcError(w, r, http.StatusNotFound, -32600, "session not found")
		return nil
	}
	return s
}

// newSession starts a session, unless there are too many or the handler
// is closing.
func (h *Handler) newSession() (*session, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return nil, errors.New("the server is shutting down")
	}
	if len(h.sessions) >= h.opts.MaxSessions {
		return nil, fmt.Errorf("too many sessions (%d)", len(h.sessions))
	}
	id := uuid.NewString()
	s := startSession(h.ctx, id, h.opts.Serve, h.log, h.opts.RelatedRequest, h.removeSession)
	h.sessions[id] = s
	h.log.Info("session started", "session", id)
	return s, nil
}

// removeSession forgets an ended session.
func (h *Handler) removeSession(s *session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.sessions, s.id)
	h.log.Info("session ended", "session", s.id)
}

// post serves a POST: one message or a batch from the client.
func (h *Handler) post(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		h.refuse(w, r, http.StatusUnsupportedMediaType, "the body must be application/json")
		return
	}
	sse := accepts(r, "text/event-stream")
	if !sse && !accepts(r, "application/json") && r.Header.Get("Accept") != "" {
		h.refuse(w, r, http.StatusNotAcceptable, "the client must accept application/json or text/event-stream")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.refuse(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", h.opts.MaxBodyBytes))
			return
		}
		h.refuse(w, r, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	msgs, batch, err := parseBody(body)
	if err != nil {
		code := -32600
		if !json.Valid(body) {
			code = -32700
		}
		h.rpcError(w, r, http.StatusBadRequest, code, err.Error())
		return
	}
	if v := r.Header.Get(HeaderProtocolVersion); v != "" && h.opts.ProtocolVersions != nil && !slices.Contains(h.opts.ProtocolVersions, v) {
		h.rpcError(w, r, http.StatusBadRequest, -32600, "unsupported protocol version "+v)
		return
	}

	var s *session
	created := false
	initialize := slices.ContainsFunc(msgs, func(m *message) bool { return m.isRequest() && m.Method == "initialize" })
	if initialize && r.Header.Get(HeaderSessionID) == "" {
		if len(msgs) > 1 {
			h.rpcError(w, r, http.StatusBadRequest, -32600, "initialize must be sent alone")
			return
		}
		if s, err = h.newSession(); err != nil {
			h.rpcError(w, r, http.StatusServiceUnavailable, -32603, err.Error())
			return
		}
		created = true
	} else if s = h.session(w, r); s == nil {
		return
	}
	s.begin()
	defer s.end()

	var reqs []*message
	for _, m := range msgs {
		if m.isRequest() {
			reqs = append(reqs, m)
		} else if m.Method == "notifications/cancelled" {
			s.cancelled(m.Params)
		}
	}
	if len(reqs) == 0 {
		if err := s.send(msgs); err != nil {
			h.rpcError(w, r, http.StatusNotFound, -32600, "session not found")
			return
		}
		w.WriteHeader(http.StatusAccepted)
		return
	}
	ids := make([]string, len(reqs))
	for i, m := range reqs {
		ids[i] = idKey(m.ID)
	}
	st := newStream(sse, false, ids)
	if err := s.register(st, reqs); err != nil {
		h.rpcError(w, r, http.StatusBadRequest, -32600, err.Error())
		return
	}
	defer s.forget(st)
	if err := s.send(msgs); err != nil {
		h.rpcError(w, r, http.StatusNotFound, -32600, "session not found")
		return
	}
	if created {
		w.Header().Set(HeaderSessionID, s.id)
	}
	if sse {
		h.writeSSE(w, r, st)
		return
	}
	h.writeJSON(w, r, st, batch)
}

// get serves the GET stream of a session.
func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	if !accepts(r, "text/event-stream") {
		h.refuse(w, r, http.StatusNotAcceptable, "the client must accept text/event-stream")
		return
	}
	s := h.session(w, r)
	if s == nil {
		return
	}
	s.begin()
	defer s.end()
	st := newStream(true, true, nil)
	if err := s.openStandalone(st); err != nil {
		status := http.StatusConflict
		if errors.Is(err, errSessionEnded) {
			status = http.StatusNotFound
		}
		h.refuse(w, r, status, err.Error())
		return
	}
	defer s.forget(st)
	h.writeSSE(w, r, st)
}

// delete ends a session at the client's request, once its server wound
// down (conversations shut down, records flushed).
func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	s := h.session(w, r)
	if s == nil {
		return
	}
	s.closeInput()
	select {
	case <-s.done:
		w.WriteHeader(http.StatusOK)
	case <-r.Context().Done():
	}
}

// writeSSE writes a stream's messages as server-sent events until it ends
// or the client leaves.
func (h *Handler) writeSSE(w http.ResponseWriter, r *http.Request, st *stream) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if rc.Flush() != nil {
		st.abandon()
		return
	}
	keepAlive := time.NewTicker(keepAliveInterval)
	defer keepAlive.Stop()
	for {
		msgs, ended := st.take()
		for _, m := range msgs {
			if _, err := fmt.Fprintf(w, "event: message\ndata: %s\n\n", m); err != nil {
				st.abandon()
				return
			}
		}
		if len(msgs) > 0 && rc.Flush() != nil {
			st.abandon()
			return
		}
		if ended {
			h.writeUnanswered(w, rc, st)
			return
		}
		select {
		case <-st.wake:
		case <-keepAlive.C:
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				st.abandon()
				return
			}
		case <-r.Context().Done():
			st.abandon()
			return
		}
	}
}

// writeUnanswered answers, with an error, the requests of an SSE stream
// that ended before their answers came: the session ended meanwhile.
func (h *Handler) writeUnanswered(w http.ResponseWriter, rc *http.ResponseController, st *stream) {
	ids := st.unanswered()
	for _, id := range ids {
		if _, err := fmt.Fprintf(w, "event: message\ndata: %s\n\n", errorResponse(json.RawMessage(id), -32603, sessionEndedMessage)); err != nil {
			return
		}
	}
	if len(ids) > 0 {
		_ = rc.Flush()
	}
}

// sessionEndedMessage answers requests the session ended before answering.
const sessionEndedMessage = "the session ended before the request was answered"

// writeJSON waits for the answers of a POST's requests and writes them as
// one JSON body: an array for a batch, else the one answer. Requests left
// unanswered because the session ended get an error.
func (h *Handler) writeJSON(w http.ResponseWriter, r *http.Request, st *stream, batch bool) {
	var answers []json.RawMessage
	for {
		msgs, ended := st.take()
		for _, m := range msgs {
			answers = append(answers, m)
		}
		if ended {
			break
		}
		select {
		case <-st.wake:
		case <-r.Context().Done():
			st.abandon()
			return
		}
	}
	for _, id := range st.unanswered() {
		answers = append(answers, errorResponse(json.RawMessage(id), -32603, sessionEndedMessage))
	}
	w.Header().Set("Content-Type", "application/json")
	if batch {
		b, err := json.Marshal(answers)
		if err != nil {
			h.log.Error("encoding a batch answer", "error", err)
			return
		}
		_, _ = w.Write(b)
		return
	}
	if len(answers) > 0 {
		_, _ = w.Write(answers[0])
	}
}
