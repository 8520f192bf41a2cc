package appserver

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/internal/version"
	"github.com/codex-go/codex/protocol"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// defaultProvider is the provider of a recorded thread whose rollout does
// not name one: rollouts of 0.45 were all recorded without.
const defaultProvider = "openai"

// interactiveSources are the sources thread/list keeps when the request
// names none.
var interactiveSources = []string{"cli", SessionSource, "appServer"}

// knownSources are the source kinds of the reference's schema.
var knownSources = []string{"cli", "vscode", "exec", "appServer", "subAgent", "subAgentReview", "subAgentCompact",
	"subAgentThreadSpawn", "subAgentOther", "unknown"}

// replayID is the submission id under which recorded events are replayed.
const replayID = "replay"

// historyNamespace derives the stable ids of recorded turns and items that
// the rollout does not record.
var historyNamespace = uuid.MustParse("6f1c2a4e-3b7d-5c9e-8a10-2d4f6b8c0e12")

// recordedTurn is a turn rebuilt from a rollout, with its full items.
type recordedTurn struct {
	wire  v2.Turn
	items []v2.Item
}

// replayHistory rebuilds the turns of a recorded conversation by replaying
// each recorded turn's events through a v2 translator, the one that
// translates live events: the items are those a client saw while the
// turn ran. live are the ids of the turns the loaded thread ran in this
// process, which are the last recorded turns; active says whether its last
// one still runs.
func replayHistory(threadID string, h *rollout.History, live []string, active bool) []recordedTurn {
	out := make([]recordedTurn, 0, len(h.Turns))
	base := len(h.Turns) - len(live)
	for i, rt := range h.Turns {
		id := rt.ID
		switch {
		case id != "":
		case i >= base && base >= 0:
			id = live[i-base]
		default:
			// Derived from what a fork copies, so that a fork's turns keep
			// the ids of the turns they copy.
			id = uuid.NewSHA1(historyNamespace, []byte(rt.StartedAt.UTC().Format(time.RFC3339Nano)+"|"+strconv.Itoa(i))).String()
		}
		out = append(out, replayTurn(threadID, id, rt, active && i == len(h.Turns)-1))
	}
	return out
}

// replayTurn translates one recorded turn.
func replayTurn(threadID, turnID string, rt rollout.RecordedTurn, running bool) recordedTurn {
	clock := rt.StartedAt
	tr := newV2Translator(threadID, func() time.Time { return clock })
	seq := 0
	tr.ids = func() string {
		seq++
		return uuid.NewSHA1(historyNamespace, []byte(turnID+"|"+strconv.Itoa(seq))).String()
	}
	events := rt.Events
	var input []v2.UserInput
	if len(events) > 0 {
		if um, ok := events[0].Msg.(protocol.UserMessageEvent); ok {
			input = userInputOf(um)
			events = events[1:]
		}
	}
	turn := newV2Turn(replayID, input)
	turn.id = turnID
	tr.expect(turn)
	var rec recordedTurn
	collect := func(msgs []v2Message) {
		for _, m := range msgs {
			switch p := m.params.(type) {
			case v2.ItemCompletedNotification:
				rec.items = append(rec.items, p.Item)
			case v2.TurnNotification:
				if m.method == v2.NotificationTurnCompleted {
					rec.wire = p.Turn
				}
			}
		}
	}
	collect(tr.handle(protocol.Event{ID: replayID, Msg: protocol.TaskStartedEvent{}}))
	hasAnswer := false
	for _, ev := range events {
		clock = ev.At
		if um, ok := ev.Msg.(protocol.UserMessageEvent); ok {
			collect(tr.steered(userInputOf(um)))
			continue
		}
		if _, ok := ev.Msg.(protocol.AgentMessageEvent); ok {
			hasAnswer = true
		}
		collect(tr.handle(protocol.Event{ID: replayID, Msg: ev.Msg}))
	}
	clock = rt.EndedAt
	status := v2.TurnCompleted
	switch {
	case rt.End == rollout.TurnAborted:
		status = v2.TurnInterrupted
		collect(tr.handle(protocol.Event{ID: replayID, Msg: protocol.TurnAbortedEvent{Reason: protocol.TurnAbortReason("interrupted")}}))
	default:
		collect(tr.handle(protocol.Event{ID: replayID, Msg: protocol.TaskCompleteEvent{}}))
		if rt.End == rollout.TurnOpen && running {
			status = v2.TurnInProgress
		} else if rt.End == rollout.TurnOpen && !hasAnswer {
			status = v2.TurnInterrupted
		}
	}
	if rec.wire.ID == "" {
		rec.wire = turn.wire(status, clock)
	}
	rec.wire.Status = status
	if status == v2.TurnInProgress {
		rec.wire.CompletedAt, rec.wire.DurationMs = nil, nil
	}
	if rec.items == nil {
		rec.items = []v2.Item{}
	}
	return rec
}

// userInputOf is the v2 input of a recorded user message.
func userInputOf(m protocol.UserMessageEvent) []v2.UserInput {
	in := []v2.UserInput{}
	if m.Message != "" {
		in = append(in, v2.UserInput{Type: v2.InputText, Text: m.Message})
	}
	for _, url := range m.Images {
		in = append(in, v2.UserInput{Type: v2.InputImage, URL: url})
	}
	return in
}

// view returns the turn with the items a view asks for.
func (rt recordedTurn) view(itemsView string) v2.Turn {
	w := rt.wire
	switch itemsView {
	case v2.ItemsNotLoaded:
		w.Items, w.ItemsView = []v2.Item{}, v2.ItemsNotLoaded
	case v2.ItemsFull:
		w.Items, w.ItemsView = rt.items, v2.ItemsFull
	default:
		w.Items, w.ItemsView = []v2.Item{}, v2.ItemsSummary
		for _, it := range rt.items {
			switch it.(type) {
			case v2.UserMessageItem, v2.AgentMessageItem:
				w.Items = append(w.Items, it)
			}
		}
	}
	return w
}

// threadIDParam checks a thread id of a request.
func threadIDParam(id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return invalidRequest("invalid thread id: " + err.Error())
	}
	return nil
}

// loaded returns the v2 thread id of this server, if it is loaded.
func (s *Server) loaded(id string) *v2Thread {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.threads[id]
}

// recordedThread is what the server knows about a thread: its rollout's
// head, and the loaded thread when it is loaded.
type recordedThread struct {
	info rollout.ThreadInfo
	th   *v2Thread
}

// lookupThread finds a thread, loaded or recorded (archived too when
// archived is set).
func (s *Server) lookupThread(id string, archived bool) (recordedThread, error) {
	if err := threadIDParam(id); err != nil {
		return recordedThread{}, err
	}
	th := s.loaded(id)
	if th != nil && th.wire.Path == nil {
		return recordedThread{th: th}, nil
	}
	path, err := rollout.FindThread(s.eng.CodexHome, id, false)
	if errors.Is(err, rollout.ErrNotFound) && archived {
		path, err = rollout.FindThread(s.eng.CodexHome, id, true)
	}
	if err != nil {
		if th != nil {
			return recordedThread{th: th}, nil
		}
		if errors.Is(err, rollout.ErrNotFound) {
			return recordedThread{}, invalidRequest("thread not found: " + id)
		}
		return recordedThread{}, internalError("error finding thread %s: %v", id, err)
	}
	info, err := rollout.ThreadInfoAt(path)
	if err != nil && th == nil {
		if errors.Is(err, rollout.ErrNotFound) {
			return recordedThread{}, invalidRequest("thread not found: " + id + " (its rollout holds no message yet)")
		}
		return recordedThread{}, internalError("error reading thread %s: %v", id, err)
	}
	return recordedThread{info: info, th: th}, nil
}

// wire is the thread as v2 shows it, without turns.
func (rt recordedThread) wire(names map[string]string) v2.Thread {
	if rt.th != nil {
		rt.th.mu.Lock()
		w := rt.th.wire
		if rt.th.tr.turn != nil {
			w.Status = v2.Active()
		}
		rt.th.mu.Unlock()
		if rt.info.Preview != "" {
			w.Preview = rt.info.Preview
			updated := rt.info.UpdatedAt.Unix()
			w.UpdatedAt, w.RecencyAt = updated, &updated
		}
		w.Turns = []v2.Turn{}
		return w
	}
	return threadOfInfo(rt.info, names)
}

// threadOfInfo describes a thread that is not loaded.
func threadOfInfo(info rollout.ThreadInfo, names map[string]string) v2.Thread {
	meta := info.Meta
	provider := meta.ModelProvider
	if provider == "" {
		provider = defaultProvider
	}
	path := info.Path
	updated := info.UpdatedAt.Unix()
	w := v2.Thread{
		ID: info.ID, SessionID: info.ID, Preview: info.Preview, HistoryMode: "paginated", ModelProvider: provider,
		CreatedAt: info.CreatedAt.Unix(), UpdatedAt: updated, RecencyAt: &updated, Status: v2.ThreadStatus{Type: v2.ThreadNotLoaded},
		Path: &path, Cwd: meta.Cwd, CLIVersion: meta.CLIVersion, Source: meta.Source, Turns: []v2.Turn{},
	}
	w.Environments = []v2.Environment{}
	if info.Model != "" {
		model := info.Model
		w.Model = &model
	}
	if meta.Originator != "" {
		originator := meta.Originator
		w.Originator = &originator
	}
	if meta.ForkedFromID != "" {
		from := meta.ForkedFromID
		w.ForkedFromID = &from
	}
	if g := meta.Git; g != nil {
		w.GitInfo = &v2.GitInfo{SHA: orNil(g.CommitHash), Branch: orNil(g.Branch), OriginURL: orNil(g.RepositoryURL)}
	}
	if name, ok := names[info.ID]; ok {
		w.Name = &name
	}
	return w
}

// orNil returns nil for "" and a pointer to s otherwise.
func orNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// names reads the thread names, logging a failure.
func (s *Server) names() map[string]string {
	names, err := rollout.Names(s.eng.CodexHome)
	if err != nil {
		s.log.Warn("thread names not read", "error", err)
		return map[string]string{}
	}
	return names
}

// pageSize checks a request's limit: def when absent, at most max.
func (s *Server) pageSize(limit *int64, def, maxSize int) (int, error) {
	if limit == nil {
		return def, nil
	}
	if *limit < 0 || *limit > math.MaxUint32 {
		return 0, s.badParams("limit must be between 0 and %d, got %d", uint32(math.MaxUint32), *limit)
	}
	if *limit == 0 {
		return def, nil
	}
	return min(int(*limit), maxSize), nil
}

// direction checks a sort direction: def when absent.
func (s *Server) direction(d *string, def string) (string, error) {
	if d == nil {
		return def, nil
	}
	if *d != v2.SortAsc && *d != v2.SortDesc {
		return "", s.badParams("unknown sortDirection %q: want asc or desc", *d)
	}
	return *d, nil
}

// threadList answers a page of recorded threads.
func (s *Server) threadList(_ context.Context, p v2.ThreadListParams) (v2.ThreadListResponse, error) {
	var none v2.ThreadListResponse
	size, err := s.pageSize(p.Limit, rollout.DefaultPageSize, rollout.MaxPageSize)
	if err != nil {
		return none, err
	}
	dir, err := s.direction(p.SortDirection, v2.SortDesc)
	if err != nil {
		return none, err
	}
	key := v2.SortCreatedAt
	if p.SortKey != nil {
		key = *p.SortKey
	}
	switch key {
	case v2.SortCreatedAt, v2.SortUpdatedAt, v2.SortRecencyAt, v2.SortSectionPosition:
	default:
		return none, s.badParams("unknown sortKey %q", key)
	}
	for _, kind := range p.SourceKinds {
		if !slices.Contains(knownSources, kind) {
			return none, s.badParams("unknown source kind %q", kind)
		}
	}
	if len(p.Originators) > 0 {
		return none, s.badParams("originators filter is not supported by the local thread store")
	}
	if len(p.IncludedThreadIDs) > 100 || len(p.ExcludedThreadIDs) > 100 {
		return none, s.badParams("includedThreadIds and excludedThreadIds take at most 100 ids")
	}
	for _, id := range append(slices.Clone(p.IncludedThreadIDs), p.ExcludedThreadIDs...) {
		if _, err := uuid.Parse(id); err != nil {
			return none, s.badParams("invalid thread id %q", id)
		}
	}
	names := s.names()
	sources := p.SourceKinds
	if len(sources) == 0 {
		sources = interactiveSources
	}
	keep := func(info rollout.ThreadInfo) bool {
		if p.SectionID != nil {
			return false
		}
		if p.Cwd != nil && !slices.Contains(*p.Cwd, info.Meta.Cwd) {
			return false
		}
		if len(p.ModelProviders) > 0 {
			provider := info.Meta.ModelProvider
			if provider == "" {
				provider = defaultProvider
			}
			if !slices.Contains(p.ModelProviders, provider) {
				return false
			}
		}
		source := info.Meta.Source
		if source == "" {
			source = "unknown"
		}
		if !slices.Contains(sources, source) {
			return false
		}
		if p.IncludedThreadIDs != nil && !slices.Contains(p.IncludedThreadIDs, info.ID) {
			return false
		}
		if slices.Contains(p.ExcludedThreadIDs, info.ID) {
			return false
		}
		if p.SearchTerm != nil && *p.SearchTerm != "" &&
			!strings.Contains(info.Preview, *p.SearchTerm) && !strings.Contains(names[info.ID], *p.SearchTerm) {
			return false
		}
		return true
	}
	q := rollout.ThreadQuery{
		Archived: p.Archived != nil && *p.Archived, PageSize: size, ByUpdated: key == v2.SortUpdatedAt || key == v2.SortRecencyAt,
		Ascending: dir == v2.SortAsc, Keep: keep,
	}
	if p.Cursor != nil {
		q.Cursor = *p.Cursor
	}
	page, err := rollout.ListThreads(s.eng.CodexHome, q)
	if err != nil {
		if errors.Is(err, rollout.ErrBadCursor) {
			return none, invalidRequest("invalid cursor: " + q.Cursor)
		}
		return none, internalError("error listing threads: %v", err)
	}
	resp := v2.ThreadListResponse{Data: make([]v2.Thread, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, info := range page.Items {
		rt := recordedThread{info: info}
		if !q.Archived {
			rt.th = s.loaded(info.ID)
		}
		resp.Data = append(resp.Data, rt.wire(names))
	}
	return resp, nil
}

// history reads and replays a thread's recorded turns.
func (s *Server) history(rt recordedThread) ([]recordedTurn, error) {
	path := rt.info.Path
	var live []string
	active := false
	if rt.th != nil {
		rt.th.mu.Lock()
		live = slices.Clone(rt.th.tr.started)
		active = rt.th.tr.turn != nil
		rt.th.mu.Unlock()
		if rt.th.wire.Path == nil {
			return nil, nil
		}
		path = *rt.th.wire.Path
	}
	if path == "" {
		return nil, nil
	}
	h, err := rollout.ReadHistory(path)
	if err != nil {
		return nil, internalError("error reading thread history: %v", err)
	}
	id := h.Meta.ID
	if rt.th != nil {
		id = rt.th.id
	}
	if h.Compactions > 0 {
		s.log.Debug("compacted history shown uncompacted", "thread", id, "compactions", h.Compactions)
	}
	return replayHistory(id, h, live, active), nil
}

// threadRead describes a thread, with its turns when asked.
func (s *Server) threadRead(_ context.Context, p v2.ThreadReadParams) (v2.ThreadReadResponse, error) {
	rt, err := s.lookupThread(p.ThreadID, true)
	if err != nil {
		return v2.ThreadReadResponse{}, err
	}
	w := rt.wire(s.names())
	if p.IncludeTurns {
		turns, err := s.history(rt)
		if err != nil {
			return v2.ThreadReadResponse{}, err
		}
		for _, t := range turns {
			w.Turns = append(w.Turns, t.view(v2.ItemsFull))
		}
	}
	return v2.ThreadReadResponse{Thread: w}, nil
}

// threadResume loads a recorded thread, or answers with the loaded one.
func (s *Server) threadResume(ctx context.Context, p v2.ThreadResumeParams, r rpcserver.Reply[v2.ThreadResumeResponse]) {
	if th := s.loaded(p.ThreadID); th != nil {
		th.mu.Lock()
		th.subs.add(s)
		th.mu.Unlock()
		resp, err := s.loadedAnswer(recordedThread{th: th}, !p.ExcludeTurns)
		if err != nil {
			r.Fail(ctx, err)
			return
		}
		r.Send(ctx, resp)
		return
	}
	rt, err := s.lookupThread(p.ThreadID, false)
	if err != nil {
		r.Fail(ctx, err)
		return
	}
	path := rt.info.Path
	cfg, err := s.eng.LoadConfig(config.Request{
		Model: p.Model, Cwd: p.Cwd, ApprovalPolicy: p.ApprovalPolicy, Sandbox: p.Sandbox,
		BaseInstructions: p.BaseInstructions, Config: withProvider(p.Config, p.ModelProvider),
	})
	if err != nil {
		r.Fail(ctx, invalidParams("error deriving config: %v", err))
		return
	}
	s.loadThread(ctx, cfg, path, !p.ExcludeTurns, false, r)
}

// loadThread resumes the rollout at path as a v2 thread and answers with
// it; a fork's thread/started follows the answer.
func (s *Server) loadThread(ctx context.Context, cfg *config.Config, path string, withTurns, fork bool, r rpcserver.Reply[v2.ThreadStartResponse]) {
	info, err := rollout.ThreadInfoAt(path)
	if err != nil {
		r.Fail(ctx, invalidRequest("cannot resume "+path+": "+err.Error()))
		return
	}
	if s.loaded(info.ID) != nil {
		r.Fail(ctx, invalidRequest("thread "+info.ID+" is already loaded"))
		return
	}
	h, err := rollout.ReadHistory(path)
	if err != nil {
		r.Fail(ctx, invalidRequest("cannot resume "+path+": "+err.Error()))
		return
	}
	conv, ev, err := s.eng.Manager.ResumeConversation(ctx, cfg, path)
	if err != nil {
		r.Fail(ctx, internalError("error resuming thread: %v", err))
		return
	}
	th := s.newV2Thread(conv, cfg, ev)
	names := s.names()
	th.mu.Lock()
	th.wire.Preview = info.Preview
	th.wire.CreatedAt = info.CreatedAt.Unix()
	if info.Meta.ForkedFromID != "" {
		from := info.Meta.ForkedFromID
		th.wire.ForkedFromID = &from
	}
	if name, ok := names[info.ID]; ok {
		th.wire.Name = &name
	}
	if g := info.Meta.Git; g != nil {
		th.wire.GitInfo = &v2.GitInfo{SHA: orNil(g.CommitHash), Branch: orNil(g.Branch), OriginURL: orNil(g.RepositoryURL)}
	}
	started := th.wire
	th.mu.Unlock()
	resp := s.startAnswer(th, cfg)
	if withTurns {
		for _, t := range replayHistory(th.id, h, nil, false) {
			resp.Thread.Turns = append(resp.Thread.Turns, t.view(v2.ItemsFull))
		}
	}
	life := s.work.lifetime()
	th.emitMu.Lock()
	defer th.emitMu.Unlock()
	r.Send(ctx, resp)
	if fork {
		s.notifyV2(ctx, v2.NotificationThreadStarted, v2.ThreadStartedNotification{Thread: started})
	}
	if !s.work.Go(func() { s.hub.pumpV2(life, th) }) {
		s.log.Warn("thread events not forwarded: the server is stopping", "thread", th.id)
	}
}

// startAnswer is the answer describing a thread and its settings.
func (s *Server) startAnswer(th *v2Thread, cfg *config.Config) v2.ThreadStartResponse {
	th.mu.Lock()
	w := th.wire
	th.mu.Unlock()
	w.Turns = []v2.Turn{}
	return v2.ThreadStartResponse{
		Thread: w, Model: cfg.Model, ModelProvider: cfg.ModelProviderID, DisabledPluginIDs: []string{},
		Cwd: cfg.Cwd, InstructionSrcs: []string{}, ApprovalPolicy: cfg.ApprovalPolicy, ApprovalsReviewer: "user",
		Sandbox: v2.ThreadSandboxOf(cfg.SandboxPolicy), ReasoningEffort: w.ReasoningEffort,
		RuntimeWorkspaceRoots: []string{cfg.Cwd}, MultiAgentMode: "explicitRequestOnly",
		ActivePermissionProfile: permissionProfile(cfg.ApprovalPolicy, cfg.SandboxPolicy.Mode),
	}
}

// permissionProfile is the built-in permission preset an approval policy
// and a sandbox make up, as the reference names them; nil for the
// combinations no preset has.
func permissionProfile(approval protocol.AskForApproval, sandbox protocol.SandboxMode) *v2.PermissionProfile {
	var id string
	switch {
	case approval == protocol.ApprovalOnRequest && sandbox == protocol.SandboxReadOnly:
		id = ":read-only"
	case approval == protocol.ApprovalOnRequest && sandbox == protocol.SandboxWorkspaceWrite:
		id = ":workspace"
	case approval == protocol.ApprovalNever && sandbox == protocol.SandboxDangerFullAccess:
		id = ":danger-full-access"
	default:
		return nil
	}
	return &v2.PermissionProfile{ID: id}
}

// loadedAnswer answers thread/resume for a thread that is loaded.
func (s *Server) loadedAnswer(rt recordedThread, withTurns bool) (v2.ThreadStartResponse, error) {
	resp := s.startAnswer(rt.th, rt.th.conv.Config())
	if path := rt.th.wire.Path; path != nil {
		if info, err := rollout.ThreadInfoAt(*path); err == nil {
			rt.info = info
		}
	}
	resp.Thread = rt.wire(s.names())
	if withTurns {
		turns, err := s.history(rt)
		if err != nil {
			return resp, err
		}
		for _, t := range turns {
			resp.Thread.Turns = append(resp.Thread.Turns, t.view(v2.ItemsFull))
		}
	}
	return resp, nil
}

// threadFork starts a new thread with a copy of a thread's recorded
// history, up to a turn when one is named.
func (s *Server) threadFork(ctx context.Context, p v2.ThreadForkParams, r rpcserver.Reply[v2.ThreadForkResponse]) {
	if p.Ephemeral != nil && *p.Ephemeral {
		r.Fail(ctx, s.badParams("ephemeral forks are not supported"))
		return
	}
	src, err := s.lookupThread(p.ThreadID, false)
	if err != nil {
		r.Fail(ctx, err)
		return
	}
	if src.th != nil && src.th.wire.Path == nil {
		r.Fail(ctx, invalidRequest("thread "+p.ThreadID+" is ephemeral and has no history to fork"))
		return
	}
	path := src.info.Path
	if src.th != nil {
		path = *src.th.wire.Path
	}
	h, err := rollout.ReadHistory(path)
	if err != nil {
		r.Fail(ctx, internalError("error reading thread history: %v", err))
		return
	}
	keep := math.MaxInt
	if p.LastTurnID != nil {
		turns, err := s.history(recordedThread{info: rollout.ThreadInfo{Path: path}, th: src.th})
		if err != nil {
			r.Fail(ctx, err)
			return
		}
		i := slices.IndexFunc(turns, func(t recordedTurn) bool { return t.wire.ID == *p.LastTurnID })
		switch {
		case i < 0:
			r.Fail(ctx, invalidRequest("turn not found: "+*p.LastTurnID))
			return
		case turns[i].wire.Status == v2.TurnInProgress:
			r.Fail(ctx, invalidRequest("turn "+*p.LastTurnID+" is in progress and cannot be forked"))
			return
		}
		keep = h.Turns[i].EndLine
	}
	cfg, err := s.eng.LoadConfig(config.Request{
		Model: p.Model, Cwd: p.Cwd, ApprovalPolicy: p.ApprovalPolicy, Sandbox: p.Sandbox,
		BaseInstructions: p.BaseInstructions, Config: withProvider(p.Config, p.ModelProvider),
	})
	if err != nil {
		r.Fail(ctx, invalidParams("error deriving config: %v", err))
		return
	}
	id, err := uuid.NewV7()
	if err != nil {
		r.Fail(ctx, internalError("thread id: %v", err))
		return
	}
	meta := h.Meta
	meta.ID, meta.ForkedFromID, meta.Timestamp = id.String(), h.Meta.ID, ""
	meta.CLIVersion, meta.ModelProvider = version.Version, cfg.ModelProviderID
	forked, err := rollout.Fork(s.eng.CodexHome, path, meta, keep, time.Now(), nil)
	if err != nil {
		r.Fail(ctx, internalError("error forking thread: %v", err))
		return
	}
	if name, ok := s.names()[h.Meta.ID]; ok {
		if err := rollout.SetName(s.eng.CodexHome, meta.ID, name, time.Now()); err != nil {
			s.log.Warn("fork's name not recorded", "thread", meta.ID, "error", err)
		}
	}
	s.loadThread(ctx, cfg, forked, !p.ExcludeTurns, true, r)
}

// unload shuts a loaded thread down and forgets it; the client is told
// it is no longer loaded.
func (s *Server) unload(ctx context.Context, id string) error {
	s.mu.Lock()
	th, ok := s.threads[id]
	delete(s.threads, id)
	s.mu.Unlock()
	if !ok {
		return nil
	}
	if err := s.eng.Manager.Remove(ctx, id); err != nil {
		return internalError("error shutting thread %s down: %v", id, err)
	}
	th.mu.Lock()
	th.wire.Status = v2.ThreadStatus{Type: v2.ThreadNotLoaded}
	th.mu.Unlock()
	s.notifyV2(ctx, v2.NotificationThreadStatusChanged, v2.ThreadStatusChangedNotification{ThreadID: id, Status: v2.ThreadStatus{Type: v2.ThreadNotLoaded}})
	return nil
}

// threadArchive moves a thread's rollout to the archive; a loaded thread
// is shut down first. thread/archived follows the answer.
func (s *Server) threadArchive(ctx context.Context, p v2.ThreadIDParams, r rpcserver.Reply[v2.ThreadArchiveResponse]) {
	if err := threadIDParam(p.ThreadID); err != nil {
		r.Fail(ctx, err)
		return
	}
	path, err := rollout.FindThread(s.eng.CodexHome, p.ThreadID, false)
	if err != nil {
		r.Fail(ctx, invalidRequest("no rollout found for thread id "+p.ThreadID))
		return
	}
	if err := s.unload(ctx, p.ThreadID); err != nil {
		r.Fail(ctx, err)
		return
	}
	if _, err := rollout.Archive(s.eng.CodexHome, p.ThreadID, path); err != nil {
		r.Fail(ctx, invalidRequest(err.Error()))
		return
	}
	r.Send(ctx, v2.ThreadArchiveResponse{})
	s.notifyV2(ctx, v2.NotificationThreadArchived, v2.ThreadIDNotification(p))
}

// threadUnarchive moves an archived thread's rollout back; thread/unarchived
// follows the answer.
func (s *Server) threadUnarchive(ctx context.Context, p v2.ThreadIDParams, r rpcserver.Reply[v2.ThreadUnarchiveResponse]) {
	if err := threadIDParam(p.ThreadID); err != nil {
		r.Fail(ctx, err)
		return
	}
	path, err := rollout.Unarchive(s.eng.CodexHome, p.ThreadID)
	if err != nil {
		if errors.Is(err, rollout.ErrNotFound) {
			r.Fail(ctx, invalidRequest("no archived rollout found for thread id "+p.ThreadID))
			return
		}
		r.Fail(ctx, internalError("error unarchiving thread: %v", err))
		return
	}
	info, err := rollout.ThreadInfoAt(path)
	if err != nil {
		r.Fail(ctx, internalError("error reading unarchived thread: %v", err))
		return
	}
	r.Send(ctx, v2.ThreadUnarchiveResponse{Thread: threadOfInfo(info, s.names())})
	s.notifyV2(ctx, v2.NotificationThreadUnarchived, v2.ThreadIDNotification(p))
}

// threadDelete deletes a thread's rollout, archived or not; a loaded
// thread is shut down first. thread/deleted follows the answer.
func (s *Server) threadDelete(ctx context.Context, p v2.ThreadIDParams, r rpcserver.Reply[v2.ThreadDeleteResponse]) {
	if err := threadIDParam(p.ThreadID); err != nil {
		r.Fail(ctx, err)
		return
	}
	loaded := s.loaded(p.ThreadID)
	if err := s.unload(ctx, p.ThreadID); err != nil {
		r.Fail(ctx, err)
		return
	}
	if err := rollout.Delete(s.eng.CodexHome, p.ThreadID); err != nil {
		if !errors.Is(err, rollout.ErrNotFound) {
			r.Fail(ctx, internalError("error deleting thread: %v", err))
			return
		}
		if loaded == nil || loaded.wire.Path != nil {
			r.Fail(ctx, invalidRequest("no rollout found for thread id "+p.ThreadID))
			return
		}
	}
	r.Send(ctx, v2.ThreadDeleteResponse{})
	s.notifyV2(ctx, v2.NotificationThreadDeleted, v2.ThreadIDNotification(p))
}

// threadSetName names a thread in the session index, where the name
// outlives the server; thread/name/updated follows the answer.
func (s *Server) threadSetName(ctx context.Context, p v2.ThreadSetNameParams, r rpcserver.Reply[v2.ThreadSetNameResponse]) {
	name := strings.TrimSpace(p.Name)
	if name == "" {
		r.Fail(ctx, s.badParams("thread name must not be empty"))
		return
	}
	if _, err := s.lookupThread(p.ThreadID, true); err != nil {
		r.Fail(ctx, err)
		return
	}
	if err := rollout.SetName(s.eng.CodexHome, p.ThreadID, name, time.Now()); err != nil {
		r.Fail(ctx, internalError("error naming thread: %v", err))
		return
	}
	if th := s.loaded(p.ThreadID); th != nil {
		th.mu.Lock()
		th.wire.Name = &name
		th.mu.Unlock()
	}
	r.Send(ctx, v2.ThreadSetNameResponse{})
	s.notifyV2(ctx, v2.NotificationThreadNameUpdated, v2.ThreadNameUpdatedNotification{ThreadID: p.ThreadID, ThreadName: &name})
}

// threadUnsubscribe stops sending a loaded thread's notifications.
func (s *Server) threadUnsubscribe(_ context.Context, p v2.ThreadIDParams) (v2.ThreadUnsubscribeResponse, error) {
	if err := threadIDParam(p.ThreadID); err != nil {
		return v2.ThreadUnsubscribeResponse{}, err
	}
	th := s.loaded(p.ThreadID)
	if th == nil {
		return v2.ThreadUnsubscribeResponse{Status: v2.UnsubscribeNotLoaded}, nil
	}
	th.mu.Lock()
	defer th.mu.Unlock()
	if !th.subs.remove(s) {
		return v2.ThreadUnsubscribeResponse{Status: v2.UnsubscribeNotSubscribed}, nil
	}
	return v2.ThreadUnsubscribeResponse{Status: v2.Unsubscribed}, nil
}

// threadLoadedList lists the ids of the loaded threads, in id order.
func (s *Server) threadLoadedList(_ context.Context, p v2.ThreadLoadedListParams) (v2.ThreadLoadedListResponse, error) {
	size, err := s.pageSize(p.Limit, math.MaxInt, math.MaxInt)
	if err != nil {
		return v2.ThreadLoadedListResponse{}, err
	}
	s.mu.Lock()
	ids := make([]string, 0, len(s.threads))
	for id := range s.threads {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	slices.Sort(ids)
	if p.Cursor != nil {
		i, _ := slices.BinarySearch(ids, *p.Cursor)
		if i < len(ids) && ids[i] == *p.Cursor {
			i++
		}
		ids = ids[i:]
	}
	resp := v2.ThreadLoadedListResponse{Data: ids}
	if len(ids) > size {
		resp.Data = ids[:size]
		next := ids[size-1]
		resp.NextCursor = &next
	}
	return resp, nil
}

// Cursor prefixes of thread/turns/list and thread/items/list: a page
// starts after the named turn or item, or from it.
const (
	cursorAfter = "after:"
	cursorFrom  = "from:"
)

// window returns the part of n ordered entries a page shows: from the
// cursor (whose entry is found by index), in a direction, at most size.
// next and back are the indexes for the next cursor and the backwards
// cursor, -1 when there is none.
func window(n int, index func(string) int, cursor string, asc bool, size int) (idx []int, next int, err error) {
	start, step := 0, 1
	if !asc {
		start, step = n-1, -1
	}
	if cursor != "" {
		var id string
		inclusive := false
		switch {
		case strings.HasPrefix(cursor, cursorAfter):
			id = strings.TrimPrefix(cursor, cursorAfter)
		case strings.HasPrefix(cursor, cursorFrom):
			id, inclusive = strings.TrimPrefix(cursor, cursorFrom), true
		default:
			return nil, -1, errors.New("invalid cursor: " + cursor)
		}
		i := index(id)
		if i < 0 {
			return nil, -1, errors.New("invalid cursor: " + cursor + " names nothing of the thread")
		}
		start = i
		if !inclusive {
			start = i + step
		}
	}
	next = -1
	for i := start; i >= 0 && i < n; i += step {
		if len(idx) == size {
			next = idx[len(idx)-1]
			break
		}
		idx = append(idx, i)
	}
	return idx, next, nil
}

// turnsOf returns a thread's replayed turns.
func (s *Server) turnsOf(threadID string) ([]recordedTurn, error) {
	rt, err := s.lookupThread(threadID, true)
	if err != nil {
		return nil, err
	}
	return s.history(rt)
}

// threadTurnsList pages through a thread's turns, newest first unless
// asked otherwise.
func (s *Server) threadTurnsList(_ context.Context, p v2.ThreadTurnsListParams) (v2.ThreadTurnsListResponse, error) {
	var none v2.ThreadTurnsListResponse
	size, err := s.pageSize(p.Limit, rollout.DefaultPageSize, rollout.MaxPageSize)
	if err != nil {
		return none, err
	}
	dir, err := s.direction(p.SortDirection, v2.SortDesc)
	if err != nil {
		return none, err
	}
	itemsView := v2.ItemsSummary
	if p.ItemsView != nil {
		itemsView = *p.ItemsView
	}
	switch itemsView {
	case v2.ItemsNotLoaded, v2.ItemsSummary, v2.ItemsFull:
	default:
		return none, s.badParams("unknown itemsView %q", itemsView)
	}
	turns, err := s.turnsOf(p.ThreadID)
	if err != nil {
		return none, err
	}
	cursor := ""
	if p.Cursor != nil {
		cursor = *p.Cursor
	}
	idx, next, err := window(len(turns), func(id string) int {
		return slices.IndexFunc(turns, func(t recordedTurn) bool { return t.wire.ID == id })
	}, cursor, dir == v2.SortAsc, size)
	if err != nil {
		return none, s.badParams("%v", err)
	}
	resp := v2.ThreadTurnsListResponse{Data: make([]v2.Turn, 0, len(idx))}
	for _, i := range idx {
		resp.Data = append(resp.Data, turns[i].view(itemsView))
	}
	if next >= 0 {
		c := cursorAfter + turns[next].wire.ID
		resp.NextCursor = &c
	}
	if len(idx) > 0 {
		c := cursorFrom + turns[idx[0]].wire.ID
		resp.BackwardsCursor = &c
	}
	return resp, nil
}

// threadItemsList pages through a thread's items, or a turn's, oldest
// first unless asked otherwise.
func (s *Server) threadItemsList(_ context.Context, p v2.ThreadItemsListParams) (v2.ThreadItemsListResponse, error) {
	var none v2.ThreadItemsListResponse
	size, err := s.pageSize(p.Limit, rollout.DefaultPageSize, rollout.MaxPageSize)
	if err != nil {
		return none, err
	}
	dir, err := s.direction(p.SortDirection, v2.SortAsc)
	if err != nil {
		return none, err
	}
	turns, err := s.turnsOf(p.ThreadID)
	if err != nil {
		return none, err
	}
	var entries []v2.ThreadItemEntry
	found := p.TurnID == nil
	for _, t := range turns {
		if p.TurnID != nil && t.wire.ID != *p.TurnID {
			continue
		}
		found = true
		for _, it := range t.items {
			started, completed := itemTimes(it)
			entries = append(entries, v2.ThreadItemEntry{TurnID: t.wire.ID, Item: it, StartedAtMs: started, CompletedAtMs: completed})
		}
	}
	if !found {
		return none, invalidRequest("turn not found: " + *p.TurnID)
	}
	cursor := ""
	if c := p.Cursor; c != nil {
		switch {
		case c.Opaque != nil:
			cursor = *c.Opaque
		case c.Anchor != nil:
			if p.TurnID == nil || *p.TurnID == "" {
				return none, s.badParams("an item anchor needs a turnId")
			}
			if c.Anchor.Type != "item" {
				return none, s.badParams("unknown anchor type %q", c.Anchor.Type)
			}
			cursor = cursorAfter + c.Anchor.ItemID
		}
	}
	idx, next, err := window(len(entries), func(id string) int {
		return slices.IndexFunc(entries, func(e v2.ThreadItemEntry) bool { return e.Item.ItemID() == id })
	}, cursor, dir == v2.SortAsc, size)
	if err != nil {
		return none, s.badParams("%v", err)
	}
	resp := v2.ThreadItemsListResponse{Data: make([]v2.ThreadItemEntry, 0, len(idx))}
	for _, i := range idx {
		resp.Data = append(resp.Data, entries[i])
	}
	if next >= 0 {
		c := cursorAfter + entries[next].Item.ItemID()
		resp.NextCursor = &c
	}
	if len(idx) > 0 {
		c := cursorFrom + entries[idx[0]].Item.ItemID()
		resp.BackwardsCursor = &c
	}
	return resp, nil
}

// itemTimes reads the start and completion times every item carries.
func itemTimes(it v2.Item) (started, completed *int64) {
	raw, err := json.Marshal(it)
	if err != nil {
		return nil, nil
	}
	var times v2.ItemTimes
	if json.Unmarshal(raw, &times) != nil {
		return nil, nil
	}
	return times.StartedAtMs, times.CompletedAtMs
}
