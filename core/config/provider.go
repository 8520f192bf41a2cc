package config

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Wire protocols a model provider may speak.
const (
	// WireAPIResponses is the OpenAI Responses API (POST /responses).
	WireAPIResponses = "responses"
	// WireAPIChat is the Chat Completions API (POST /chat/completions).
	WireAPIChat = "chat"
)

// Identifiers of the built-in model providers.
const (
	// ProviderOpenAI is the id of the built-in OpenAI provider.
	ProviderOpenAI = "openai"
	// ProviderOSS is the id of the built-in local open-weights provider.
	ProviderOSS = "oss"
)

// Retry and timeout defaults of a model provider.
const (
	// DefaultRequestMaxRetries is how often a failed request is retried.
	DefaultRequestMaxRetries = 4
	// DefaultStreamMaxRetries is how often a dropped stream is reconnected.
	DefaultStreamMaxRetries = 5
	// MaxRetriesCap bounds both retry settings.
	MaxRetriesCap = 100
	// DefaultStreamIdleTimeout is how long a stream may stay silent.
	DefaultStreamIdleTimeout = 300 * time.Second
	// DefaultOSSPort is the port of the local open-weights server.
	DefaultOSSPort = "11434"
)

// ModelProviderInfo describes how to reach one model provider.
type ModelProviderInfo struct {
	// Name is the display name.
	Name string
	// BaseURL is the API root, e.g. "https://api.openai.com/v1".
	BaseURL string
	// EnvKey names the environment variable holding the API key ("" for none).
	EnvKey string
	// EnvKeyInstructions tells the user how to obtain the key.
	EnvKeyInstructions string
	// WireAPI is WireAPIResponses or WireAPIChat.
	WireAPI string
	// QueryParams are appended to every request URL.
	QueryParams map[string]string
	// HTTPHeaders are sent with every request.
	HTTPHeaders map[string]string
	// EnvHTTPHeaders maps a header name to the environment variable holding
	// its value; the header is sent only when the variable is non-empty.
	EnvHTTPHeaders map[string]string
	// RequestMaxRetries overrides DefaultRequestMaxRetries.
	RequestMaxRetries *int64
	// StreamMaxRetries overrides DefaultStreamMaxRetries.
	StreamMaxRetries *int64
	// StreamIdleTimeoutMs overrides DefaultStreamIdleTimeout, in milliseconds.
	StreamIdleTimeoutMs *int64
	// RequiresOpenAIAuth means credentials come from the OpenAI login
	// (auth.json or OPENAI_API_KEY).
	RequiresOpenAIAuth bool
}

func retries(v *int64, def int) int {
	if v == nil {
		return def
	}
	n := *v
	if n < 0 {
		return 0
	}
	if n > MaxRetriesCap {
		return MaxRetriesCap
	}
	return int(n)
}

// RequestMaxRetriesOrDefault returns the request retry count, default 4,
// capped at MaxRetriesCap.
func (p ModelProviderInfo) RequestMaxRetriesOrDefault() int {
	return retries(p.RequestMaxRetries, DefaultRequestMaxRetries)
}

// StreamMaxRetriesOrDefault returns the stream reconnect count, default 5,
// capped at MaxRetriesCap.
func (p ModelProviderInfo) StreamMaxRetriesOrDefault() int {
	return retries(p.StreamMaxRetries, DefaultStreamMaxRetries)
}

// StreamIdleTimeout returns how long a response stream may stay silent
// before it is considered broken (default 300s).
func (p ModelProviderInfo) StreamIdleTimeout() time.Duration {
	if p.StreamIdleTimeoutMs == nil || *p.StreamIdleTimeoutMs <= 0 {
		return DefaultStreamIdleTimeout
	}
	return time.Duration(*p.StreamIdleTimeoutMs) * time.Millisecond
}

// MissingEnvKeyError reports that a provider's API key variable is unset.
type MissingEnvKeyError struct {
	// Var is the environment variable that was looked up.
	Var string
	// Instructions is the provider's hint on obtaining a key, if any.
	Instructions string
}

// Error implements error.
func (e *MissingEnvKeyError) Error() string {
	msg := fmt.Sprintf("missing environment variable %s: set it to the provider's API key", e.Var)
	if e.Instructions != "" {
		msg += " (" + e.Instructions + ")"
	}
	return msg
}

// APIKey returns the provider's API key read from EnvKey through getenv. It
// returns "" and no error when the provider has no EnvKey, and a
// *MissingEnvKeyError when the variable is unset or blank.
func (p ModelProviderInfo) APIKey(getenv func(string) string) (string, error) {
	if p.EnvKey == "" {
		return "", nil
	}
	key := strings.TrimSpace(getenv(p.EnvKey))
	if key == "" {
		return "", &MissingEnvKeyError{Var: p.EnvKey, Instructions: p.EnvKeyInstructions}
	}
	return key, nil
}

// Headers returns the extra HTTP headers for a request: HTTPHeaders plus
// every EnvHTTPHeaders entry whose variable is non-empty.
func (p ModelProviderInfo) Headers(getenv func(string) string) map[string]string {
	out := make(map[string]string, len(p.HTTPHeaders)+len(p.EnvHTTPHeaders))
	for k, v := range p.HTTPHeaders {
		out[k] = v
	}
	for header, env := range p.EnvHTTPHeaders {
		if v := strings.TrimSpace(getenv(env)); v != "" {
			out[header] = v
		}
	}
	return out
}

// URL joins BaseURL and an endpoint path (e.g. "responses") and appends
// QueryParams in key order.
func (p ModelProviderInfo) URL(path string) string {
	u := strings.TrimRight(p.BaseURL, "/") + "/" + strings.TrimLeft(path, "/")
	if len(p.QueryParams) == 0 {
		return u
	}
	keys := make([]string, 0, len(p.QueryParams))
	for k := range p.QueryParams {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	q := make([]string, 0, len(keys))
	for _, k := range keys {
		q = append(q, url.QueryEscape(k)+"="+url.QueryEscape(p.QueryParams[k]))
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + strings.Join(q, "&")
}

// BuiltinProviders returns the providers that exist without configuration,
// reading their base URLs from the environment through getenv:
// "openai" (OPENAI_BASE_URL) and "oss" (CODEX_OSS_BASE_URL, CODEX_OSS_PORT).
func BuiltinProviders(getenv func(string) string) map[string]ModelProviderInfo {
	openaiURL := strings.TrimSpace(getenv("OPENAI_BASE_URL"))
	if openaiURL == "" {
		openaiURL = "https://api.openai.com/v1"
	}
	ossURL := strings.TrimSpace(getenv("CODEX_OSS_BASE_URL"))
	if ossURL == "" {
		port := strings.TrimSpace(getenv("CODEX_OSS_PORT"))
		if port == "" {
			port = DefaultOSSPort
		}
		ossURL = "http://localhost:" + port + "/v1"
	}
	return map[string]ModelProviderInfo{
		ProviderOpenAI: {
			Name:               "OpenAI",
			BaseURL:            openaiURL,
			EnvKey:             "OPENAI_API_KEY",
			EnvKeyInstructions: "create a key at https://platform.openai.com/account/api-keys, or sign in with `codex login`",
			WireAPI:            WireAPIResponses,
			EnvHTTPHeaders: map[string]string{
				"OpenAI-Organization": "OPENAI_ORGANIZATION",
				"OpenAI-Project":      "OPENAI_PROJECT",
			},
			RequiresOpenAIAuth: true,
		},
		ProviderOSS: {
			Name:    "gpt-oss",
			BaseURL: ossURL,
			WireAPI: WireAPIChat,
		},
	}
}
