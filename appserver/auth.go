package appserver

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/codex-go/codex/core/auth"
	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
)

// Environment variables that adjust the ChatGPT sign-in started by
// loginChatGpt. The configuration has no keys for these; they exist for
// tests and for pointing the sign-in at another OAuth issuer.
const (
	// envLoginIssuer replaces auth.DefaultIssuer, e.g. http://127.0.0.1:8080.
	envLoginIssuer = auth.EnvIssuer
	// envLoginPort replaces auth.DefaultPort as the callback server's port;
	// 0 picks any free port.
	envLoginPort = "CODEX_LOGIN_PORT"
	// envLoginNoBrowser, set to 1, keeps the sign-in from opening a browser.
	envLoginNoBrowser = "CODEX_LOGIN_NO_BROWSER"
)

// loginSlot holds the ChatGPT sign-in in progress; there is at most one.
type loginSlot struct {
	mu     sync.Mutex
	active *auth.Login
}

// swap installs l (nil for none) and returns the previous sign-in.
func (ls *loginSlot) swap(l *auth.Login) *auth.Login {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	prev := ls.active
	ls.active = l
	return prev
}

// take removes and returns the sign-in with the given id, nil when it is not
// the one in progress.
func (ls *loginSlot) take(id string) *auth.Login {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.active == nil || ls.active.ID != id {
		return nil
	}
	l := ls.active
	ls.active = nil
	return l
}

// loginAPIKey stores an API key in auth.json, replacing any other
// credentials, and tells the client that the sign-in method changed.
// The answer is written before the notification.
func (s *Server) loginAPIKey(ctx context.Context, p protocol.LoginAPIKeyParams, r rpcserver.Reply[protocol.LoginAPIKeyResponse]) {
	if p.APIKey == "" {
		r.Fail(ctx, s.badParams("apiKey must not be empty"))
		return
	}
	if err := auth.SaveAPIKey(s.eng.CodexHome, p.APIKey); err != nil {
		r.Fail(ctx, internalError("failed to save api key: %v", err))
		return
	}
	method := auth.AuthMethodAPIKey
	r.Send(ctx, protocol.LoginAPIKeyResponse{})
	s.notify(ctx, protocol.NotificationAuthStatusChange, protocol.AuthStatusChangeNotification{AuthMethod: &method})
}

// logoutChatGpt removes the stored credentials, whatever they are, and
// tells the client that it is signed out.
// The answer is written before the notification.
func (s *Server) logoutChatGpt(ctx context.Context, _ rpcserver.None, r rpcserver.Reply[protocol.LogoutChatGptResponse]) {
	if _, err := auth.Logout(s.eng.CodexHome); err != nil {
		r.Fail(ctx, internalError("logout failed: %v", err))
		return
	}
	r.Send(ctx, protocol.LogoutChatGptResponse{})
	s.notify(ctx, protocol.NotificationAuthStatusChange, protocol.AuthStatusChangeNotification{})
}

// getAuthStatus describes the stored credentials as far as the configured
// model provider uses them: a provider that does not take OpenAI
// credentials gets neither method nor token.
func (s *Server) getAuthStatus(_ context.Context, p protocol.GetAuthStatusParams) (protocol.GetAuthStatusResponse, error) {
	cfg, err := s.eng.LoadConfig(config.Request{})
	if err != nil {
		return protocol.GetAuthStatusResponse{}, internalError("error loading config: %v", err)
	}
	resp := protocol.GetAuthStatusResponse{RequiresOpenaiAuth: cfg.ModelProvider.RequiresOpenAIAuth}
	if !resp.RequiresOpenaiAuth {
		return resp, nil
	}
	stored, err := auth.Load(s.eng.CodexHome)
	if err != nil {
		return protocol.GetAuthStatusResponse{}, internalError("error reading credentials: %v", err)
	}
	if method := stored.Method(); method != "" {
		resp.AuthMethod = &method
	}
	if p.IncludeToken != nil && *p.IncludeToken {
		if token := stored.BearerToken(); token != "" {
			resp.AuthToken = &token
		}
	}
	return resp, nil
}

// userInfo answers the email address found in the stored id token.
func (s *Server) userInfo(context.Context, rpcserver.None) (protocol.UserInfoResponse, error) {
	stored, err := auth.Load(s.eng.CodexHome)
	if err != nil {
		return protocol.UserInfoResponse{}, internalError("error reading credentials: %v", err)
	}
	var resp protocol.UserInfoResponse
	if email := stored.Email(); email != "" {
		resp.AllegedUserEmail = &email
	}
	return resp, nil
}

// loginChatGpt starts a browser sign-in and answers with the page to open.
// A sign-in already in progress is cancelled first. The sign-in lives as
// long as the server, not the request; when it ends the client gets
// loginChatGptComplete and, on success, authStatusChange.
func (s *Server) loginChatGpt(context.Context, rpcserver.None) (protocol.LoginChatGptResponse, error) {
	login, err := s.startBrowserLogin(s.reportLogin)
	if err != nil {
		return protocol.LoginChatGptResponse{}, err
	}
	return protocol.LoginChatGptResponse{LoginID: login.ID, AuthURL: login.AuthURL}, nil
}

// startBrowserLogin starts a ChatGPT browser sign-in (OAuth with PKCE and
// a loopback callback server), cancelling one in progress first. When the
// sign-in ends, report is called with its outcome from a goroutine the
// server waits for, unless the server is stopping. Both protocols' sign-in
// methods start here and differ only in how they report.
//
// The OAuth issuer is auth.DefaultIssuer unless CODEX_LOGIN_ISSUER names
// another one; the callback server listens on auth.DefaultPort unless
// CODEX_LOGIN_PORT gives another port (0: any free port); the browser is
// opened unless CODEX_LOGIN_NO_BROWSER is 1.
func (s *Server) startBrowserLogin(report func(ctx context.Context, login *auth.Login, err error)) (*auth.Login, error) {
	if prev := s.login.swap(nil); prev != nil {
		prev.Cancel()
	}
	opts := auth.LoginOptions{
		CodexHome:   s.eng.CodexHome,
		Issuer:      s.eng.Getenv(envLoginIssuer),
		Originator:  s.eng.Originator,
		Port:        auth.DefaultPort,
		OpenBrowser: s.eng.Getenv(envLoginNoBrowser) != "1",
	}
	if v := s.eng.Getenv(envLoginPort); v != "" {
		port, err := strconv.Atoi(v)
		if err != nil {
			return nil, internalError("failed to start login server: %s=%q is not a port", envLoginPort, v)
		}
		opts.Port = port
	}
	life := s.lifetime()
	login, err := auth.StartLogin(life, opts)
	if err != nil {
		return nil, internalError("failed to start login server: %v", err)
	}
	if prev := s.login.swap(login); prev != nil {
		prev.Cancel()
	}
	if !s.goTracked(func() { s.awaitLogin(life, login, report) }) {
		login.Cancel()
		return nil, shuttingDown()
	}
	return login, nil
}

// awaitLogin waits for a sign-in to end and reports how it ended.
func (s *Server) awaitLogin(ctx context.Context, login *auth.Login, report func(context.Context, *auth.Login, error)) {
	// The sign-in's context derives from ctx, so it ends with the server.
	err := login.Wait(context.WithoutCancel(ctx))
	s.login.take(login.ID)
	if ctx.Err() != nil {
		return // the connection is gone
	}
	report(ctx, login, err)
}

// reportLogin tells a 0.45 client how its sign-in ended:
// loginChatGptComplete, then authStatusChange on success.
func (s *Server) reportLogin(ctx context.Context, login *auth.Login, err error) {
	note := protocol.LoginChatGptCompleteNotification{LoginID: login.ID, Success: err == nil}
	if err != nil {
		msg := fmt.Sprintf("login failed: %v", err)
		note.Error = &msg
	}
	s.notify(ctx, protocol.NotificationLoginChatGptComplete, note)
	if err != nil {
		return
	}
	method := auth.AuthMethodChatGPT
	if stored, lerr := auth.Load(s.eng.CodexHome); lerr == nil && stored.Method() != "" {
		method = stored.Method()
	}
	s.notify(ctx, protocol.NotificationAuthStatusChange, protocol.AuthStatusChangeNotification{AuthMethod: &method})
}

// cancelLoginChatGpt ends the sign-in in progress. Its callback server has
// stopped when the answer is sent.
func (s *Server) cancelLoginChatGpt(_ context.Context, p protocol.CancelLoginChatGptParams) (protocol.CancelLoginChatGptResponse, error) {
	login := s.login.take(p.LoginID)
	if login == nil {
		return protocol.CancelLoginChatGptResponse{}, invalidParams("login id not found: %s", p.LoginID)
	}
	login.Cancel()
	return protocol.CancelLoginChatGptResponse{}, nil
}
