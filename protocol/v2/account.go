package v2

import "encoding/json"

// Account methods: who the server signs in as, signing in and out, and the
// provider's rate limits.
const (
	// MethodAccountRead describes the stored credentials.
	MethodAccountRead = "account/read"
	// MethodAccountLoginStart signs in with an API key, or starts a
	// ChatGPT browser sign-in.
	MethodAccountLoginStart = "account/login/start"
	// MethodAccountLoginCancel ends a ChatGPT sign-in in progress.
	MethodAccountLoginCancel = "account/login/cancel"
	// MethodAccountLogout removes the stored credentials.
	MethodAccountLogout = "account/logout"
	// MethodAccountRateLimitsRead answers the latest rate limits the model
	// provider reported.
	MethodAccountRateLimitsRead = "account/rateLimits/read"
)

// Account notifications.
const (
	// NotificationAccountLoginCompleted reports how a sign-in ended.
	NotificationAccountLoginCompleted = "account/login/completed"
	// NotificationAccountUpdated reports that the sign-in method changed.
	NotificationAccountUpdated = "account/updated"
	// NotificationAccountRateLimitsUpdated carries the rate limits a
	// model response reported.
	NotificationAccountRateLimitsUpdated = "account/rateLimits/updated"
)

// Account types ("type" of Account and of the login params and responses).
const (
	// AccountAPIKey is an OpenAI API key.
	AccountAPIKey = "apiKey"
	// AccountChatGPT is a ChatGPT sign-in.
	AccountChatGPT = "chatgpt"
)

// CancelLoginStatus values.
const (
	// CancelLoginCanceled: the sign-in was ended.
	CancelLoginCanceled = "canceled"
	// CancelLoginNotFound: no sign-in with that id is in progress.
	CancelLoginNotFound = "notFound"
)

// RateLimitsID is the limitId of the rate limits of Codex usage.
const RateLimitsID = "codex"

// GetAccountParams are the params of account/read.
type GetAccountParams struct {
	// RefreshToken asks for the ChatGPT tokens to be renewed first.
	RefreshToken *bool `json:"refreshToken,omitempty"`
}

// Account describes stored credentials: {"type":"apiKey"}, or
// {"type":"chatgpt","email":...,"planType":...}.
type Account struct {
	// Type is AccountAPIKey or AccountChatGPT.
	Type string `json:"type"`
	// Email is the signed-in ChatGPT user's address, null when the id
	// token has none (ChatGPT only).
	Email *string `json:"email,omitempty"`
	// PlanType is the ChatGPT plan, "unknown" when the id token names
	// none (ChatGPT only).
	PlanType string `json:"planType,omitempty"`
}

// MarshalJSON writes the members of the account's type: email (maybe
// null) and planType for ChatGPT, only the type otherwise.
func (a Account) MarshalJSON() ([]byte, error) {
	if a.Type != AccountChatGPT {
		return json.Marshal(struct {
			Type string `json:"type"`
		}{a.Type})
	}
	return json.Marshal(struct {
		Type     string  `json:"type"`
		Email    *string `json:"email"`
		PlanType string  `json:"planType"`
	}{a.Type, a.Email, a.PlanType})
}

// GetAccountResponse answers account/read.
type GetAccountResponse struct {
	// Account is the stored credentials, null when there are none or the
	// model provider does not use OpenAI credentials.
	Account *Account `json:"account"`
	// UserID is the ChatGPT user id, when the id token names one.
	UserID *string `json:"userId"`
	// RequiresOpenaiAuth reports whether the configured model provider
	// uses OpenAI credentials.
	RequiresOpenaiAuth bool `json:"requiresOpenaiAuth"`
	// WorkspaceRouting is always null: no backend routing is discovered.
	// Only the reference's experimental schema declares it, but the
	// reference sends it to every client.
	WorkspaceRouting json.RawMessage `json:"workspaceRouting"`
}

// LoginAccountParams are the params of account/login/start, a union
// tagged by type: {"type":"apiKey","apiKey":...} or {"type":"chatgpt"}.
// The other variants of the reference are refused.
type LoginAccountParams struct {
	// Type is AccountAPIKey or AccountChatGPT.
	Type string `json:"type"`
	// APIKey is the key to store (apiKey only).
	APIKey *string `json:"apiKey,omitempty"`
}

// LoginAccountResponse answers account/login/start: {"type":"apiKey"}, or
// for a ChatGPT sign-in its id and the page to open.
type LoginAccountResponse struct {
	// Type is the type of the params.
	Type string `json:"type"`
	// LoginID identifies the ChatGPT sign-in, for account/login/cancel.
	LoginID *string `json:"loginId,omitempty"`
	// AuthURL is the page the user signs in on.
	AuthURL *string `json:"authUrl,omitempty"`
}

// CancelLoginAccountParams are the params of account/login/cancel.
type CancelLoginAccountParams struct {
	// LoginID is the id account/login/start answered.
	LoginID string `json:"loginId"`
}

// CancelLoginAccountResponse answers account/login/cancel.
type CancelLoginAccountResponse struct {
	// Status is CancelLoginCanceled or CancelLoginNotFound.
	Status string `json:"status"`
}

// LogoutAccountResponse answers account/logout; it has no members.
type LogoutAccountResponse struct{}

// GetAccountRateLimitsParams are the optional params of
// account/rateLimits/read; their members change nothing here.
type GetAccountRateLimitsParams struct {
	// ExcludeResetCreditDetails skips the reset-credit details.
	ExcludeResetCreditDetails *bool `json:"excludeResetCreditDetails,omitempty"`
	// SupportsLunaReserve says the client handles a fallback model.
	SupportsLunaReserve *bool `json:"supportsLunaReserve,omitempty"`
}

// RateLimitsWindow is one window of a rate limit.
type RateLimitsWindow struct {
	// UsedPercent is how much of the window is used, in percent.
	UsedPercent int32 `json:"usedPercent"`
	// WindowDurationMins is the window's length in minutes.
	WindowDurationMins *int64 `json:"windowDurationMins"`
	// ResetsAt is when the window resets, in Unix seconds.
	ResetsAt *int64 `json:"resetsAt"`
}

// RateLimitsSnapshot is the rate-limit state of one limit. Members the
// provider's headers do not carry are null.
type RateLimitsSnapshot struct {
	// LimitID names the limit; RateLimitsID for Codex usage.
	LimitID *string `json:"limitId"`
	// LimitName is the limit's display name.
	LimitName *string `json:"limitName"`
	// NormalModelSlug is the model a quota alias stands for.
	NormalModelSlug *string `json:"normalModelSlug"`
	// Primary is the short window.
	Primary *RateLimitsWindow `json:"primary"`
	// Secondary is the long window.
	Secondary *RateLimitsWindow `json:"secondary"`
	// Credits are the account's credits; always null here.
	Credits json.RawMessage `json:"credits"`
	// IndividualLimit is a spend-control limit; always null here.
	IndividualLimit json.RawMessage `json:"individualLimit"`
	// SpendControlReached reports a spend-control stop; always null here.
	SpendControlReached *bool `json:"spendControlReached"`
	// PlanType is the ChatGPT plan; always null here.
	PlanType *string `json:"planType"`
	// RateLimitReachedType says which limit was reached; always null here.
	RateLimitReachedType *string `json:"rateLimitReachedType"`
}

// GetAccountRateLimitsResponse answers account/rateLimits/read.
type GetAccountRateLimitsResponse struct {
	// RateLimits is the Codex limit.
	RateLimits RateLimitsSnapshot `json:"rateLimits"`
	// RateLimitsByLimitID holds the same snapshot under its limit id.
	RateLimitsByLimitID map[string]RateLimitsSnapshot `json:"rateLimitsByLimitId"`
}

// AccountLoginCompletedNotification reports how a sign-in ended.
type AccountLoginCompletedNotification struct {
	// LoginID is the ChatGPT sign-in's id, null for an API key.
	LoginID *string `json:"loginId"`
	// Success reports whether credentials were stored.
	Success bool `json:"success"`
	// Error says why the sign-in failed, null on success.
	Error *string `json:"error"`
	// OnboardingEntrypoint is always null.
	OnboardingEntrypoint *string `json:"onboardingEntrypoint"`
}

// AccountUpdatedNotification reports the sign-in method after it changed.
type AccountUpdatedNotification struct {
	// AuthMode is "apikey" or "chatgpt", null when signed out.
	AuthMode *string `json:"authMode"`
	// PlanType is the ChatGPT plan, null otherwise.
	PlanType *string `json:"planType"`
	// Reason is always null.
	Reason *string `json:"reason"`
}

// AccountRateLimitsUpdatedNotification carries the rate limits a model
// response reported.
type AccountRateLimitsUpdatedNotification struct {
	// RateLimits is the Codex limit.
	RateLimits RateLimitsSnapshot `json:"rateLimits"`
}

// PlanTypeUnknown is the plan of a ChatGPT account whose plan is not one
// of PlanTypeValues.
const PlanTypeUnknown = "unknown"

// PlanTypeValues are the ChatGPT plans the wire knows.
func PlanTypeValues() []string {
	return []string{
		"free", "go", "plus", "pro", "prolite", "promax", "team", "self_serve_business_prolite",
		"self_serve_business_usage_based", "business", "ent26", "enterprise_cbp_automation",
		"enterprise_cbp_usage_based", "enterprise", "edu", "edu_plus", "edu_pro", "sci", "sci_plus", PlanTypeUnknown,
	}
}

// LoginTypeValues are the "type" values of the reference's
// LoginAccountParams; only AccountAPIKey and AccountChatGPT are served.
func LoginTypeValues() []string {
	return []string{AccountAPIKey, AccountChatGPT, "chatgptDeviceCode", "chatgptAuthTokens", "amazonBedrock", "amazonBedrockAccessKeys"}
}
