package appserver

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/conversation"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/internal/version"
	"github.com/codex-go/codex/protocol"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// v2Thread is a conversation served with the v2 protocol. Its events are
// forwarded from the start, translated into thread, turn and item
// notifications.
type v2Thread struct {
	id   string
	conv *conversation.Conversation
	wire v2.Thread

	// emitMu orders what is written about the thread: answers to turn/start
	// come before the turn's notifications.
	emitMu sync.Mutex
	mu     sync.Mutex
	tr     *v2Translator
	// asking are the approval requests waiting for a client's answer.
	asking map[askKey]pendingApproval
	// interrupting is closed when the turn being interrupted has ended;
	// nil when no interrupt is under way.
	interrupting chan struct{}
	// subs are the connections the thread's notifications go to: the one
	// that started or loaded it and those that resumed it, until they
	// unsubscribe or leave.
	subs subscribers
	// owners are the connections that started the running turns, by turn
	// id: their server requests go to them first.
	owners map[string]*Server
}

// askKey names a server request: request ids are the connection's.
type askKey struct {
	to *Server
	id uint64
}

// pendingApproval is an approval request waiting for its answer.
type pendingApproval struct {
	turnID string             // the turn whose item it is about
	stop   context.CancelFunc // stops waiting for the answer
}

// threadStart starts a conversation with the settings of the request and
// answers with the thread; thread/started follows the answer.
func (s *Server) threadStart(ctx context.Context, p v2.ThreadStartParams, r rpcserver.Reply[v2.ThreadStartResponse]) {
	cfg, err := s.eng.LoadConfig(config.Request{
		Model: p.Model, Cwd: p.Cwd, ApprovalPolicy: p.ApprovalPolicy, Sandbox: p.Sandbox,
		BaseInstructions: p.BaseInstructions, DeveloperInstructions: p.DeveloperInstructions, Ephemeral: p.Ephemeral,
		Config: withProvider(p.Config, p.ModelProvider), Originator: s.clientName(),
	})
	if err != nil {
		r.Fail(ctx, invalidParams("error deriving config: %v", err))
		return
	}
	conv, ev, err := s.eng.Manager.NewConversation(ctx, cfg)
	if err != nil {
		r.Fail(ctx, internalError("error creating thread: %v", err))
		return
	}
	th := s.newV2Thread(conv, cfg, ev)
	resp := s.startAnswer(th, cfg)
	life := s.work.lifetime()
	th.emitMu.Lock()
	defer th.emitMu.Unlock()
	r.Send(ctx, resp)
	s.notifyV2(ctx, v2.NotificationThreadStarted, v2.ThreadStartedNotification{Thread: th.wire})
	if !s.work.Go(func() { s.hub.pumpV2(life, th) }) {
		s.log.Warn("thread events not forwarded: the server is stopping", "thread", th.id)
	}
}

// withProvider adds a model provider choice to a request's config map.
func withProvider(cfg map[string]any, provider *string) map[string]any {
	if provider == nil {
		return cfg
	}
	out := make(map[string]any, len(cfg)+1)
	for k, v := range cfg {
		out[k] = v
	}
	out["model_provider"] = *provider
	return out
}

// clientName is the name the client gave in initialize, nil before it.
func (s *Server) clientName() *string {
	s.peer.mu.Lock()
	defer s.peer.mu.Unlock()
	if s.peer.name == "" {
		return nil
	}
	name := s.peer.name
	return &name
}

// newV2Thread registers a new conversation as a v2 thread.
func (s *Server) newV2Thread(conv *conversation.Conversation, cfg *config.Config, ev protocol.SessionConfiguredEvent) *v2Thread {
	now := time.Now()
	model := cfg.Model
	var path *string
	if !cfg.Ephemeral {
		path = &ev.RolloutPath
	}
	// A thread's originator is the client that started it.
	originator := cfg.Originator
	if originator == "" {
		originator = s.eng.Originator
	}
	th := &v2Thread{
		id:   conv.ID(),
		conv: conv,
		wire: v2.Thread{
			ID: conv.ID(), SessionID: conv.ID(), HistoryMode: "paginated", ModelProvider: cfg.ModelProviderID,
			Model: &model, CreatedAt: now.Unix(), UpdatedAt: now.Unix(), Status: v2.Idle(), Path: path, Ephemeral: cfg.Ephemeral,
			Cwd: cfg.Cwd, CLIVersion: version.Version, Originator: &originator, Source: SessionSource, Turns: []v2.Turn{},
		},
		tr:     newV2Translator(conv.ID(), time.Now),
		asking: map[askKey]pendingApproval{},
		owners: map[string]*Server{},
	}
	// The connection that starts or loads a thread is subscribed to it.
	th.subs.add(s)
	th.wire.ThreadExtras = v2.ThreadExtras{
		Environments:         []v2.Environment{{EnvironmentID: "local", Cwd: cfg.Cwd, RuntimeWorkspaceRoots: []string{cfg.Cwd}}},
		CanAcceptDirectInput: true,
	}
	recency := now.Unix()
	th.wire.RecencyAt = &recency
	if cfg.ModelReasoningEffort != "" {
		effort := cfg.ModelReasoningEffort
		th.wire.ReasoningEffort = &effort
	}
	s.mu.Lock()
	s.threads[th.id] = th
	s.mu.Unlock()
	return th
}

// thread returns a v2 thread of this server.
func (s *Server) thread(id string) (*v2Thread, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	th, ok := s.threads[id]
	if !ok {
		return nil, invalidRequest("thread not found: " + id)
	}
	return th, nil
}

// turnStart starts a turn with the input, or adds the input to the running
// turn. The answer comes before the turn's notifications.
func (s *Server) turnStart(ctx context.Context, p v2.TurnStartParams, r rpcserver.Reply[v2.TurnStartResponse]) {
	th, items, err := s.threadInput(p.ThreadID, p.Input)
	if err != nil {
		r.Fail(ctx, err)
		return
	}
	th.mu.Lock()
	interrupting := th.interrupting
	th.mu.Unlock()
	if interrupting == nil {
		s.startTurnNow(ctx, th, p, items, r)
		return
	}
	// A turn being interrupted takes no more input: this one starts a new
	// turn once the interrupted one has ended.
	life := s.lifetime()
	if !s.goTracked(func() {
		select {
		case <-interrupting:
		case <-life.Done():
		}
		s.startTurnNow(life, th, p, items, r)
	}) {
		r.Fail(ctx, shuttingDown())
	}
}

// startTurnNow submits a turn/start's input. The engine starts a turn with
// it, or adds it to the turn that runs; the answer names that turn and
// comes before its notifications.
func (s *Server) startTurnNow(ctx context.Context, th *v2Thread, p v2.TurnStartParams, items []protocol.InputItem, r rpcserver.Reply[v2.TurnStartResponse]) {
	th.emitMu.Lock()
	defer th.emitMu.Unlock()
	// Events of a new turn carry its id as their submission id.
	turn := newV2Turn("", p.Input)
	turn.subID = turn.id
	th.mu.Lock()
	th.tr.expect(turn)
	th.mu.Unlock()
	var update *protocol.TurnContext
	if p.Cwd != nil || p.ApprovalPolicy != nil || p.SandboxPolicy != nil || p.Model != nil || p.Effort != nil || p.Summary != nil {
		tc := th.turnContext(p)
		update = &tc
	}
	owner, err := th.conv.SubmitInput(turn.subID, items, update)
	th.mu.Lock()
	defer th.mu.Unlock()
	if err != nil {
		th.tr.forget(turn.subID)
		r.Fail(ctx, internalError("submit to thread %s: %v", th.id, err))
		return
	}
	if owner == turn.subID {
		th.owners[turn.id] = s
		r.Send(ctx, v2.TurnStartResponse{Turn: turn.wire(v2.TurnInProgress, time.Now())})
		return
	}
	// The input joined the running turn: the answer names that turn, and
	// the input shows as a user message of it.
	th.tr.forget(turn.subID)
	joined := th.tr.owner(owner)
	if joined == nil {
		r.Fail(ctx, internalError("the input joined a turn this server does not know"))
		return
	}
	r.Send(ctx, v2.TurnStartResponse{Turn: joined.wire(v2.TurnInProgress, time.Now())})
	if !joined.started {
		// It is shown when the turn starts, after the turn's own input.
		joined.later = append(joined.later, p.Input)
		return
	}
	subs := th.subs.all()
	for _, m := range th.tr.steered(p.Input) {
		for _, sub := range subs {
			sub.notifyV2(ctx, m.method, m.params)
		}
	}
}

// turnContext applies a turn/start's overrides to the thread's settings.
func (th *v2Thread) turnContext(p v2.TurnStartParams) protocol.TurnContext {
	tc := th.conv.TurnContext()
	if p.Cwd != nil {
		tc.Cwd = *p.Cwd
	}
	if p.ApprovalPolicy != nil {
		tc.ApprovalPolicy = *p.ApprovalPolicy
	}
	if p.SandboxPolicy != nil {
		tc.SandboxPolicy = sandboxFromV2(*p.SandboxPolicy, tc.SandboxPolicy)
	}
	if p.Model != nil {
		tc.Model = *p.Model
	}
	if p.Effort != nil {
		tc.Effort = *p.Effort
	}
	if p.Summary != nil {
		tc.Summary = *p.Summary
	}
	return tc
}

// sandboxFromV2 converts a v2 sandbox policy; an unknown type keeps the
// current one.
func sandboxFromV2(p v2.ThreadSandbox, current protocol.SandboxPolicy) protocol.SandboxPolicy {
	switch p.Type {
	case "readOnly":
		return protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}
	case "dangerFullAccess":
		return protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}
	case "workspaceWrite":
		out := protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite}
		if p.WritableRoots != nil {
			out.WritableRoots = *p.WritableRoots
		}
		if p.NetworkAccess != nil {
			out.NetworkAccess = *p.NetworkAccess
		}
		if p.ExcludeTmpdirEnvVar != nil {
			out.ExcludeTmpdirEnvVar = *p.ExcludeTmpdirEnvVar
		}
		if p.ExcludeSlashTmp != nil {
			out.ExcludeSlashTmp = *p.ExcludeSlashTmp
		}
		return out
	}
	return current
}

// threadInput returns the v2 thread a request names and its input as the
// engine's input items.
func (s *Server) threadInput(threadID string, input []v2.UserInput) (*v2Thread, []protocol.InputItem, error) {
	th, err := s.thread(threadID)
	if err != nil {
		return nil, nil, err
	}
	items, err := inputItems(input)
	if err != nil {
		return nil, nil, s.badParams("%v", err)
	}
	return th, items, nil
}

// inputItems converts v2 user input to the engine's input items.
func inputItems(input []v2.UserInput) ([]protocol.InputItem, error) {
	items := make([]protocol.InputItem, 0, len(input))
	for _, in := range input {
		switch in.Type {
		case v2.InputText:
			items = append(items, protocol.TextInput(in.Text))
		case v2.InputImage:
			items = append(items, protocol.InputItem{Type: protocol.InputImage, Data: protocol.InputItemData{ImageURL: in.URL}})
		case v2.InputLocalImage:
			items = append(items, protocol.InputItem{Type: protocol.InputLocalImage, Data: protocol.InputItemData{Path: filepath.Clean(in.Path)}})
		default:
			return nil, errors.New("unknown input type " + in.Type)
		}
	}
	return items, nil
}

// turnSteer adds input to the running turn, which must be the expected
// one. The answer comes before the user message's item notifications.
func (s *Server) turnSteer(ctx context.Context, p v2.TurnSteerParams, r rpcserver.Reply[v2.TurnSteerResponse]) {
	th, items, err := s.threadInput(p.ThreadID, p.Input)
	if err != nil {
		r.Fail(ctx, err)
		return
	}
	th.emitMu.Lock()
	defer th.emitMu.Unlock()
	th.mu.Lock()
	turn := th.tr.turn
	th.mu.Unlock()
	switch {
	case turn == nil || !turn.started:
		r.Fail(ctx, invalidRequest("no active turn to steer"))
		return
	case turn.id != p.ExpectedTurnID:
		r.Fail(ctx, invalidRequest("expected active turn id "+p.ExpectedTurnID+" but found "+turn.id))
		return
	}
	if _, err := th.conv.Submit(protocol.UserInputOp{Items: items}); err != nil {
		r.Fail(ctx, internalError("submit to thread %s: %v", th.id, err))
		return
	}
	r.Send(ctx, v2.TurnSteerResponse{TurnID: turn.id})
	th.mu.Lock()
	msgs := th.tr.steered(p.Input)
	th.mu.Unlock()
	for _, m := range msgs {
		th.broadcast(ctx, m.method, m.params)
	}
}

// turnInterrupt stops the running turn. As the reference does, it is
// answered at once, before the turn's turn/completed (status interrupted).
func (s *Server) turnInterrupt(ctx context.Context, p v2.TurnInterruptParams, r rpcserver.Reply[v2.TurnInterruptResponse]) {
	th, err := s.thread(p.ThreadID)
	if err != nil {
		r.Fail(ctx, err)
		return
	}
	life := s.lifetime()
	th.emitMu.Lock()
	defer th.emitMu.Unlock()
	th.mu.Lock()
	if th.interrupting == nil && th.tr.turn != nil {
		th.interrupting = make(chan struct{})
	}
	th.mu.Unlock()
	if !s.goTracked(func() {
		if _, err := th.conv.Interrupt(life); err != nil && life.Err() == nil {
			s.log.Warn("interrupting a turn", "thread", th.id, "error", err)
		}
	}) {
		r.Fail(ctx, shuttingDown())
		return
	}
	// The pump cannot write the turn's end before this answer: emitMu is
	// held until it is written.
	r.Send(ctx, v2.TurnInterruptResponse{})
}

// pumpV2 forwards a thread's events as v2 notifications to the connections
// subscribed to it until the conversation ends or the server stops.
func (h *hub) pumpV2(ctx context.Context, th *v2Thread) {
	for {
		ev, err := th.conv.NextEvent(ctx)
		if errors.Is(err, io.EOF) || err != nil {
			return
		}
		th.emitMu.Lock()
		th.mu.Lock()
		msgs := th.tr.handle(ev)
		th.mu.Unlock()
		ended, isEnd := endedTurn(msgs)
		if isEnd {
			h.resolveMoot(ctx, th, ended)
			th.mu.Lock()
			if th.interrupting != nil {
				close(th.interrupting)
				th.interrupting = nil
			}
			th.mu.Unlock()
		}
		for _, m := range msgs {
			if m.approval != nil {
				h.askV2(ctx, th, m, map[*Server]bool{})
				continue
			}
			if n, ok := m.params.(v2.AccountRateLimitsUpdatedNotification); ok {
				h.limits.store(n.RateLimits)
			}
			th.broadcast(ctx, m.method, m.params)
		}
		if e, ok := ev.Msg.(protocol.ElicitationRequestEvent); ok {
			h.askV2Elicitation(ctx, th, ev.ID, e)
		}
		if isEnd {
			th.mu.Lock()
			delete(th.owners, ended)
			th.mu.Unlock()
		}
		th.emitMu.Unlock()
	}
}

// endedTurn returns the id of the turn msgs complete, if they do.
func endedTurn(msgs []v2Message) (string, bool) {
	for _, m := range msgs {
		if n, ok := m.params.(v2.TurnNotification); ok && m.method == v2.NotificationTurnCompleted {
			return n.Turn.ID, true
		}
	}
	return "", false
}

// resolveMoot ends the approval requests of a turn that is over: each
// connection asked is told they are resolved and their answers are no
// longer awaited. th.emitMu must be held.
func (h *hub) resolveMoot(ctx context.Context, th *v2Thread, turnID string) {
	th.mu.Lock()
	var keys []askKey
	for key, p := range th.asking {
		if p.turnID == turnID {
			p.stop()
			delete(th.asking, key)
			keys = append(keys, key)
		}
	}
	th.mu.Unlock()
	slices.SortFunc(keys, func(a, b askKey) int { return cmp.Compare(a.id, b.id) })
	for _, key := range keys {
		key.to.notifyV2(ctx, v2.NotificationServerRequestResolved, v2.ServerRequestResolvedNotification{
			ThreadID: th.id, RequestID: json.RawMessage(strconv.FormatUint(key.id, 10))})
	}
}

// notifyV2 sends a v2 notification with its emission time, unless the
// client opted out of it.
func (s *Server) notifyV2(ctx context.Context, method string, params any) {
	s.peer.mu.Lock()
	skip := s.peer.optOut[method]
	s.peer.mu.Unlock()
	if skip {
		return
	}
	_ = s.rpc.Notify(ctx, method, params, jsonrpc2.ExtraField(v2.EmittedAtMsMember, time.Now().UnixMilli()))
}

// askV2 sends an approval request to the connection that started the turn
// (else to another one subscribed to the thread, skipping those in tried)
// and, in its own goroutine, submits the engine's decision from the
// answer. An error answer or an unreadable one declines; when the asked
// connection goes away before answering, the request is sent to the next
// connection, and declined when none is left. th.emitMu must be held.
func (h *hub) askV2(ctx context.Context, th *v2Thread, m v2Message, tried map[*Server]bool) {
	to := h.approver(th, m.approval.turnID, tried)
	for to != nil {
		id, call, err := to.rpc.Request(ctx, m.method, m.params)
		if err == nil {
			h.awaitV2Approval(ctx, th, m, tried, askKey{to: to, id: id.Num}, call)
			return
		}
		h.log.Warn("approval request not sent", "thread", th.id, "error", err)
		tried[to] = true
		to = h.approver(th, m.approval.turnID, tried)
	}
	h.log.Warn("no client to ask for an approval; declining", "thread", th.id)
	h.decideV2(ctx, th, m, protocol.DecisionDenied)
}

// answered forgets the server request key once its answer came, and
// reports whether it was still waiting (not made moot meanwhile).
func (th *v2Thread) answered(key askKey) bool {
	th.mu.Lock()
	defer th.mu.Unlock()
	_, waiting := th.asking[key]
	delete(th.asking, key)
	return waiting
}

// awaitV2Approval waits, in its own goroutine, for the answer to the
// approval request key and submits the decision. th.emitMu must be held.
func (h *hub) awaitV2Approval(ctx context.Context, th *v2Thread, m v2Message, tried map[*Server]bool, key askKey, call jsonrpc2.Waiter) {
	waitCtx, stopWaiting := context.WithCancel(ctx)
	th.mu.Lock()
	th.asking[key] = pendingApproval{turnID: m.approval.turnID, stop: stopWaiting}
	th.mu.Unlock()
	h.work.Go(func() {
		defer stopWaiting()
		var resp v2.ApprovalAnswer
		werr := call.Wait(waitCtx, &resp)
		if waitCtx.Err() != nil {
			// The server stops, or the turn ended and the request is moot.
			return
		}
		th.emitMu.Lock()
		defer th.emitMu.Unlock()
		if !th.answered(key) {
			return
		}
		if errors.Is(werr, jsonrpc2.ErrClosed) {
			// The connection asked went away: another one answers.
			h.log.Info("the client asked for an approval left; asking another", "thread", th.id)
			tried[key.to] = true
			h.askV2(ctx, th, m, tried)
			return
		}
		key.to.notifyV2(ctx, v2.NotificationServerRequestResolved, v2.ServerRequestResolvedNotification{ThreadID: th.id, RequestID: json.RawMessage(strconv.FormatUint(key.id, 10))})
		decision := protocol.DecisionDenied
		if werr != nil {
			h.log.Warn("approval request failed; declining", "thread", th.id, "error", werr)
		} else {
			decision = v2Decision(json.RawMessage(resp.Decision))
		}
		h.decideV2(ctx, th, m, decision)
	})
}

// decideV2 hands an approval decision to the engine and tells the
// subscribers how the item was resolved. th.emitMu must be held.
func (h *hub) decideV2(ctx context.Context, th *v2Thread, m v2Message, decision protocol.ReviewDecision) {
	declined := decision != protocol.DecisionApproved && decision != protocol.DecisionApprovedForSession
	th.mu.Lock()
	msgs := th.tr.resolved(*m.approval, declined)
	th.mu.Unlock()
	for _, msg := range msgs {
		th.broadcast(ctx, msg.method, msg.params)
	}
	var op protocol.Op = protocol.ExecApprovalOp{ID: m.approval.callID, Decision: decision}
	if m.approval.patch {
		op = protocol.PatchApprovalOp{ID: m.approval.callID, Decision: decision}
	}
	if _, err := th.conv.Submit(op); err != nil {
		h.log.Warn("approval decision not submitted", "thread", th.id, "error", err)
	}
}

// v2Decision maps a v2 approval decision to the engine's; anything it does
// not know declines.
func v2Decision(raw json.RawMessage) protocol.ReviewDecision {
	var d string
	if json.Unmarshal(raw, &d) != nil {
		return protocol.DecisionDenied
	}
	switch d {
	case v2.DecisionAccept:
		return protocol.DecisionApproved
	case v2.DecisionAcceptForSession:
		return protocol.DecisionApprovedForSession
	case v2.DecisionCancel:
		return protocol.DecisionAbort
	}
	return protocol.DecisionDenied
}
