package appserver

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/codex-go/codex/core/auth"
	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// errRateLimitsNeedChatGPT answers account/rateLimits/read without a
// ChatGPT sign-in.
const errRateLimitsNeedChatGPT = "codex account authentication required to read rate limits"

// rateLimitStore keeps the latest rate limits a model response reported,
// on any thread of the connection.
type rateLimitStore struct {
	mu     sync.Mutex
	latest *v2.RateLimitsSnapshot
}

// store records snap as the latest rate limits.
func (rs *rateLimitStore) store(snap v2.RateLimitsSnapshot) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.latest = &snap
}

// load returns the latest rate limits, or an empty snapshot of the Codex
// limit when no model response reported any yet.
func (rs *rateLimitStore) load() v2.RateLimitsSnapshot {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.latest != nil {
		return *rs.latest
	}
	id := v2.RateLimitsID
	return v2.RateLimitsSnapshot{LimitID: &id}
}

// rateLimitsOf converts the rate limits read from a model response's
// headers; now turns the windows' reset delays into times.
func rateLimitsOf(snap protocol.RateLimitSnapshot, now time.Time) v2.RateLimitsSnapshot {
	id := v2.RateLimitsID
	return v2.RateLimitsSnapshot{
		LimitID:   &id,
		Primary:   rateLimitWindow(snap.Primary, now),
		Secondary: rateLimitWindow(snap.Secondary, now),
	}
}

// rateLimitWindow converts one window; nil stays nil.
func rateLimitWindow(w *protocol.RateLimitWindow, now time.Time) *v2.RateLimitsWindow {
	if w == nil {
		return nil
	}
	used := math.Round(w.UsedPercent)
	used = math.Max(math.Min(used, math.MaxInt32), math.MinInt32)
	out := &v2.RateLimitsWindow{UsedPercent: int32(used), WindowDurationMins: w.WindowMinutes}
	if w.ResetsInSeconds != nil {
		at := now.Unix() + *w.ResetsInSeconds
		out.ResetsAt = &at
	}
	return out
}

// accountRead describes the stored credentials as far as the configured
// model provider uses them; refreshToken renews ChatGPT tokens first.
func (s *Server) accountRead(ctx context.Context, p v2.GetAccountParams) (v2.GetAccountResponse, error) {
	cfg, err := s.eng.LoadConfig(config.Request{})
	if err != nil {
		return v2.GetAccountResponse{}, internalError("error loading config: %v", err)
	}
	resp := v2.GetAccountResponse{RequiresOpenaiAuth: cfg.ModelProvider.RequiresOpenAIAuth}
	if !resp.RequiresOpenaiAuth {
		return resp, nil
	}
	var stored *auth.File
	if p.RefreshToken != nil && *p.RefreshToken {
		stored, err = s.eng.Manager.Credentials().Refresh(ctx)
		if err != nil {
			return v2.GetAccountResponse{}, internalError("failed to refresh token: %v", err)
		}
	} else if stored, err = auth.Load(s.eng.CodexHome); err != nil {
		return v2.GetAccountResponse{}, internalError("error reading credentials: %v", err)
	}
	switch stored.Method() {
	case auth.AuthMethodAPIKey:
		resp.Account = &v2.Account{Type: v2.AccountAPIKey}
	case auth.AuthMethodChatGPT:
		account := v2.Account{Type: v2.AccountChatGPT, PlanType: v2.PlanTypeUnknown}
		if claims, err := auth.ParseIDToken(stored.Tokens.IDToken); err == nil {
			if claims.Email != "" {
				account.Email = &claims.Email
			}
			account.PlanType = planType(claims.PlanType)
			if claims.UserID != "" {
				resp.UserID = &claims.UserID
			}
		}
		resp.Account = &account
	}
	return resp, nil
}

// planType returns plan when the wire knows it, else "unknown".
func planType(plan string) string {
	if slices.Contains(v2.PlanTypeValues(), plan) {
		return plan
	}
	return v2.PlanTypeUnknown
}

// accountLoginStart stores an API key, or starts a ChatGPT browser
// sign-in. For an API key the answer is followed by account/login/completed
// and account/updated; a ChatGPT sign-in reports the same when it ends.
func (s *Server) accountLoginStart(ctx context.Context, p v2.LoginAccountParams, r rpcserver.Reply[v2.LoginAccountResponse]) {
	switch p.Type {
	case v2.AccountAPIKey:
		if p.APIKey == nil {
			r.Fail(ctx, s.badParams(`missing field "apiKey"`))
			return
		}
		if strings.TrimSpace(*p.APIKey) == "" {
			r.Fail(ctx, s.badParams("apiKey must not be empty"))
			return
		}
		if err := auth.SaveAPIKey(s.eng.CodexHome, *p.APIKey); err != nil {
			r.Fail(ctx, internalError("failed to save api key: %v", err))
			return
		}
		r.Send(ctx, v2.LoginAccountResponse{Type: v2.AccountAPIKey})
		s.notifyV2(ctx, v2.NotificationAccountLoginCompleted, v2.AccountLoginCompletedNotification{Success: true})
		mode := auth.AuthMethodAPIKey
		s.notifyV2(ctx, v2.NotificationAccountUpdated, v2.AccountUpdatedNotification{AuthMode: &mode})
	case v2.AccountChatGPT:
		login, err := s.startBrowserLogin(s.reportLoginV2)
		if err != nil {
			r.Fail(ctx, err)
			return
		}
		r.Send(ctx, v2.LoginAccountResponse{Type: v2.AccountChatGPT, LoginID: &login.ID, AuthURL: &login.AuthURL})
	default:
		known := v2.LoginTypeValues()
		if slices.Contains(known, p.Type) {
			r.Fail(ctx, invalidRequest(fmt.Sprintf("login type %s is not supported by this server", p.Type)))
			return
		}
		r.Fail(ctx, invalidRequest(fmt.Sprintf("Invalid request: unknown variant `%s`, expected one of `%s`", p.Type, strings.Join(known, "`, `"))))
	}
}

// reportLoginV2 tells a v2 client how its ChatGPT sign-in ended:
// account/login/completed, then account/updated on success.
func (s *Server) reportLoginV2(ctx context.Context, login *auth.Login, err error) {
	note := v2.AccountLoginCompletedNotification{LoginID: &login.ID, Success: err == nil}
	if err != nil {
		msg := fmt.Sprintf("login failed: %v", err)
		note.Error = &msg
	}
	s.notifyV2(ctx, v2.NotificationAccountLoginCompleted, note)
	if err != nil {
		return
	}
	update := v2.AccountUpdatedNotification{}
	if stored, lerr := auth.Load(s.eng.CodexHome); lerr == nil && stored.Method() != "" {
		mode := stored.Method()
		update.AuthMode = &mode
		if mode == auth.AuthMethodChatGPT {
			plan := v2.PlanTypeUnknown
			if claims, cerr := auth.ParseIDToken(stored.Tokens.IDToken); cerr == nil {
				plan = planType(claims.PlanType)
			}
			update.PlanType = &plan
		}
	}
	s.notifyV2(ctx, v2.NotificationAccountUpdated, update)
}

// accountLoginCancel ends the ChatGPT sign-in in progress with that id;
// its callback server has stopped when the answer is sent.
func (s *Server) accountLoginCancel(_ context.Context, p v2.CancelLoginAccountParams) (v2.CancelLoginAccountResponse, error) {
	if _, err := uuid.Parse(p.LoginID); err != nil {
		return v2.CancelLoginAccountResponse{}, invalidRequest("invalid login id: " + p.LoginID)
	}
	login := s.login.take(p.LoginID)
	if login == nil {
		return v2.CancelLoginAccountResponse{Status: v2.CancelLoginNotFound}, nil
	}
	login.Cancel()
	return v2.CancelLoginAccountResponse{Status: v2.CancelLoginCanceled}, nil
}

// accountLogout removes the stored credentials; account/updated follows
// the answer.
func (s *Server) accountLogout(ctx context.Context, _ rpcserver.None, r rpcserver.Reply[v2.LogoutAccountResponse]) {
	if _, err := auth.Logout(s.eng.CodexHome); err != nil {
		r.Fail(ctx, internalError("logout failed: %v", err))
		return
	}
	r.Send(ctx, v2.LogoutAccountResponse{})
	s.notifyV2(ctx, v2.NotificationAccountUpdated, v2.AccountUpdatedNotification{})
}

// accountRateLimitsRead answers the latest rate limits the model provider
// reported in its response headers. It needs a ChatGPT sign-in, whose
// usage the limits are.
func (s *Server) accountRateLimitsRead(context.Context, *v2.GetAccountRateLimitsParams) (v2.GetAccountRateLimitsResponse, error) {
	stored, err := auth.Load(s.eng.CodexHome)
	if err != nil {
		return v2.GetAccountRateLimitsResponse{}, internalError("error reading credentials: %v", err)
	}
	if stored.Method() != auth.AuthMethodChatGPT {
		return v2.GetAccountRateLimitsResponse{}, invalidRequest(errRateLimitsNeedChatGPT)
	}
	snap := s.limits.load()
	return v2.GetAccountRateLimitsResponse{
		RateLimits:          snap,
		RateLimitsByLimitID: map[string]v2.RateLimitsSnapshot{v2.RateLimitsID: snap},
	}, nil
}
