package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

// env returns a Getenv backed by a map.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// writeHome creates a Codex home holding config.toml with the given text
// (no file when text is empty).
func writeHome(t *testing.T, text string) string {
	t.Helper()
	home := t.TempDir()
	if text != "" {
		require.NoError(t, os.WriteFile(filepath.Join(home, ConfigFileName), []byte(text), 0o600))
	}
	return home
}

func load(t *testing.T, text string, opts LoadOptions) (*Config, error) {
	t.Helper()
	opts.CodexHome = writeHome(t, text)
	if opts.Getenv == nil {
		opts.Getenv = env(nil)
	}
	return Load(opts)
}

func mustOverrides(t *testing.T, specs ...string) []Override {
	t.Helper()
	out := make([]Override, 0, len(specs))
	for _, s := range specs {
		ov, err := ParseOverride(s)
		require.NoError(t, err)
		out = append(out, ov)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestLoadDefaults(t *testing.T) {
	cfg, err := load(t, "", LoadOptions{})
	require.NoError(t, err)
	wd, err := os.Getwd()
	require.NoError(t, err)

	assert.Equal(t, "gpt-5", cfg.Model)
	assert.Equal(t, "openai", cfg.ModelProviderID)
	assert.Equal(t, "OpenAI", cfg.ModelProvider.Name)
	assert.Equal(t, ptr(int64(272000)), cfg.ModelContextWindow)
	assert.NotNil(t, cfg.ModelMaxOutputTokens)
	assert.Empty(t, cfg.Profile)
	assert.Equal(t, protocol.ApprovalOnRequest, cfg.ApprovalPolicy)
	assert.Equal(t, protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, cfg.SandboxPolicy)
	assert.Equal(t, wd, cfg.Cwd)
	assert.True(t, filepath.IsAbs(cfg.CodexHome))
	assert.Empty(t, cfg.ModelReasoningEffort)
	assert.Equal(t, protocol.SummaryAuto, cfg.ModelReasoningSummary)
	assert.Empty(t, cfg.ModelVerbosity)
	assert.False(t, cfg.ShowRawAgentReasoning)
	assert.Empty(t, cfg.BaseInstructions)
	assert.Equal(t, 32768, cfg.ProjectDocMaxBytes)
	assert.False(t, cfg.IncludePlanTool)
	assert.False(t, cfg.IncludeApplyPatchTool)
	assert.Equal(t, Tools{WebSearch: false, ViewImage: true}, cfg.Tools)
	assert.Equal(t, History{Persistence: "save-all"}, cfg.History)
	assert.Empty(t, cfg.Notify)
	assert.Empty(t, cfg.MCPServers)
	assert.Equal(t, ShellEnvironmentPolicy{Inherit: "all"}, cfg.ShellEnvironmentPolicy)
	assert.Equal(t, "https://chatgpt.com/backend-api/", cfg.ChatGPTBaseURL)
	assert.Empty(t, cfg.Warnings)
	assert.Contains(t, cfg.ModelProviders, "openai")
	assert.Contains(t, cfg.ModelProviders, "oss")
}

const precedenceFile = `
model = "file-model"
approval_policy = "untrusted"
sandbox_mode = "read-only"
model_reasoning_effort = "low"
include_plan_tool = false
profile = "fast"

[tools]
web_search = false
view_image = false

[profiles.fast]
model = "fast-model"
approval_policy = "on-failure"
model_reasoning_effort = "high"
tools = { web_search = true }
project_doc_max_bytes = 1  # not a profile key: ignored

[profiles.safe]
model = "safe-model"
sandbox_mode = "workspace-write"
include_plan_tool = true
`

func TestPrecedence(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		overrides []string
		typed     Typed
		check     func(t *testing.T, c *Config)
	}{
		{
			name: "file top level over defaults",
			file: "model = \"o3\"\napproval_policy = \"never\"\nmodel_verbosity = \"high\"\n",
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "o3", c.Model)
				assert.Equal(t, protocol.ApprovalNever, c.ApprovalPolicy)
				assert.Equal(t, protocol.VerbosityHigh, c.ModelVerbosity)
				assert.Equal(t, ptr(int64(200000)), c.ModelContextWindow)
			},
		},
		{
			name: "profile from file over top level",
			file: precedenceFile,
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "fast", c.Profile)
				assert.Equal(t, "fast-model", c.Model)
				assert.Equal(t, protocol.ApprovalOnFailure, c.ApprovalPolicy)
				assert.Equal(t, protocol.EffortHigh, c.ModelReasoningEffort)
				assert.Equal(t, Tools{WebSearch: true, ViewImage: false}, c.Tools, "tools merged key by key")
				assert.Equal(t, 32768, c.ProjectDocMaxBytes)
				assert.Nil(t, c.ModelContextWindow, "unknown model")
			},
		},
		{
			name:      "override selects the profile",
			file:      precedenceFile,
			overrides: []string{"profile=safe"},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "safe", c.Profile)
				assert.Equal(t, "safe-model", c.Model)
				assert.Equal(t, protocol.ApprovalUntrusted, c.ApprovalPolicy)
				assert.Equal(t, protocol.SandboxWorkspaceWrite, c.SandboxPolicy.Mode)
				assert.True(t, c.IncludePlanTool)
			},
		},
		{
			name:  "typed profile wins over the override",
			file:  precedenceFile,
			typed: Typed{Profile: "safe"},
			overrides: []string{
				"profile=fast",
			},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "safe", c.Profile)
				assert.Equal(t, "safe-model", c.Model)
			},
		},
		{
			name:      "override over profile",
			file:      precedenceFile,
			overrides: []string{"model=cli-model", "tools.view_image=true", `approval_policy="never"`},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "fast", c.Profile)
				assert.Equal(t, "cli-model", c.Model)
				assert.Equal(t, protocol.ApprovalNever, c.ApprovalPolicy)
				assert.Equal(t, Tools{WebSearch: true, ViewImage: true}, c.Tools)
			},
		},
		{
			name:      "override of the profile's own table",
			file:      precedenceFile,
			overrides: []string{"profiles.fast.model=patched"},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "patched", c.Model)
			},
		},
		{
			name:      "later override wins",
			overrides: []string{"model=a", "model=b"},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "b", c.Model)
			},
		},
		{
			name:      "typed over everything",
			file:      precedenceFile,
			overrides: []string{"model=cli-model", "include_plan_tool=true"},
			typed: Typed{
				Model:           "gpt-4.1",
				ApprovalPolicy:  protocol.ApprovalNever,
				SandboxMode:     protocol.SandboxDangerFullAccess,
				IncludePlanTool: ptr(false),
			},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "gpt-4.1", c.Model)
				assert.Equal(t, ptr(int64(1047576)), c.ModelContextWindow)
				assert.Equal(t, protocol.ApprovalNever, c.ApprovalPolicy)
				assert.Equal(t, protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}, c.SandboxPolicy)
				assert.False(t, c.IncludePlanTool)
			},
		},
		{
			name:  "typed tool switches",
			typed: Typed{IncludePlanTool: ptr(true), IncludeApplyPatchTool: ptr(true), BaseInstructions: "be terse"},
			check: func(t *testing.T, c *Config) {
				assert.True(t, c.IncludePlanTool)
				assert.True(t, c.IncludeApplyPatchTool)
				assert.Equal(t, "be terse", c.BaseInstructions)
			},
		},
		{
			name: "explicit context window wins over the model table",
			file: "model = \"gpt-4o\"\nmodel_context_window = 5000\nmodel_max_output_tokens = 700\n",
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, ptr(int64(5000)), c.ModelContextWindow)
				assert.Equal(t, ptr(int64(700)), c.ModelMaxOutputTokens)
			},
		},
		{
			name:      "overrides with nested tables",
			overrides: []string{`shell_environment_policy={inherit="core", set={A="1"}}`, "history.max_bytes=1024", `notify=["notify-send", "done"]`},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, ShellEnvironmentPolicy{Inherit: "core", Set: map[string]string{"A": "1"}}, c.ShellEnvironmentPolicy)
				assert.Equal(t, History{Persistence: "save-all", MaxBytes: 1024}, c.History)
				assert.Equal(t, []string{"notify-send", "done"}, c.Notify)
			},
		},
		{
			name:      "override replaces a non-table with a table",
			file:      "tools = 5\n",
			overrides: []string{"tools.web_search=true"},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, Tools{WebSearch: true, ViewImage: true}, c.Tools)
			},
		},
		{
			name:      "override hides an invalid file value",
			file:      "model = 5\n",
			overrides: []string{"model=ok"},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "ok", c.Model)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := load(t, tt.file, LoadOptions{Overrides: mustOverrides(t, tt.overrides...), Typed: tt.typed})
			require.NoError(t, err)
			tt.check(t, cfg)
		})
	}
}

func TestOverridesFromJSONApplied(t *testing.T) {
	ovs, err := OverridesFromJSON(map[string]any{
		"model":                           "json-model",
		"sandbox_workspace_write":         map[string]any{"network_access": true},
		"model_providers.local":           map[string]any{"base_url": "http://127.0.0.1:1/v1", "wire_api": "chat", "request_max_retries": float64(0)},
		"model_provider":                  "local",
		"mcp_servers.fs.command":          "fs-server",
		"mcp_servers.fs.tool_timeout_sec": 2.5,
	})
	require.NoError(t, err)
	cfg, err := load(t, "", LoadOptions{Overrides: ovs, Typed: Typed{SandboxMode: protocol.SandboxWorkspaceWrite}})
	require.NoError(t, err)
	assert.Equal(t, "json-model", cfg.Model)
	assert.True(t, cfg.SandboxPolicy.NetworkAccess)
	assert.Equal(t, "local", cfg.ModelProviderID)
	assert.Equal(t, WireAPIChat, cfg.ModelProvider.WireAPI)
	assert.Equal(t, ptr(int64(0)), cfg.ModelProvider.RequestMaxRetries)
	assert.Equal(t, 0, cfg.ModelProvider.RequestMaxRetriesOrDefault())
	assert.Equal(t, MCPServerConfig{Command: "fs-server", StartupTimeoutSec: 10, ToolTimeoutSec: 2.5}, cfg.MCPServers["fs"])
}

func TestLoadFullFile(t *testing.T) {
	home := writeHome(t, `
model = "gpt-5-codex"
show_raw_agent_reasoning = true
hide_agent_reasoning = true
project_doc_max_bytes = 0
include_apply_patch_tool = true
notify = ["notify", "--flag"]
chatgpt_base_url = "https://example.test/api/"
model_reasoning_summary = "detailed"

[history]
persistence = "none"
max_bytes = 4096

[shell_environment_policy]
inherit = "none"
ignore_default_excludes = true
exclude = ["AWS_*"]
set = { PATH = "/bin" }
include_only = ["PATH", "HOME"]
experimental_use_profile = true

[mcp_servers.docs]
command = "docs-mcp"
args = ["--stdio"]
env = { TOKEN = "x" }
startup_timeout_sec = 2.5
tool_timeout_sec = 30

[mcp_servers.legacy]
command = "legacy"
startup_timeout_ms = 1500

[mcp_servers.remote]
url = "https://mcp.example.com/mcp"
bearer_token_env_var = "MCP_TOKEN"
http_headers = { X-Team = "core" }
env_http_headers = { X-Key = "MCP_KEY" }
required = true
enabled_tools = ["search", "fetch"]
disabled_tools = ["fetch"]
tool_timeout_sec = 5

[mcp_servers.off]
command = "off"
cwd = "/srv"
enabled = false

[sandbox_workspace_write]
writable_roots = ["/opt/cache"]
`)
	cfg, err := Load(LoadOptions{CodexHome: home, Getenv: env(nil)})
	require.NoError(t, err)
	assert.Equal(t, ptr(int64(272000)), cfg.ModelContextWindow)
	assert.True(t, cfg.ShowRawAgentReasoning)
	assert.True(t, cfg.HideAgentReasoning)
	assert.Equal(t, 0, cfg.ProjectDocMaxBytes)
	assert.True(t, cfg.IncludeApplyPatchTool)
	assert.Equal(t, []string{"notify", "--flag"}, cfg.Notify)
	assert.Equal(t, "https://example.test/api/", cfg.ChatGPTBaseURL)
	assert.Equal(t, protocol.SummaryDetailed, cfg.ModelReasoningSummary)
	assert.Equal(t, History{Persistence: "none", MaxBytes: 4096}, cfg.History)
	assert.Equal(t, ShellEnvironmentPolicy{
		Inherit:                "none",
		IgnoreDefaultExcludes:  true,
		Exclude:                []string{"AWS_*"},
		Set:                    map[string]string{"PATH": "/bin"},
		IncludeOnly:            []string{"PATH", "HOME"},
		ExperimentalUseProfile: true,
	}, cfg.ShellEnvironmentPolicy)
	assert.Equal(t, map[string]MCPServerConfig{
		"docs":   {Command: "docs-mcp", Args: []string{"--stdio"}, Env: map[string]string{"TOKEN": "x"}, StartupTimeoutSec: 2.5, ToolTimeoutSec: 30},
		"legacy": {Command: "legacy", StartupTimeoutSec: 1.5, ToolTimeoutSec: 60},
		"remote": {
			URL: "https://mcp.example.com/mcp", BearerTokenEnvVar: "MCP_TOKEN",
			HTTPHeaders: map[string]string{"X-Team": "core"}, EnvHTTPHeaders: map[string]string{"X-Key": "MCP_KEY"},
			Required: true, EnabledTools: []string{"search", "fetch"}, DisabledTools: []string{"fetch"},
			StartupTimeoutSec: 10, ToolTimeoutSec: 5,
		},
		"off": {Command: "off", Cwd: "/srv", Disabled: true, StartupTimeoutSec: 10, ToolTimeoutSec: 60},
	}, cfg.MCPServers)
	remote := cfg.MCPServers["remote"]
	assert.True(t, remote.IsHTTP())
	assert.True(t, remote.ToolAllowed("search"))
	assert.False(t, remote.ToolAllowed("fetch"), "disabled_tools applies after enabled_tools")
	assert.False(t, remote.ToolAllowed("other"), "not in enabled_tools")
	assert.True(t, cfg.MCPServers["off"].ToolAllowed("any"), "no filter")
	// Writable roots only apply under workspace-write.
	assert.Equal(t, protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, cfg.SandboxPolicy)
}

func TestLoadFileErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string // substrings after the file path
	}{
		{"syntax error", "model = \"gpt-5\"\n\nmodel_provider = \n", []string{"line 3", `key "model_provider"`}},
		{"duplicate key", "model = \"a\"\nmodel = \"b\"\n", []string{"line 2", "model"}},
		{"model not a string", "# c\n\nmodel = 5\n", []string{`line 3: key "model": expected a string, got integer`}},
		{"bad approval policy", "approval_policy = \"sometimes\"\n", []string{`line 1: key "approval_policy": expected one of "untrusted", "on-failure", "on-request", "never", got "sometimes"`}},
		{"bad sandbox mode", "\nsandbox_mode = true\n", []string{`line 2: key "sandbox_mode": expected one of "read-only", "workspace-write", "danger-full-access", got boolean`}},
		{"bad wire api", "[model_providers.x]\nname = \"X\"\nwire_api = \"grpc\"\n", []string{`line 3: key "model_providers.x.wire_api": expected one of "responses", "chat", got "grpc"`}},
		{"provider not a table", "model_providers = { x = 1 }\n", []string{`key "model_providers.x": expected a table, got integer`}},
		{"negative retries", "[model_providers.x]\nrequest_max_retries = -1\n", []string{`line 2: key "model_providers.x.request_max_retries": expected a non-negative integer, got -1`}},
		{"bad effort", "model_reasoning_effort = \"extreme\"\n", []string{`key "model_reasoning_effort": expected one of`}},
		{"bad summary", "model_reasoning_summary = 1\n", []string{`key "model_reasoning_summary"`}},
		{"bad verbosity", "model_verbosity = \"loud\"\n", []string{`key "model_verbosity"`}},
		{"notify element", "notify = [\"a\", 2]\n", []string{`line 1: key "notify": expected an array of strings, got integer at index 1`}},
		{"tools not a table", "tools = []\n", []string{`key "tools": expected a table, got array`}},
		{"tools switch", "[tools]\n\nweb_search = \"yes\"\n", []string{`line 3: key "tools.web_search": expected a boolean, got string`}},
		{"history persistence", "[history]\npersistence = \"some\"\n", []string{`line 2: key "history.persistence": expected one of "save-all", "none", got "some"`}},
		{"inherit", "[shell_environment_policy]\ninherit = \"most\"\n", []string{`key "shell_environment_policy.inherit"`}},
		{"env set value", "[shell_environment_policy.set]\nA = 1\n", []string{`line 2: key "shell_environment_policy.set.A": expected a string, got integer`}},
		{"mcp args", "[mcp_servers.s]\ncommand = \"x\"\nargs = \"--flag\"\n", []string{`line 3: key "mcp_servers.s.args": expected an array of strings, got string`}},
		{"mcp timeout", "[mcp_servers.s]\ncommand = \"x\"\nstartup_timeout_sec = \"10\"\n", []string{`line 3: key "mcp_servers.s.startup_timeout_sec": expected a non-negative number, got string`}},
		{"mcp missing command", "[mcp_servers.s]\nargs = []\n", []string{`line 1: key "mcp_servers.s": missing required key "command"`}},
		{"mcp command and url", "[mcp_servers.s]\ncommand = \"x\"\nurl = \"http://h/mcp\"\n", []string{`key "mcp_servers.s": set either "command" or "url", not both`}},
		{"mcp bearer token", "[mcp_servers.s]\nurl = \"http://h/mcp\"\nbearer_token = \"t\"\n", []string{`line 3: key "mcp_servers.s.bearer_token": bearer_token is not supported for streamable_http`}},
		{"mcp url args", "[mcp_servers.s]\nurl = \"http://h/mcp\"\nargs = []\n", []string{`key "mcp_servers.s.args": args is not supported for streamable_http`}},
		{"mcp stdio headers", "[mcp_servers.s]\ncommand = \"x\"\nhttp_headers = { A = \"b\" }\n", []string{`key "mcp_servers.s.http_headers": http_headers is not supported for stdio`}},
		{"mcp url scheme", "[mcp_servers.s]\nurl = \"ftp://h/mcp\"\n", []string{`key "mcp_servers.s.url": expected an http or https URL, got "ftp://h/mcp"`}},
		{"mcp enabled", "[mcp_servers.s]\ncommand = \"x\"\nenabled = \"no\"\n", []string{`line 3: key "mcp_servers.s.enabled": expected a boolean, got string`}},
		{"mcp enabled_tools", "[mcp_servers.s]\ncommand = \"x\"\nenabled_tools = \"a\"\n", []string{`line 3: key "mcp_servers.s.enabled_tools": expected an array of strings`}},
		{"profile type error", "[profiles.p]\nmodel = \"ok\"\napproval_policy = \"maybe\"\n", []string{`line 3: key "profiles.p.approval_policy": expected one of`}},
		{"profile tools", "[profiles.p.tools]\nview_image = 0\n", []string{`line 2: key "profiles.p.tools.view_image": expected a boolean, got integer`}},
		{"profile not a table", "profiles = { p = \"x\" }\n", []string{`key "profiles.p": expected a table, got string`}},
		{"doc bytes", "project_doc_max_bytes = 1.5\n", []string{`key "project_doc_max_bytes": expected a non-negative integer, got float`}},
		{"datetime", "model = 2024-01-02\n", []string{`key "model": expected a string, got datetime`}},
		{"writable roots", "[sandbox_workspace_write]\nwritable_roots = \"/x\"\n", []string{`line 2: key "sandbox_workspace_write.writable_roots"`}},
		{"quoted key", "[model_providers.\"my.host\"]\nbase_url = 1\n", []string{`line 2: key "model_providers.\"my.host\".base_url": expected a string, got integer`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := writeHome(t, tt.file)
			_, err := Load(LoadOptions{CodexHome: home, Getenv: env(nil)})
			require.Error(t, err)
			path := filepath.Join(home, ConfigFileName)
			assert.Contains(t, err.Error(), path+": ")
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestLoadOverrideErrors(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		overrides []Override
		want      string
	}{
		{
			name:      "wrong type",
			overrides: []Override{{Path: "model", Value: int64(5)}},
			want:      `config override "model": expected a string, got integer`,
		},
		{
			name:      "bad enum from -c",
			overrides: mustOverrides(t, "approval_policy=sometimes"),
			want:      `config override "approval_policy": expected one of`,
		},
		{
			name:      "nested key",
			file:      "[model_providers.x]\nname = \"X\"\n",
			overrides: mustOverrides(t, "model_providers.x.wire_api=grpc"),
			want:      `config override "model_providers.x.wire_api": expected one of "responses", "chat", got "grpc"`,
		},
		{
			name:      "override turns a string into a table",
			overrides: mustOverrides(t, "model.name=x"),
			want:      `config override "model.name": key "model": expected a string, got table`,
		},
		{
			name:      "profile value from override",
			overrides: mustOverrides(t, "profiles.p.sandbox_mode=open"),
			want:      `config override "profiles.p.sandbox_mode": expected one of`,
		},
		{
			name:      "bad path",
			overrides: []Override{{Path: "a..b", Value: "x"}},
			want:      `config override "a..b"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.file, LoadOptions{Overrides: tt.overrides})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLoadSemanticErrors(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		overrides []string
		typed     Typed
		want      string
	}{
		{"unknown profile in file", "profile = \"nope\"\n", nil, Typed{}, `config profile "nope" not found`},
		{"unknown typed profile", "[profiles.a]\nmodel = \"x\"\n", nil, Typed{Profile: "b"}, `config profile "b" not found`},
		{"unknown override profile", "", []string{"profile=c"}, Typed{}, `config profile "c" not found`},
		{"unknown provider", "model_provider = \"acme\"\n", nil, Typed{}, `model provider "acme" not found (known providers: openai, oss)`},
		{"unknown typed provider", "", nil, Typed{ModelProvider: "zzz"}, `model provider "zzz" not found`},
		{"bad typed approval", "", nil, Typed{ApprovalPolicy: "sometimes"}, `approval policy: expected one of "untrusted", "on-failure", "on-request", "never", got "sometimes"`},
		{"bad typed sandbox", "", nil, Typed{SandboxMode: "open"}, `sandbox mode: expected one of`},
		{"missing instructions file", "experimental_instructions_file = \"/nonexistent/instr.md\"\n", nil, Typed{}, "experimental_instructions_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.file, LoadOptions{Overrides: mustOverrides(t, tt.overrides...), Typed: tt.typed})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLoadUnreadableConfig(t *testing.T) {
	home := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(home, ConfigFileName), 0o755))
	_, err := Load(LoadOptions{CodexHome: home, Getenv: env(nil)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(home, ConfigFileName))
}

func TestLegacySandboxWarning(t *testing.T) {
	cfg, err := load(t, "[sandbox]\nmode = \"workspace-write\"\nnetwork_access = true\n", LoadOptions{})
	require.NoError(t, err)
	assert.Equal(t, protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, cfg.SandboxPolicy, "legacy table not honoured")
	require.Len(t, cfg.Warnings, 1)
	assert.Contains(t, cfg.Warnings[0], "[sandbox]")
	assert.Contains(t, cfg.Warnings[0], "sandbox_mode")
	assert.Contains(t, cfg.Warnings[0], "[sandbox_workspace_write]")

	cfg, err = load(t, "sandbox_mode = \"workspace-write\"\n", LoadOptions{})
	require.NoError(t, err)
	assert.Empty(t, cfg.Warnings)
}

func TestWritableRoots(t *testing.T) {
	cwd := t.TempDir()
	file := `
sandbox_mode = "workspace-write"
[sandbox_workspace_write]
writable_roots = ["/srv/data", "rel/dir", "/srv/data"]
network_access = true
exclude_tmpdir_env_var = true
exclude_slash_tmp = true
`
	tests := []struct {
		name  string
		file  string
		typed Typed
		want  protocol.SandboxPolicy
	}{
		{
			name:  "config roots resolved against cwd",
			file:  file,
			typed: Typed{Cwd: cwd},
			want: protocol.SandboxPolicy{
				Mode:                protocol.SandboxWorkspaceWrite,
				WritableRoots:       []string{"/srv/data", filepath.Join(cwd, "rel/dir")},
				NetworkAccess:       true,
				ExcludeTmpdirEnvVar: true,
				ExcludeSlashTmp:     true,
			},
		},
		{
			name:  "add-dir appended",
			file:  file,
			typed: Typed{Cwd: cwd, AdditionalWritableRoots: []string{"extra", "/abs/extra/../x"}},
			want: protocol.SandboxPolicy{
				Mode:                protocol.SandboxWorkspaceWrite,
				WritableRoots:       []string{"/srv/data", filepath.Join(cwd, "rel/dir"), filepath.Join(cwd, "extra"), "/abs/x"},
				NetworkAccess:       true,
				ExcludeTmpdirEnvVar: true,
				ExcludeSlashTmp:     true,
			},
		},
		{
			name:  "add-dir ignored outside workspace-write",
			file:  "sandbox_mode = \"read-only\"\n",
			typed: Typed{Cwd: cwd, AdditionalWritableRoots: []string{"/x"}},
			want:  protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly},
		},
		{
			name:  "typed workspace-write uses the table",
			file:  "[sandbox_workspace_write]\nnetwork_access = true\n",
			typed: Typed{Cwd: cwd, SandboxMode: protocol.SandboxWorkspaceWrite, AdditionalWritableRoots: []string{"/x"}},
			want: protocol.SandboxPolicy{
				Mode:          protocol.SandboxWorkspaceWrite,
				WritableRoots: []string{"/x"},
				NetworkAccess: true,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := load(t, tt.file, LoadOptions{Typed: tt.typed})
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg.SandboxPolicy)
			assert.Equal(t, cwd, cfg.Cwd)
		})
	}
}

func TestCwd(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	t.Chdir(dir)
	wd, err := os.Getwd()
	require.NoError(t, err)

	cfg, err := load(t, "", LoadOptions{Typed: Typed{Cwd: "sub"}})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(wd, "sub"), cfg.Cwd)

	cfg, err = load(t, "", LoadOptions{})
	require.NoError(t, err)
	assert.Equal(t, wd, cfg.Cwd)
}

func TestInstructionsFile(t *testing.T) {
	cwd := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(cwd, "instr.md"), []byte("\n  custom rules\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(cwd, "empty.md"), []byte(" \n"), 0o644))

	cfg, err := load(t, "experimental_instructions_file = \"instr.md\"\n", LoadOptions{Typed: Typed{Cwd: cwd}})
	require.NoError(t, err)
	assert.Equal(t, "custom rules", cfg.BaseInstructions)

	cfg, err = load(t, "[profiles.p]\nexperimental_instructions_file = \""+filepath.Join(cwd, "instr.md")+"\"\n",
		LoadOptions{Typed: Typed{Profile: "p"}})
	require.NoError(t, err)
	assert.Equal(t, "custom rules", cfg.BaseInstructions)

	cfg, err = load(t, "experimental_instructions_file = \"instr.md\"\n",
		LoadOptions{Typed: Typed{Cwd: cwd, BaseInstructions: "typed"}})
	require.NoError(t, err)
	assert.Equal(t, "typed", cfg.BaseInstructions)

	_, err = load(t, "experimental_instructions_file = \"empty.md\"\n", LoadOptions{Typed: Typed{Cwd: cwd}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is empty")
}

func TestProviders(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		overrides []string
		env       map[string]string
		typed     Typed
		wantID    string
		want      ModelProviderInfo
	}{
		{
			name:   "openai default",
			wantID: "openai",
			want: ModelProviderInfo{
				Name: "OpenAI", BaseURL: "https://api.openai.com/v1", EnvKey: "OPENAI_API_KEY",
				WireAPI: "responses", RequiresOpenAIAuth: true,
			},
		},
		{
			name:   "openai base url from env",
			env:    map[string]string{"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"},
			wantID: "openai",
			want: ModelProviderInfo{
				Name: "OpenAI", BaseURL: "http://127.0.0.1:9/v1", EnvKey: "OPENAI_API_KEY",
				WireAPI: "responses", RequiresOpenAIAuth: true,
			},
		},
		{
			name:   "oss default",
			typed:  Typed{ModelProvider: "oss"},
			wantID: "oss",
			want:   ModelProviderInfo{Name: "gpt-oss", BaseURL: "http://localhost:11434/v1", WireAPI: "chat"},
		},
		{
			name:   "oss port",
			file:   "model_provider = \"oss\"\n",
			env:    map[string]string{"CODEX_OSS_PORT": "8080"},
			wantID: "oss",
			want:   ModelProviderInfo{Name: "gpt-oss", BaseURL: "http://localhost:8080/v1", WireAPI: "chat"},
		},
		{
			name:   "oss base url wins over port",
			file:   "model_provider = \"oss\"\n",
			env:    map[string]string{"CODEX_OSS_PORT": "8080", "CODEX_OSS_BASE_URL": "http://gpu:1/v1"},
			wantID: "oss",
			want:   ModelProviderInfo{Name: "gpt-oss", BaseURL: "http://gpu:1/v1", WireAPI: "chat"},
		},
		{
			name: "user provider",
			file: `model_provider = "mock"
[model_providers.mock]
name = "Mock"
base_url = "http://127.0.0.1:1234/v1"
env_key = "MOCK_KEY"
env_key_instructions = "ask the admin"
wire_api = "chat"
query_params = { "api-version" = "2025-01-01" }
http_headers = { X-A = "a" }
env_http_headers = { X-B = "MOCK_B" }
request_max_retries = 1
stream_max_retries = 2
stream_idle_timeout_ms = 3000
requires_openai_auth = false
`,
			wantID: "mock",
			want: ModelProviderInfo{
				Name: "Mock", BaseURL: "http://127.0.0.1:1234/v1", EnvKey: "MOCK_KEY",
				EnvKeyInstructions: "ask the admin", WireAPI: "chat",
				QueryParams:         map[string]string{"api-version": "2025-01-01"},
				HTTPHeaders:         map[string]string{"X-A": "a"},
				EnvHTTPHeaders:      map[string]string{"X-B": "MOCK_B"},
				RequestMaxRetries:   ptr(int64(1)),
				StreamMaxRetries:    ptr(int64(2)),
				StreamIdleTimeoutMs: ptr(int64(3000)),
			},
		},
		{
			name:   "user provider defaults",
			file:   "[model_providers.bare]\nbase_url = \"http://x/v1\"\n",
			typed:  Typed{ModelProvider: "bare"},
			wantID: "bare",
			want:   ModelProviderInfo{Name: "bare", BaseURL: "http://x/v1", WireAPI: "responses"},
		},
		{
			name:   "user entry replaces a built-in",
			file:   "[model_providers.oss]\nname = \"mine\"\nbase_url = \"http://mine/v1\"\n",
			typed:  Typed{ModelProvider: "oss"},
			wantID: "oss",
			want:   ModelProviderInfo{Name: "mine", BaseURL: "http://mine/v1", WireAPI: "responses"},
		},
		{
			name:      "provider from overrides",
			overrides: []string{"model_providers.o.base_url=http://o/v1", "model_provider=o"},
			wantID:    "o",
			want:      ModelProviderInfo{Name: "o", BaseURL: "http://o/v1", WireAPI: "responses"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := load(t, tt.file, LoadOptions{Overrides: mustOverrides(t, tt.overrides...), Typed: tt.typed, Getenv: env(tt.env)})
			require.NoError(t, err)
			assert.Equal(t, tt.wantID, cfg.ModelProviderID)
			got := cfg.ModelProvider
			// The built-in OpenAI provider's extras are checked elsewhere.
			if tt.wantID == "openai" {
				got.EnvKeyInstructions, got.EnvHTTPHeaders = "", nil
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, cfg.ModelProviders[tt.wantID], cfg.ModelProvider)
		})
	}
}

func TestFindCodexHome(t *testing.T) {
	userHome := func() (string, error) { return "/home/u", nil }

	got, err := findCodexHome(env(map[string]string{"CODEX_HOME": "/etc/codex"}), userHome)
	require.NoError(t, err)
	assert.Equal(t, "/etc/codex", got)

	wd, err := os.Getwd()
	require.NoError(t, err)
	got, err = findCodexHome(env(map[string]string{"CODEX_HOME": "rel"}), userHome)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(wd, "rel"), got)

	got, err = findCodexHome(env(nil), userHome)
	require.NoError(t, err)
	assert.Equal(t, "/home/u/.codex", got)

	_, err = findCodexHome(env(nil), func() (string, error) { return "", os.ErrNotExist })
	require.Error(t, err)

	t.Setenv("CODEX_HOME", "/from/env")
	got, err = FindCodexHome()
	require.NoError(t, err)
	assert.Equal(t, "/from/env", got)
}

func TestLoadFindsHomeFromEnv(t *testing.T) {
	home := writeHome(t, "model = \"from-env-home\"\n")
	cfg, err := Load(LoadOptions{Getenv: env(map[string]string{"CODEX_HOME": home})})
	require.NoError(t, err)
	assert.Equal(t, "from-env-home", cfg.Model)
	assert.Equal(t, home, cfg.CodexHome)
}

func TestModelLimits(t *testing.T) {
	tests := []struct {
		model          string
		window, output int64 // 0 for unknown
	}{
		{"gpt-5", 272000, 128000},
		{"gpt-5-codex", 272000, 128000},
		{"codex-mini-latest", 272000, 128000},
		{"o3", 200000, 100000},
		{"o3-pro", 200000, 100000},
		{"o4-mini", 200000, 100000},
		{"gpt-4.1", 1047576, 32768},
		{"gpt-4.1-mini", 1047576, 32768},
		{"gpt-4o", 128000, 16384},
		{"gpt-4o-mini", 128000, 16384},
		{"llama3", 0, 0},
		{"", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			w, o := ModelLimits(tt.model)
			if tt.window == 0 {
				assert.Nil(t, w)
				assert.Nil(t, o)
				return
			}
			require.NotNil(t, w)
			require.NotNil(t, o)
			assert.Equal(t, tt.window, *w)
			assert.Equal(t, tt.output, *o)
		})
	}
}

func TestKeyLine(t *testing.T) {
	text := "a = 1\n\n[t]\nb = 'x'\n[t.u]\nc.d = 3\n[[arr]]\nx = 1\n[profiles.p]\nmodel = 5\n"
	tests := []struct {
		path []string
		want int
	}{
		{[]string{"a"}, 1},
		{[]string{"t"}, 3},
		{[]string{"t", "b"}, 4},
		{[]string{"t", "u", "c", "d"}, 6},
		{[]string{"arr", "x"}, 7},
		{[]string{"profiles", "p", "model"}, 10},
		{[]string{"t", "missing"}, 3},
		{[]string{"missing"}, 0},
		{nil, 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, keyLine(text, tt.path), "%v", tt.path)
	}
	assert.Zero(t, keyLine("not toml =", []string{"a"}))
}

func TestDeveloperInstructions(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		typed Typed
		want  string
	}{
		{"none", ``, Typed{}, ""},
		{"from config.toml", `developer_instructions = "Be brief."`, Typed{}, "Be brief."},
		{"a request's replace the file's", `developer_instructions = "Be brief."`, Typed{DeveloperInstructions: "Answer in French."}, "Answer in French."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := load(t, tt.text, LoadOptions{Typed: tt.typed})
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg.DeveloperInstructions)
		})
	}
}
