package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// richSavedConfig sets every setting getUserSavedConfig reports, and more.
const richSavedConfig = `# My settings
model = "gpt-5"   # the default
approval_policy = "on-request"
sandbox_mode = "workspace-write"
model_reasoning_effort = "high"
model_reasoning_summary = "detailed"
model_verbosity = "low"
profile = "p1"
notify = ["notify-send", "done"]

[sandbox_workspace_write]
writable_roots = ["/tmp/a"]
network_access = true

[tools]
web_search = true
view_image = false

[profiles.p1]
model = "o3"
approval_policy = "never"
model_reasoning_effort = "low"

[profiles.p2]
model_provider = "openai"
chatgpt_base_url = "https://example.com/backend/"

[mcp_servers.foo]
command = "echo"
`

func TestGetUserSavedConfig(t *testing.T) {
	tests := []struct {
		name   string
		config string
		want   string
	}{
		{
			name:   "rich config",
			config: richSavedConfig,
			want: `{"config":{"approvalPolicy":"on-request","sandboxMode":"workspace-write",` +
				`"sandboxSettings":{"writableRoots":["/tmp/a"],"networkAccess":true,"excludeTmpdirEnvVar":false,"excludeSlashTmp":false},` +
				`"model":"gpt-5","modelReasoningEffort":"high","modelReasoningSummary":"detailed","modelVerbosity":"low",` +
				`"tools":{"webSearch":true,"viewImage":false},"profile":"p1","profiles":{` +
				`"p1":{"model":"o3","modelProvider":null,"approvalPolicy":"never","modelReasoningEffort":"low","modelReasoningSummary":null,"modelVerbosity":null,"chatgptBaseUrl":null},` +
				`"p2":{"model":null,"modelProvider":"openai","approvalPolicy":null,"modelReasoningEffort":null,"modelReasoningSummary":null,"modelVerbosity":null,"chatgptBaseUrl":"https://example.com/backend/"}}}}`,
		},
		{
			name:   "model only",
			config: `model = "gpt-5"` + "\n",
			want:   `{"config":{"model":"gpt-5","profiles":{}}}`,
		},
		{
			name:   "empty file",
			config: "",
			want:   `{"config":{"profiles":{}}}`,
		},
		{
			name:   "partial tables get defaults where the reference shows them",
			config: "[sandbox_workspace_write]\n[tools]\nweb_search_request = true\n",
			want:   `{"config":{"sandboxSettings":{"writableRoots":[],"networkAccess":false,"excludeTmpdirEnvVar":false,"excludeSlashTmp":false},"tools":{"webSearch":true},"profiles":{}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startAppServer(t, serverEnv{config: tt.config})
			s.initialize()
			m := s.callResult("getUserSavedConfig", nil, nil)
			assert.Equal(t, tt.want, string(m.Result))
		})
	}
}

func TestGetUserSavedConfigErrors(t *testing.T) {
	s := startAppServer(t, serverEnv{config: `model = "gpt-5"` + "\n"})
	s.initialize()
	m := s.call("getUserSavedConfig", map[string]any{"x": 1})
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, int64(-32602), m.Error.Code)

	// A file that is not valid is reported, and the server goes on.
	require.NoError(t, os.WriteFile(filepath.Join(s.home, "config.toml"), []byte("approval_policy = \"sometimes\"\n"), 0o600))
	m = s.call("getUserSavedConfig", nil)
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, int64(-32603), m.Error.Code)
	assert.Contains(t, m.Error.Message, "approval_policy")
	require.NoError(t, os.Remove(filepath.Join(s.home, "config.toml")))
	assert.Equal(t, `{"config":{"profiles":{}}}`, string(s.callResult("getUserSavedConfig", nil, nil).Result))
}

func TestSetDefaultModel(t *testing.T) {
	const base = `# My settings
model = "o3"   # the default
approval_policy = "never"
model_reasoning_effort = "high"

# Providers follow.
[model_providers.local]
name = "Local"
base_url = "http://localhost:1/v1"
`
	tests := []struct {
		name   string
		config string
		params map[string]any
		want   string
	}{
		{
			name:   "model and effort replace their lines",
			config: base,
			params: map[string]any{"model": "gpt-5", "reasoningEffort": "low"},
			want:   strings.NewReplacer(`model = "o3"   # the default`, `model = "gpt-5"`, `model_reasoning_effort = "high"`, `model_reasoning_effort = "low"`).Replace(base),
		},
		{
			name:   "an absent effort is removed",
			config: base,
			params: map[string]any{"model": "gpt-5"},
			want:   strings.NewReplacer(`model = "o3"   # the default`, `model = "gpt-5"`, "model_reasoning_effort = \"high\"\n", "").Replace(base),
		},
		{
			name:   "null removes both",
			config: base,
			params: map[string]any{"model": nil, "reasoningEffort": nil},
			want:   strings.NewReplacer("model = \"o3\"   # the default\n", "", "model_reasoning_effort = \"high\"\n", "").Replace(base),
		},
		{
			name:   "new keys go before the first table",
			config: "[tools]\nweb_search = true\n",
			params: map[string]any{"model": "gpt-5", "reasoningEffort": "minimal"},
			want:   "model = \"gpt-5\"\nmodel_reasoning_effort = \"minimal\"\n[tools]\nweb_search = true\n",
		},
		{
			name:   "the active profile is edited",
			config: "model = \"o3\"\nprofile = \"p1\"\n\n[profiles.p1]\nmodel = \"o3\"\n\n[tools]\nweb_search = true\n",
			params: map[string]any{"model": "gpt-5", "reasoningEffort": "low"},
			want:   "model = \"o3\"\nprofile = \"p1\"\n\n[profiles.p1]\nmodel = \"gpt-5\"\nmodel_reasoning_effort = \"low\"\n\n[tools]\nweb_search = true\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startAppServer(t, serverEnv{config: tt.config})
			s.initialize()
			m := s.callResult("setDefaultModel", tt.params, nil)
			assert.Equal(t, fmt.Sprintf(`{"id":%s,"result":{}}`, m.ID), m.Raw)
			data, err := os.ReadFile(filepath.Join(s.home, "config.toml"))
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(data))
		})
	}
}

func TestSetDefaultModelThenSavedConfig(t *testing.T) {
	s := startAppServer(t, serverEnv{config: ""})
	s.initialize()
	require.NoError(t, os.Remove(filepath.Join(s.home, "config.toml")))

	// Removing from a missing file leaves it missing.
	s.callResult("setDefaultModel", map[string]any{}, nil)
	assert.NoFileExists(t, filepath.Join(s.home, "config.toml"))

	s.callResult("setDefaultModel", map[string]any{"model": "gpt-5-codex", "reasoningEffort": "medium"}, nil)
	assert.Equal(t, `{"config":{"model":"gpt-5-codex","modelReasoningEffort":"medium","profiles":{}}}`,
		string(s.callResult("getUserSavedConfig", nil, nil).Result))
	info, err := os.Stat(filepath.Join(s.home, "config.toml"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	for _, bad := range []any{nil, map[string]any{"reasoningEffort": "extreme"}, map[string]any{"model": 5}} {
		m := s.call("setDefaultModel", bad)
		require.NotNil(t, m.Error, m.Raw)
		assert.Equal(t, int64(-32602), m.Error.Code, m.Raw)
	}
	assert.Equal(t, `{"config":{"model":"gpt-5-codex","modelReasoningEffort":"medium","profiles":{}}}`,
		string(s.callResult("getUserSavedConfig", nil, nil).Result))
}
