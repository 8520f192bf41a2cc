package appserver

import (
	"context"
	"io"
	"log/slog"
	"sync"

	"github.com/codex-go/codex/internal/frontend"
)

// Hub is an app server that serves several connections at once, as
// `codex app-server --listen` does: the engine, the v2 threads, the 0.45
// conversations, the saved configuration and the rate limits are shared;
// each connection has its own handshake, notification opt-outs, thread
// subscriptions and server requests. Create it with NewHub, run it with
// Run and serve each accepted connection with ServeConn from within Run's
// serve function.
type Hub struct{ h *hub }

// NewHub returns a hub for opts, whose zero fields get their defaults.
func NewHub(options Options) *Hub { return &Hub{h: newHub(options)} }

// Run calls serve, which accepts connections and serves each with
// ServeConn, and returns once it did and the threads' work has stopped,
// after every conversation was shut down and its rollout flushed. Run
// must be called at most once.
func (h *Hub) Run(ctx context.Context, serve func(ctx context.Context) error) error {
	return h.h.run(ctx, serve)
}

// ServeConn serves one connection reading in and writing out until in
// ends or ctx is canceled, then drops the connection's subscriptions. The
// turns it started keep running. It must be called while Run runs.
func (h *Hub) ServeConn(ctx context.Context, in io.Reader, out io.Writer) error {
	s := newServer(h.h)
	h.h.join(s)
	defer h.h.leave(s)
	return s.rpc.Run(ctx, in, out)
}

// hub is the state the connections of a server share. Its fields are
// promoted into Server, so handlers reach them as before.
type hub struct {
	eng *frontend.Engine
	log *slog.Logger

	mu       sync.Mutex
	threads  map[string]*v2Thread          // v2 threads by id
	convs    map[string]*conversationState // by conversation id
	subs     map[string]*conversationState // by subscription id
	sessions map[*Server]struct{}          // the connections being served

	configMu sync.Mutex     // serialises the v2 writes of config.toml
	limits   rateLimitStore // the latest rate limits a model reported
	work     workGroup      // what outlives a connection: thread event pumps, approvals
}

// newHub returns the shared state for opts.
func newHub(options Options) *hub {
	eng := frontend.NewEngine(frontend.Options(options), SessionSource)
	return &hub{
		eng:      eng,
		log:      eng.Log,
		threads:  map[string]*v2Thread{},
		convs:    map[string]*conversationState{},
		subs:     map[string]*conversationState{},
		sessions: map[*Server]struct{}{},
	}
}

// run serves with serve, then stops the shared work and shuts every
// conversation down.
func (h *hub) run(ctx context.Context, serve func(ctx context.Context) error) error {
	return h.eng.Serve(ctx, func(ctx context.Context) error {
		h.work.start(ctx)
		err := serve(ctx)
		h.work.stop()
		return err
	})
}

// join records a connection being served.
func (h *hub) join(s *Server) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sessions[s] = struct{}{}
}

// leave forgets a connection that ended: it is no longer subscribed to any
// thread or conversation, and server requests go to other connections.
func (h *hub) leave(s *Server) {
	h.mu.Lock()
	delete(h.sessions, s)
	threads := make([]*v2Thread, 0, len(h.threads))
	for _, th := range h.threads {
		threads = append(threads, th)
	}
	convs := make([]*conversationState, 0, len(h.convs))
	for _, st := range h.convs {
		convs = append(convs, st)
	}
	h.mu.Unlock()
	for _, th := range threads {
		th.mu.Lock()
		th.subs.remove(s)
		th.mu.Unlock()
	}
	for _, st := range convs {
		st.removeConnection(s)
	}
}

// connected reports whether s is a connection being served.
func (h *hub) connected(s *Server) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.sessions[s]
	return ok
}

// workGroup runs goroutines under a lifetime and waits for them when it
// stops.
type workGroup struct {
	mu      sync.Mutex
	ctx     context.Context
	cancel  context.CancelFunc
	stopped bool
	wg      sync.WaitGroup
}

// start begins the group's lifetime under ctx.
func (g *workGroup) start(ctx context.Context) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ctx, g.cancel = context.WithCancel(ctx)
}

// lifetime is the context the group's work runs under.
func (g *workGroup) lifetime() context.Context {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ctx == nil {
		return context.Background()
	}
	return g.ctx
}

// Go runs f in a goroutine that stop waits for. It reports false, and does
// not run f, once the group stopped.
func (g *workGroup) Go(f func()) bool {
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		return false
	}
	g.wg.Add(1)
	g.mu.Unlock()
	go func() {
		defer g.wg.Done()
		f()
	}()
	return true
}

// stop cancels the lifetime, refuses new work and waits for the work
// under way.
func (g *workGroup) stop() {
	g.mu.Lock()
	g.stopped = true
	if g.cancel != nil {
		g.cancel()
	}
	g.mu.Unlock()
	g.wg.Wait()
}
