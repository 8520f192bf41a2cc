package conversation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/codex-go/codex/core/auth"
	"github.com/codex-go/codex/core/client"
	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/exec"
	"github.com/codex-go/codex/core/history"
	"github.com/codex-go/codex/core/mcpauth"
	"github.com/codex-go/codex/core/mcpclient"
	"github.com/codex-go/codex/core/projectdoc"
	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/core/tools"
	"github.com/codex-go/codex/internal/version"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/sandbox"
)

// Deps are what the engine needs from the program around it.
type Deps struct {
	// CodexHome is the configuration and state directory.
	CodexHome string
	// Originator identifies the program to the model provider.
	Originator string
	// Source is the front end recorded in rollouts: vscode, mcp, exec or cli.
	Source string
	// UserAgent returns the current User-Agent value.
	UserAgent func() string
	// SelfExe is the running binary (see sandbox.SelfExecutable), started
	// again as the sandbox helper and the patch writer; its main must begin
	// with sandbox.RunHelperIfRequested. When it is empty, commands can
	// only run under danger-full-access.
	SelfExe string
	// HTTPClient is used for model requests; nil means a default client.
	HTTPClient *http.Client
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// Now reads the clock; nil means time.Now.
	Now func() time.Time
	// Tools builds the tool router of a conversation; nil means the
	// built-in tools.
	Tools func(cfg *config.Config) *tools.Router
	// Environ lists the environment commands start from; nil means os.Environ.
	Environ func() []string
	// MCPAuthorizer supplies the Authorization header sent to streamable
	// HTTP MCP servers that have no bearer_token_env_var (the OAuth hook,
	// see mcpclient.Authorizer); nil sends none.
	MCPAuthorizer mcpclient.Authorizer
}

// Manager creates and tracks conversations.
type Manager struct {
	deps Deps
	// creds reads auth.json and renews ChatGPT tokens before they expire.
	creds *auth.Refresher
	mu    sync.Mutex
	convs map[string]*Conversation
}

// NewManager returns a manager with no conversations.
func NewManager(d Deps) *Manager {
	if d.Getenv == nil {
		d.Getenv = os.Getenv
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Environ == nil {
		d.Environ = os.Environ
	}
	if d.UserAgent == nil {
		d.UserAgent = func() string { return client.UserAgent(version.Version, "", "") }
	}
	if d.Originator == "" {
		d.Originator = version.Originator
	}
	if d.MCPAuthorizer == nil {
		// Remote MCP servers get the OAuth tokens `codex mcp login` stored.
		d.MCPAuthorizer = mcpauth.NewStore(d.CodexHome).StoredAuthorization
	}
	creds := auth.NewRefresher(d.CodexHome, auth.RefreshOptions{Issuer: d.Getenv(auth.EnvIssuer), Now: d.Now})
	return &Manager{deps: d, creds: creds, convs: map[string]*Conversation{}}
}

// Credentials returns the reader of the stored credentials that the
// manager's conversations use: it renews ChatGPT tokens before they
// expire.
func (m *Manager) Credentials() *auth.Refresher { return m.creds }

// credentialTimeout bounds the reading (and renewing) of the stored
// credentials before a model request.
const credentialTimeout = 30 * time.Second

// NewConversation starts a conversation with a resolved config. The
// session_configured event is returned rather than queued.
func (m *Manager) NewConversation(ctx context.Context, cfg *config.Config) (*Conversation, protocol.SessionConfiguredEvent, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return nil, protocol.SessionConfiguredEvent{}, fmt.Errorf("conversation id: %w", err)
	}
	start := m.deps.Now()
	userInstructions, err := projectdoc.Discover(cfg.Cwd, cfg.CodexHome, cfg.ProjectDocMaxBytes)
	if err != nil {
		return nil, protocol.SessionConfiguredEvent{}, fmt.Errorf("read AGENTS.md: %w", err)
	}
	originator := m.deps.Originator
	if cfg.Originator != "" {
		originator = cfg.Originator
	}
	meta := rollout.SessionMeta{
		ID:         id.String(),
		Cwd:        cfg.Cwd,
		Originator: originator,
		CLIVersion: version.Version,
		Source:     m.deps.Source,
		// The provider is recorded so that listings can filter by it.
		ModelProvider: cfg.ModelProviderID,
	}
	if cfg.BaseInstructions != "" {
		s := cfg.BaseInstructions
		meta.Instructions = &s
	}
	w := rollout.Discard()
	if !cfg.Ephemeral {
		if w, err = rollout.Create(m.deps.CodexHome, meta, start, m.deps.Now); err != nil {
			return nil, protocol.SessionConfiguredEvent{}, err
		}
	}
	c := m.newConversation(id.String(), cfg, w)
	initial := []protocol.ResponseItem{}
	if cfg.DeveloperInstructions != "" {
		initial = append(initial, protocol.ResponseItem{Type: protocol.ItemMessage, Role: "developer",
			Content: []protocol.ContentItem{{Type: protocol.ContentInputText, Text: cfg.DeveloperInstructions}}})
	}
	if userInstructions != "" {
		initial = append(initial, userInstructionsMessage(userInstructions))
	}
	initial = append(initial, protocol.UserText(c.envContext(c.turnCtx).render()))
	c.recordItems(initial...)
	ev, err := m.register(c)
	if err != nil {
		// The conversation never started: its rollout goes too.
		if !cfg.Ephemeral {
			_ = os.Remove(w.Path())
		}
		return nil, protocol.SessionConfiguredEvent{}, err
	}
	return c, ev, nil
}

// ResumeConversation continues a recorded conversation: it keeps its id,
// restores the history sent to the model and appends to the same rollout
// file. The returned session_configured event replays the recorded events
// as initial messages.
func (m *Manager) ResumeConversation(ctx context.Context, cfg *config.Config, path string) (*Conversation, protocol.SessionConfiguredEvent, error) {
	rec, err := rollout.Read(path)
	if err != nil {
		return nil, protocol.SessionConfiguredEvent{}, err
	}
	return m.ResumeRecorded(ctx, cfg, path, rec)
}

// ResumeRecorded is ResumeConversation for a rollout file already read into
// rec.
func (m *Manager) ResumeRecorded(_ context.Context, cfg *config.Config, path string, rec *rollout.Recorded) (*Conversation, protocol.SessionConfiguredEvent, error) {
	id := rec.Meta.ID
	if _, err := m.Get(id); err == nil {
		return nil, protocol.SessionConfiguredEvent{}, fmt.Errorf("conversation %s is already running", id)
	}
	w, err := rollout.Open(path, m.deps.Now)
	if err != nil {
		return nil, protocol.SessionConfiguredEvent{}, err
	}
	c := m.newConversation(id, cfg, w)
	c.history = append(c.history, rec.Items...)
	for _, ev := range rec.Events {
		if tc, ok := ev.(protocol.TokenCountEvent); ok && tc.Info != nil {
			info := *tc.Info
			c.tokenInfo = &info
		}
	}
	// Tell the model when the resumed turn settings differ from the recorded ones.
	if last := rec.LastTurnContext; last != nil {
		if diff, changed := c.envDiff(*last, c.turnCtx); changed {
			c.recordItems(protocol.UserText(diff.render()))
		}
	}
	ev, err := m.register(c)
	if err != nil {
		return nil, protocol.SessionConfiguredEvent{}, err
	}
	ev.InitialMessages = rec.Events
	return c, ev, nil
}

// register makes a started conversation reachable by id, queues the
// configuration warnings and describes the session. When a required MCP
// server fails to start, the conversation is shut down instead and the
// error returned.
func (m *Manager) register(c *Conversation) (protocol.SessionConfiguredEvent, error) {
	// Configuration problems that did not stop loading reach the user as
	// background events, first in the event stream.
	for _, w := range c.cfg.Warnings {
		c.events.push(protocol.Event{ID: "", Msg: protocol.BackgroundEvent{Message: w}})
	}
	if err := c.startMCP(m.deps.Environ()); err != nil {
		_ = c.shutdown(context.Background())
		return protocol.SessionConfiguredEvent{}, err
	}
	c.onClose = func() {
		m.mu.Lock()
		if m.convs[c.id] == c {
			delete(m.convs, c.id)
		}
		m.mu.Unlock()
	}
	m.mu.Lock()
	m.convs[c.id] = c
	m.mu.Unlock()
	logID, count, err := c.hist.Metadata()
	if err != nil {
		c.events.push(protocol.Event{ID: "", Msg: protocol.BackgroundEvent{Message: fmt.Sprintf("history: %v", err)}})
	}
	return protocol.SessionConfiguredEvent{
		SessionID:         c.id,
		Model:             c.cfg.Model,
		ReasoningEffort:   c.cfg.ModelReasoningEffort,
		HistoryLogID:      logID,
		HistoryEntryCount: count,
		RolloutPath:       c.rollout.Path(),
	}, nil
}

func (m *Manager) newConversation(id string, cfg *config.Config, w *rollout.Writer) *Conversation {
	var router *tools.Router
	if m.deps.Tools != nil {
		router = m.deps.Tools(cfg)
	} else {
		router = m.defaultTools(cfg)
	}
	apiKey := func() (string, error) {
		key, err := cfg.ModelProvider.APIKey(m.deps.Getenv)
		if key != "" || !cfg.ModelProvider.RequiresOpenAIAuth {
			return key, err
		}
		// OpenAI providers fall back to the credentials saved in auth.json,
		// whose ChatGPT tokens are renewed when they are about to expire.
		load := func() (*auth.File, error) { return auth.Load(cfg.CodexHome) }
		if cfg.CodexHome == m.deps.CodexHome {
			load = func() (*auth.File, error) {
				ctx, cancel := context.WithTimeout(context.Background(), credentialTimeout)
				defer cancel()
				return m.creds.Load(ctx)
			}
		}
		stored, lerr := load()
		if lerr != nil {
			return "", lerr
		}
		if token := stored.BearerToken(); token != "" {
			return token, nil
		}
		return "", err
	}
	cl := client.New(client.Options{
		Provider:   cfg.ModelProvider,
		APIKey:     apiKey,
		UserAgent:  m.deps.UserAgent(),
		Originator: m.deps.Originator,
		HTTPClient: m.deps.HTTPClient,
		Getenv:     m.deps.Getenv,
	})
	c := newConversation(id, cfg, w, cl, router, m.deps)
	c.hist = history.Open(m.deps.CodexHome, cfg.History.Persistence, cfg.History.MaxBytes)
	return c
}

// ErrNotFound is returned for an unknown conversation id.
var ErrNotFound = errors.New("conversation not found")

// Get returns a conversation by id.
func (m *Manager) Get(id string) (*Conversation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.convs[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return c, nil
}

// Remove shuts a conversation down and forgets it.
func (m *Manager) Remove(ctx context.Context, id string) error {
	m.mu.Lock()
	c, ok := m.convs[id]
	delete(m.convs, id)
	m.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return c.shutdown(ctx)
}

// Close shuts every conversation down and waits until their rollouts are flushed.
func (m *Manager) Close(ctx context.Context) error {
	m.mu.Lock()
	convs := make([]*Conversation, 0, len(m.convs))
	for _, c := range m.convs {
		convs = append(convs, c)
	}
	m.convs = map[string]*Conversation{}
	m.mu.Unlock()
	var errs []error
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, c := range convs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.shutdown(ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// defaultTools offers the built-in tools configured for cfg.
func (m *Manager) defaultTools(cfg *config.Config) *tools.Router {
	getenv := m.deps.Getenv
	return tools.Build(tools.Settings{
		Model:                 cfg.Model,
		IncludePlanTool:       cfg.IncludePlanTool,
		IncludeApplyPatchTool: cfg.IncludeApplyPatchTool,
		ViewImage:             cfg.Tools.ViewImage,
		WebSearch:             cfg.Tools.WebSearch,
	}, tools.ExecEnv{
		SelfExe: m.deps.SelfExe,
		Env:     func() []string { return exec.BuildEnv(cfg.ShellEnvironmentPolicy, m.deps.Environ()) },
		WritableRoots: func(p protocol.SandboxPolicy, cwd string) []sandbox.WritableRoot {
			return sandbox.WritableRoots(p, cwd, getenv)
		},
		Protect: sandbox.CodexHomeProtection(m.deps.CodexHome),
	})
}
