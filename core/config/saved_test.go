package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

func TestReadSaved(t *testing.T) {
	tests := []struct {
		name string
		file string
		want protocol.UserSavedConfig
	}{
		{
			name: "no file",
			want: protocol.UserSavedConfig{Profiles: map[string]protocol.ProfileSettings{}},
		},
		{
			name: "every reported setting and others",
			file: `profile = "work"
model = "gpt-5"
model_verbosity = "low"
model_reasoning_summary = "detailed"
model_reasoning_effort = "high"
sandbox_mode = "workspace-write"
approval_policy = "on-request"
notify = ["notify-send"]
hide_agent_reasoning = true

[tools]
view_image = false
web_search = true

[sandbox_workspace_write]
exclude_slash_tmp = true
network_access = true
writable_roots = ["/srv/data"]

[profiles.work]
sandbox_mode = "read-only"
model_reasoning_effort = "low"
approval_policy = "never"
model = "o3"

[profiles.home]
chatgpt_base_url = "https://example.com/backend/"
model_verbosity = "medium"
model_reasoning_summary = "none"
model_provider = "openai"

[mcp_servers.files]
command = "echo"
`,
			want: protocol.UserSavedConfig{
				ApprovalPolicy: ptr(protocol.ApprovalOnRequest),
				SandboxMode:    ptr(protocol.SandboxWorkspaceWrite),
				SandboxSettings: &protocol.SandboxSettings{
					WritableRoots: []string{"/srv/data"}, NetworkAccess: true, ExcludeSlashTmp: true,
				},
				Model:                 ptr("gpt-5"),
				ModelReasoningEffort:  ptr(protocol.EffortHigh),
				ModelReasoningSummary: ptr(protocol.SummaryDetailed),
				ModelVerbosity:        ptr(protocol.VerbosityLow),
				Tools:                 &protocol.ToolsSettings{WebSearch: ptr(true), ViewImage: ptr(false)},
				Profile:               ptr("work"),
				Profiles: map[string]protocol.ProfileSettings{
					"work": {Model: ptr("o3"), ApprovalPolicy: ptr(protocol.ApprovalNever), ModelReasoningEffort: ptr(protocol.EffortLow)},
					"home": {
						ModelProvider:         ptr("openai"),
						ModelReasoningSummary: ptr(protocol.SummaryNone),
						ModelVerbosity:        ptr(protocol.VerbosityMedium),
						ChatGPTBaseURL:        ptr("https://example.com/backend/"),
					},
				},
			},
		},
		{
			name: "empty tables",
			file: "[sandbox_workspace_write]\n[tools]\n[profiles.empty]\n",
			want: protocol.UserSavedConfig{
				SandboxSettings: &protocol.SandboxSettings{WritableRoots: []string{}},
				Tools:           &protocol.ToolsSettings{},
				Profiles:        map[string]protocol.ProfileSettings{"empty": {}},
			},
		},
		{
			name: "the older spelling of web_search",
			file: "[tools]\nweb_search_request = true\n",
			want: protocol.UserSavedConfig{
				Tools:    &protocol.ToolsSettings{WebSearch: ptr(true)},
				Profiles: map[string]protocol.ProfileSettings{},
			},
		},
		{
			name: "web_search wins over its older spelling",
			file: "[tools]\nweb_search = false\nweb_search_request = true\n",
			want: protocol.UserSavedConfig{
				Tools:    &protocol.ToolsSettings{WebSearch: ptr(false)},
				Profiles: map[string]protocol.ProfileSettings{},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadSaved(writeHome(t, tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReadSavedErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		want string
	}{
		{"unknown enum value", "model = \"o3\"\napproval_policy = \"sometimes\"\n", `line 2: key "approval_policy": expected one of`},
		{"unknown enum value in a profile", "[profiles.p]\nmodel_verbosity = \"loud\"\n", `key "profiles.p.model_verbosity"`},
		{"wrong type", "model = 5\n", `key "model": expected a string, got integer`},
		{"wrong type in a table", "[sandbox_workspace_write]\nwritable_roots = \"/tmp\"\n", `key "sandbox_workspace_write.writable_roots"`},
		{"not TOML", "model = \n", "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadSaved(writeHome(t, tt.file))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), ConfigFileName)
		})
	}
}

// TestSavedAndLoadedAgree checks that what ReadSaved reports is what Load
// uses when nothing else is set.
func TestSavedAndLoadedAgree(t *testing.T) {
	const file = "model = \"o3\"\nmodel_verbosity = \"high\"\n[tools]\nview_image = false\n[profiles.p]\nmodel = \"p-model\"\n"
	home := writeHome(t, file)
	saved, err := ReadSaved(home)
	require.NoError(t, err)
	cfg, err := Load(LoadOptions{CodexHome: home, Getenv: env(nil)})
	require.NoError(t, err)
	assert.Equal(t, *saved.Model, cfg.Model)
	assert.Equal(t, *saved.ModelVerbosity, cfg.ModelVerbosity)
	assert.Equal(t, *saved.Tools.ViewImage, cfg.Tools.ViewImage)

	cfg, err = Load(LoadOptions{CodexHome: home, Typed: Typed{Profile: "p"}, Getenv: env(nil)})
	require.NoError(t, err)
	assert.Equal(t, *saved.Profiles["p"].Model, cfg.Model)
}
