package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/tests/fakemodel"
)

// startV2Server starts a server for env and performs the v2 handshake,
// without starting a thread.
func startV2Server(t *testing.T, env serverEnv) *appServer {
	t.Helper()
	s := startAppServer(t, env)
	s.callResult("initialize", map[string]any{"clientInfo": map[string]any{"name": "v2test", "title": "V2 Test", "version": "1.0"}, "capabilities": nil}, nil)
	s.notify("initialized")
	return s
}

// v2Result calls a v2 method, checks the answer against the schemas and
// decodes it into out (when not nil).
func (s *appServer) v2Result(method string, params, out any) rpcMessage {
	s.t.Helper()
	m := s.callResult(method, params, out)
	checkV2(s.t, method, m.Result, "result")
	return m
}

// v2Note takes the next message, which must be the notification method;
// it is checked against the schemas and must carry emittedAtMs.
func (s *appServer) v2Note(method string) rpcMessage {
	s.t.Helper()
	m := s.next()
	require.Equal(s.t, method, m.Method, m.Raw)
	assert.Contains(s.t, m.Raw, `"emittedAtMs":`)
	checkV2(s.t, method, m.Params, "notification")
	return m
}

// accountRead is the answer to account/read.
type accountRead struct {
	Account *struct {
		Type     string  `json:"type"`
		Email    *string `json:"email"`
		PlanType string  `json:"planType"`
	} `json:"account"`
	UserID             *string `json:"userId"`
	RequiresOpenaiAuth bool    `json:"requiresOpenaiAuth"`
}

func (s *appServer) readAccount(params map[string]any) accountRead {
	s.t.Helper()
	var res accountRead
	s.v2Result("account/read", params, &res)
	return res
}

// chatGPTAuth writes auth.json with ChatGPT tokens: an id token with the
// claims and an access token expiring at exp.
func chatGPTAuth(t *testing.T, home string, claims map[string]any, exp time.Time) {
	t.Helper()
	data, err := json.Marshal(map[string]any{
		"OPENAI_API_KEY": nil,
		"tokens": map[string]any{
			"id_token":      unsignedJWT(t, claims),
			"access_token":  unsignedJWT(t, map[string]any{"exp": exp.Unix()}),
			"refresh_token": "refresh-token-0",
			"account_id":    "acct-0",
		},
		"last_refresh": time.Now().UTC().Format(time.RFC3339),
	})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(home, "auth.json"), data, 0o600))
}

// plusClaims are the id token claims of a ChatGPT Plus user.
func plusClaims() map[string]any {
	return map[string]any{
		"email": "user@example.com",
		"https://api.openai.com/auth": map[string]any{
			"chatgpt_account_id": "acct-1", "chatgpt_plan_type": "plus", "chatgpt_user_id": "user-1",
		},
	}
}

func TestV2AccountAPIKeyLoginAndLogout(t *testing.T) {
	s := startV2Server(t, serverEnv{config: openAIConfig})

	res := s.readAccount(map[string]any{})
	assert.Nil(t, res.Account)
	assert.Nil(t, res.UserID)
	assert.True(t, res.RequiresOpenaiAuth)

	// The answer, then login/completed, then account/updated.
	id := s.send("account/login/start", map[string]any{"type": "apiKey", "apiKey": "sk-test-key"})
	resp := s.next()
	assert.Equal(t, fmt.Sprintf(`{"id":%d,"result":{"type":"apiKey"}}`, id), resp.Raw)
	checkV2(t, "account/login/start", resp.Result, "result")
	done := s.v2Note("account/login/completed")
	assert.JSONEq(t, `{"loginId":null,"success":true,"error":null,"onboardingEntrypoint":null}`, string(done.Params))
	updated := s.v2Note("account/updated")
	assert.JSONEq(t, `{"authMode":"apikey","planType":null,"reason":null}`, string(updated.Params))

	stored := readAuthFile(t, s.home)
	require.NotNil(t, stored.OpenAIAPIKey)
	assert.Equal(t, "sk-test-key", *stored.OpenAIAPIKey)
	assert.Nil(t, stored.Tokens)

	res = s.readAccount(map[string]any{})
	require.NotNil(t, res.Account)
	assert.Equal(t, "apiKey", res.Account.Type)
	raw := s.v2Result("account/read", map[string]any{}, nil)
	assert.JSONEq(t, `{"account":{"type":"apiKey"},"userId":null,"requiresOpenaiAuth":true,"workspaceRouting":null}`, string(raw.Result))

	// Without a ChatGPT sign-in there are no rate limits to read.
	m := s.call("account/rateLimits/read", nil)
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, int64(-32600), m.Error.Code)
	assert.Equal(t, "codex account authentication required to read rate limits", m.Error.Message)

	id = s.send("account/logout", nil)
	assert.Equal(t, fmt.Sprintf(`{"id":%d,"result":{}}`, id), s.next().Raw)
	updated = s.v2Note("account/updated")
	assert.JSONEq(t, `{"authMode":null,"planType":null,"reason":null}`, string(updated.Params))
	_, err := os.Stat(filepath.Join(s.home, "auth.json"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Nil(t, s.readAccount(map[string]any{}).Account)

	// Logging out twice is harmless.
	s.v2Result("account/logout", nil, nil)
	s.v2Note("account/updated")
	require.NoError(t, s.closeAndWait())
}

func TestV2AccountReadChatGPT(t *testing.T) {
	iss := startTokenIssuer(t, unsignedJWT(t, map[string]any{
		"email":                       "renewed@example.com",
		"https://api.openai.com/auth": map[string]any{"chatgpt_account_id": "acct-2", "chatgpt_plan_type": "pro"},
	}))
	s := startV2Server(t, serverEnv{config: openAIConfig, env: loginEnv(iss)})
	chatGPTAuth(t, s.home, plusClaims(), time.Now().Add(time.Hour))

	res := s.readAccount(map[string]any{})
	require.NotNil(t, res.Account)
	assert.Equal(t, "chatgpt", res.Account.Type)
	require.NotNil(t, res.Account.Email)
	assert.Equal(t, "user@example.com", *res.Account.Email)
	assert.Equal(t, "plus", res.Account.PlanType)
	require.NotNil(t, res.UserID)
	assert.Equal(t, "user-1", *res.UserID)
	assert.Empty(t, iss.tokenForms(), "a fresh token is not renewed")

	// refreshToken renews the tokens at the issuer, into auth.json only.
	res = s.readAccount(map[string]any{"refreshToken": true})
	require.NotNil(t, res.Account)
	assert.Equal(t, "renewed@example.com", *res.Account.Email)
	assert.Equal(t, "pro", res.Account.PlanType)
	assert.Nil(t, res.UserID)
	forms := iss.tokenForms()
	require.Len(t, forms, 1)
	assert.Equal(t, "refresh_token", forms[0].Get("grant_type"))
	assert.Equal(t, "refresh-token-0", forms[0].Get("refresh_token"))
	stored := readAuthFile(t, s.home)
	require.NotNil(t, stored.Tokens)
	assert.Equal(t, "access-token-1", stored.Tokens.AccessToken)
	assert.Equal(t, "refresh-token-1", stored.Tokens.RefreshToken)
	assert.Equal(t, "acct-2", stored.Tokens.AccountID)

	// A plan the wire does not know is "unknown"; no email is null.
	chatGPTAuth(t, s.home, map[string]any{"https://api.openai.com/auth": map[string]any{"chatgpt_plan_type": "galactic"}}, time.Now().Add(time.Hour))
	raw := s.v2Result("account/read", map[string]any{}, nil)
	assert.JSONEq(t, `{"account":{"type":"chatgpt","email":null,"planType":"unknown"},"userId":null,"requiresOpenaiAuth":true,"workspaceRouting":null}`, string(raw.Result))
	require.NoError(t, s.closeAndWait())

	// A provider without OpenAI credentials shows no account.
	model := fakemodel.Start(fakemodel.Script())
	t.Cleanup(model.Close)
	s = startV2Server(t, serverEnv{config: mockConfig(model.URL, 0, 0)})
	chatGPTAuth(t, s.home, plusClaims(), time.Now().Add(time.Hour))
	raw = s.v2Result("account/read", map[string]any{}, nil)
	assert.JSONEq(t, `{"account":null,"userId":null,"requiresOpenaiAuth":false,"workspaceRouting":null}`, string(raw.Result))
}

func TestV2AccountChatGPTLogin(t *testing.T) {
	iss := startTokenIssuer(t, unsignedJWT(t, plusClaims()))
	s := startV2Server(t, serverEnv{config: openAIConfig, env: loginEnv(iss)})

	start := func() (string, url.Values) {
		t.Helper()
		var res struct {
			Type    string `json:"type"`
			LoginID string `json:"loginId"`
			AuthURL string `json:"authUrl"`
		}
		s.v2Result("account/login/start", map[string]any{"type": "chatgpt"}, &res)
		assert.Equal(t, "chatgpt", res.Type)
		require.NotEmpty(t, res.LoginID)
		require.True(t, strings.HasPrefix(res.AuthURL, iss.srv.URL+"/oauth/authorize?"), res.AuthURL)
		u, err := url.Parse(res.AuthURL)
		require.NoError(t, err)
		q := u.Query()
		assert.Equal(t, "S256", q.Get("code_challenge_method"))
		assert.NotEmpty(t, q.Get("code_challenge"))
		return res.LoginID, q
	}
	completed := func(loginID string) map[string]any {
		t.Helper()
		m := s.take(func(m rpcMessage) bool {
			return m.Method == "account/login/completed" && strings.Contains(string(m.Params), loginID)
		}, "account/login/completed of "+loginID)
		checkV2(t, m.Method, m.Params, "notification")
		var p map[string]any
		require.NoError(t, json.Unmarshal(m.Params, &p))
		return p
	}

	// Cancelled: the callback server stops before the answer.
	loginID, q := start()
	var cancel struct {
		Status string `json:"status"`
	}
	s.v2Result("account/login/cancel", map[string]any{"loginId": loginID}, &cancel)
	assert.Equal(t, "canceled", cancel.Status)
	_, err := getCallback(t, q.Get("redirect_uri"), url.Values{"code": {"c"}, "state": {q.Get("state")}})
	assert.Error(t, err, "the callback server has stopped")
	done := completed(loginID)
	assert.Equal(t, false, done["success"])
	assert.Contains(t, done["error"], "cancelled")
	s.v2Result("account/login/cancel", map[string]any{"loginId": loginID}, &cancel)
	assert.Equal(t, "notFound", cancel.Status)
	assert.Empty(t, iss.tokenForms())

	// Completed: the browser comes back with a code.
	loginID, q = start()
	status, err := getCallback(t, q.Get("redirect_uri"), url.Values{"code": {"the-code"}, "state": {q.Get("state")}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	done = completed(loginID)
	assert.Equal(t, true, done["success"])
	assert.Nil(t, done["error"])
	updated := s.v2Note("account/updated")
	assert.JSONEq(t, `{"authMode":"chatgpt","planType":"plus","reason":null}`, string(updated.Params))
	stored := readAuthFile(t, s.home)
	require.NotNil(t, stored.Tokens)
	assert.Equal(t, "access-token-1", stored.Tokens.AccessToken)
	res := s.readAccount(map[string]any{})
	require.NotNil(t, res.Account)
	assert.Equal(t, "chatgpt", res.Account.Type)
	assert.Equal(t, "plus", res.Account.PlanType)
	require.NoError(t, s.closeAndWait())
}

func TestV2AccountRateLimitsAndTokenRenewal(t *testing.T) {
	iss := startTokenIssuer(t, unsignedJWT(t, plusClaims()))
	headers := map[string]string{
		"x-codex-primary-used-percent":          "42.4",
		"x-codex-primary-window-minutes":        "300",
		"x-codex-primary-reset-after-seconds":   "600",
		"x-codex-secondary-used-percent":        "7",
		"x-codex-secondary-window-minutes":      "10080",
		"x-codex-secondary-reset-after-seconds": "86400",
	}
	reply := fakemodel.TextDeltas([]string{"Hello"})
	reply.Headers = headers
	model := fakemodel.Start(fakemodel.Script(reply))
	t.Cleanup(model.Close)
	// The built-in OpenAI provider, pointed at the fake model, signed in
	// with ChatGPT tokens whose access token has expired.
	s := startV2Server(t, serverEnv{config: openAIConfig, env: append(loginEnv(iss), "OPENAI_BASE_URL="+model.URL)})
	chatGPTAuth(t, s.home, plusClaims(), time.Now().Add(-time.Minute))

	var limits struct {
		RateLimits struct {
			LimitID string          `json:"limitId"`
			Primary json.RawMessage `json:"primary"`
		} `json:"rateLimits"`
		ByID map[string]json.RawMessage `json:"rateLimitsByLimitId"`
	}
	s.v2Result("account/rateLimits/read", nil, &limits)
	assert.Equal(t, "codex", limits.RateLimits.LimitID)
	assert.Equal(t, "null", string(limits.RateLimits.Primary), "nothing reported yet")

	var started struct {
		Thread struct {
			ID string `json:"id"`
		} `json:"thread"`
	}
	s.v2Result("thread/start", map[string]any{"cwd": s.workDir}, &started)
	v2c := v2Client{appServer: s, model: model}
	v2c.startTurn(started.Thread.ID, "hi")
	ns := v2c.untilTurnCompleted()

	// The expired token was renewed before the model request.
	reqs := model.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "Bearer access-token-1", reqs[0].Header.Get("Authorization"))
	forms := iss.tokenForms()
	require.Len(t, forms, 1)
	assert.Equal(t, "refresh_token", forms[0].Get("grant_type"))
	stored := readAuthFile(t, s.home)
	assert.Equal(t, "refresh-token-1", stored.Tokens.RefreshToken)

	// account/rateLimits/updated follows each thread/tokenUsage/updated.
	var update map[string]any
	for i, n := range ns {
		if n.method != "thread/tokenUsage/updated" {
			continue
		}
		require.Greater(t, len(ns), i+1)
		require.Equal(t, "account/rateLimits/updated", ns[i+1].method)
		update = ns[i+1].params["rateLimits"].(map[string]any)
	}
	require.NotNil(t, update, "a usage update was sent: %v", methods(ns))
	assert.Equal(t, "codex", update["limitId"])
	primary := update["primary"].(map[string]any)
	assert.Equal(t, float64(42), primary["usedPercent"])
	assert.Equal(t, float64(300), primary["windowDurationMins"])
	assert.InDelta(t, float64(time.Now().Unix()+600), primary["resetsAt"], 60)
	secondary := update["secondary"].(map[string]any)
	assert.Equal(t, float64(7), secondary["usedPercent"])
	assert.Equal(t, float64(10080), secondary["windowDurationMins"])

	// account/rateLimits/read answers the same.
	var after struct {
		RateLimits map[string]any            `json:"rateLimits"`
		ByID       map[string]map[string]any `json:"rateLimitsByLimitId"`
	}
	s.v2Result("account/rateLimits/read", map[string]any{"excludeResetCreditDetails": true}, &after)
	assert.Equal(t, update, after.RateLimits)
	assert.Equal(t, update, after.ByID["codex"])
	require.NoError(t, s.closeAndWait())
}

// modelPage is the answer to model/list.
type modelPage struct {
	Data []struct {
		ID                        string `json:"id"`
		Hidden                    bool   `json:"hidden"`
		IsDefault                 bool   `json:"isDefault"`
		DisplayName               string `json:"displayName"`
		Description               string `json:"description"`
		DefaultReasoningEffort    string `json:"defaultReasoningEffort"`
		SupportedReasoningEfforts []struct {
			ReasoningEffort string `json:"reasoningEffort"`
			Description     string `json:"description"`
		} `json:"supportedReasoningEfforts"`
		InputModalities []string `json:"inputModalities"`
	} `json:"data"`
	NextCursor *string `json:"nextCursor"`
}

func (p modelPage) ids() []string {
	var out []string
	for _, m := range p.Data {
		out = append(out, m.ID)
	}
	return out
}

func TestV2ModelList(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script())
	t.Cleanup(model.Close)
	s := startV2Server(t, serverEnv{config: strings.Replace(mockConfig(model.URL, 0, 0), `model = "gpt-5"`, `model = "my-local-model"`+"\n"+`model_reasoning_effort = "high"`, 1)})

	var all, hidden modelPage
	s.v2Result("model/list", map[string]any{}, &all)
	s.v2Result("model/list", map[string]any{"includeHidden": true}, &hidden)
	assert.Nil(t, all.NextCursor)
	assert.Nil(t, hidden.NextCursor)
	require.NotEmpty(t, all.Data)
	assert.Greater(t, len(hidden.Data), len(all.Data), "hidden models are listed on request")
	defaults := 0
	for _, m := range all.Data {
		assert.False(t, m.Hidden, m.ID)
		assert.NotEmpty(t, m.DisplayName, m.ID)
		assert.NotEmpty(t, m.Description, m.ID)
		assert.NotEmpty(t, m.SupportedReasoningEfforts, m.ID)
		if m.IsDefault {
			defaults++
		}
	}
	assert.Equal(t, 1, defaults)
	var sawHidden bool
	for _, m := range hidden.Data {
		sawHidden = sawHidden || m.Hidden
	}
	assert.True(t, sawHidden)

	// The configured model the catalog does not know comes last.
	last := all.Data[len(all.Data)-1]
	assert.Equal(t, "my-local-model", last.ID)
	assert.Equal(t, "high", last.DefaultReasoningEffort)
	assert.Equal(t, []string{"text", "image"}, last.InputModalities)

	// Pages of two, chained by cursor, give the whole list.
	var paged []string
	var cursor *string
	for range len(all.Data) {
		params := map[string]any{"limit": 2}
		if cursor != nil {
			params["cursor"] = *cursor
		}
		var page modelPage
		s.v2Result("model/list", params, &page)
		assert.LessOrEqual(t, len(page.Data), 2)
		paged = append(paged, page.ids()...)
		if cursor = page.NextCursor; cursor == nil {
			break
		}
	}
	assert.Equal(t, all.ids(), paged)

	// A limit of 0 gives one model; a cursor at the end none.
	var one, none modelPage
	s.v2Result("model/list", map[string]any{"limit": 0}, &one)
	assert.Equal(t, all.ids()[:1], one.ids())
	require.NotNil(t, one.NextCursor)
	assert.Equal(t, "1", *one.NextCursor)
	s.v2Result("model/list", map[string]any{"cursor": fmt.Sprint(len(all.Data))}, &none)
	assert.Empty(t, none.Data)
	assert.Nil(t, none.NextCursor)
	require.NoError(t, s.closeAndWait())
}

func TestV2ModelProviderList(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script())
	t.Cleanup(model.Close)
	config := mockConfig(model.URL, 0, 0) + `
[model_providers.zeta]
name = "Zeta Cloud"
base_url = "https://zeta.example/v1"
env_key = "ZETA_API_KEY"

[model_providers.alpha]
name = "Alpha"
base_url = "https://alpha.example/v1"
requires_openai_auth = true
`
	s := startV2Server(t, serverEnv{config: config})
	raw := s.v2Result("modelProvider/list", map[string]any{}, nil)
	want := fmt.Sprintf(`{"data":[
		{"id":"alpha","name":"Alpha","canEdit":true,"baseUrl":"https://alpha.example/v1","settings":{"type":"customGateway","auth":{"mode":"externallyConfigured","envKey":null}}},
		{"id":"mock","name":"mock","canEdit":true,"baseUrl":%q,"settings":{"type":"customGateway","auth":{"mode":"none"}}},
		{"id":"openai","name":"OpenAI","canEdit":false,"baseUrl":null,"settings":{"type":"openai"}},
		{"id":"zeta","name":"Zeta Cloud","canEdit":true,"baseUrl":"https://zeta.example/v1","settings":{"type":"customGateway","auth":{"mode":"environmentVariable","envKey":"ZETA_API_KEY"}}}
	],"defaultProviderId":"mock","canChangeDefault":true}`, model.URL)
	assert.JSONEq(t, want, string(raw.Result))

	// model/list may name a provider; an unknown one is an error.
	var page modelPage
	s.v2Result("model/list", map[string]any{"modelProvider": "zeta"}, &page)
	assert.NotEmpty(t, page.Data)
	m := s.call("model/list", map[string]any{"modelProvider": "nowhere"})
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, int64(-32602), m.Error.Code)
	assert.Contains(t, m.Error.Message, `model provider "nowhere" not found`)
	require.NoError(t, s.closeAndWait())
}

func TestV2AccountAndModelBadParams(t *testing.T) {
	s := startV2Server(t, serverEnv{config: openAIConfig})
	tests := []struct {
		name    string
		method  string
		params  any
		code    int64
		message string
	}{
		{"login without a type", "account/login/start", map[string]any{"apiKey": "sk"}, -32602, `Invalid params: missing field "type"`},
		{"api key login without a key", "account/login/start", map[string]any{"type": "apiKey"}, -32602, `Invalid params: missing field "apiKey"`},
		{"api key login with an empty key", "account/login/start", map[string]any{"type": "apiKey", "apiKey": " "}, -32602, "Invalid params: apiKey must not be empty"},
		{"an unknown login type", "account/login/start", map[string]any{"type": "bogus"}, -32600, "Invalid request: unknown variant `bogus`, expected one of `apiKey`, `chatgpt`, `chatgptDeviceCode`, `chatgptAuthTokens`, `amazonBedrock`, `amazonBedrockAccessKeys`"},
		{"a login type not served", "account/login/start", map[string]any{"type": "chatgptDeviceCode"}, -32600, "login type chatgptDeviceCode is not supported by this server"},
		{"login params not an object", "account/login/start", []any{1}, -32602, "Invalid params: params must be an object"},
		{"cancel without a login id", "account/login/cancel", map[string]any{}, -32602, `Invalid params: missing field "loginId"`},
		{"cancel with a login id that is not a UUID", "account/login/cancel", map[string]any{"loginId": "nope"}, -32600, "invalid login id: nope"},
		{"account/read without params", "account/read", nil, -32602, "Invalid params: params must be an object"},
		{"account/read with a wrong type", "account/read", map[string]any{"refreshToken": "yes"}, -32602, "Invalid params: params: json: cannot unmarshal string into Go struct field GetAccountParams.refreshToken of type bool"},
		{"logout with params", "account/logout", map[string]any{"x": 1}, -32602, "Invalid params: the method takes no params"},
		{"a cursor that is not a number", "model/list", map[string]any{"cursor": "zzz"}, -32600, "invalid cursor: zzz"},
		{"a negative cursor", "model/list", map[string]any{"cursor": "-1"}, -32600, "invalid cursor: -1"},
		{"a cursor past the end", "model/list", map[string]any{"cursor": "9999"}, -32600, "cursor 9999 exceeds total models"},
		{"a negative limit", "model/list", map[string]any{"limit": -1}, -32602, "Invalid params: params: json: cannot unmarshal number -1 into Go struct field ModelListParams.limit of type uint32"},
		{"modelProvider/list without params", "modelProvider/list", nil, -32602, "Invalid params: params must be an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := s.call(tt.method, tt.params)
			require.NotNil(t, m.Error, m.Raw)
			assert.Equal(t, tt.code, m.Error.Code, m.Raw)
			assert.True(t, strings.HasPrefix(m.Error.Message, tt.message), "%s\nwant prefix %s", m.Error.Message, tt.message)
		})
	}
	// The server keeps serving, and nothing was stored.
	assert.Nil(t, s.readAccount(map[string]any{}).Account)
	_, err := os.Stat(filepath.Join(s.home, "auth.json"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	require.NoError(t, s.closeAndWait())
}
