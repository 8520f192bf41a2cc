package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetriesAndTimeout(t *testing.T) {
	tests := []struct {
		name            string
		p               ModelProviderInfo
		request, stream int
		idle            time.Duration
	}{
		{"defaults", ModelProviderInfo{}, 4, 5, 300 * time.Second},
		{"set", ModelProviderInfo{RequestMaxRetries: ptr(int64(1)), StreamMaxRetries: ptr(int64(0)), StreamIdleTimeoutMs: ptr(int64(1500))}, 1, 0, 1500 * time.Millisecond},
		{"capped", ModelProviderInfo{RequestMaxRetries: ptr(int64(1000)), StreamMaxRetries: ptr(int64(101))}, 100, 100, 300 * time.Second},
		{"negative", ModelProviderInfo{RequestMaxRetries: ptr(int64(-1)), StreamIdleTimeoutMs: ptr(int64(0))}, 0, 5, 300 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.request, tt.p.RequestMaxRetriesOrDefault())
			assert.Equal(t, tt.stream, tt.p.StreamMaxRetriesOrDefault())
			assert.Equal(t, tt.idle, tt.p.StreamIdleTimeout())
		})
	}
}

func TestAPIKey(t *testing.T) {
	tests := []struct {
		name    string
		p       ModelProviderInfo
		env     map[string]string
		want    string
		wantErr []string
	}{
		{"no env key", ModelProviderInfo{}, nil, "", nil},
		{"present", ModelProviderInfo{EnvKey: "K"}, map[string]string{"K": " secret\n"}, "secret", nil},
		{"missing", ModelProviderInfo{EnvKey: "MY_KEY"}, nil, "", []string{"MY_KEY"}},
		{"blank", ModelProviderInfo{EnvKey: "MY_KEY"}, map[string]string{"MY_KEY": "  "}, "", []string{"MY_KEY"}},
		{"missing with instructions", ModelProviderInfo{EnvKey: "MY_KEY", EnvKeyInstructions: "see the wiki"}, nil, "", []string{"MY_KEY", "see the wiki"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.APIKey(env(tt.env))
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			require.Error(t, err)
			var missing *MissingEnvKeyError
			require.ErrorAs(t, err, &missing)
			assert.Equal(t, tt.p.EnvKey, missing.Var)
			for _, w := range tt.wantErr {
				assert.Contains(t, err.Error(), w)
			}
			assert.Empty(t, got)
		})
	}
}

func TestHeaders(t *testing.T) {
	p := ModelProviderInfo{
		HTTPHeaders:    map[string]string{"X-Static": "s"},
		EnvHTTPHeaders: map[string]string{"X-Set": "SET_VAR", "X-Unset": "UNSET_VAR"},
	}
	got := p.Headers(env(map[string]string{"SET_VAR": "v"}))
	assert.Equal(t, map[string]string{"X-Static": "s", "X-Set": "v"}, got)

	openai := BuiltinProviders(env(nil))[ProviderOpenAI]
	assert.Equal(t, map[string]string{"OpenAI-Organization": "org", "OpenAI-Project": "proj"},
		openai.Headers(env(map[string]string{"OPENAI_ORGANIZATION": "org", "OPENAI_PROJECT": "proj"})))
	assert.NotEmpty(t, openai.EnvKeyInstructions)
}

func TestURL(t *testing.T) {
	tests := []struct {
		base  string
		query map[string]string
		path  string
		want  string
	}{
		{"https://api.openai.com/v1", nil, "responses", "https://api.openai.com/v1/responses"},
		{"https://api.openai.com/v1/", nil, "/responses", "https://api.openai.com/v1/responses"},
		{"https://x.test/openai", map[string]string{"api-version": "2025-04-01", "a": "b c"}, "chat/completions", "https://x.test/openai/chat/completions?a=b+c&api-version=2025-04-01"},
	}
	for _, tt := range tests {
		p := ModelProviderInfo{BaseURL: tt.base, QueryParams: tt.query}
		assert.Equal(t, tt.want, p.URL(tt.path))
	}
}
