// Package config resolves the engine's configuration: $CODEX_HOME/config.toml,
// its profiles, dotted-path overrides (`-c key=value` or a JSON `config` map)
// and typed overrides from flags or request parameters, into one Config.
//
// Precedence, lowest first: built-in defaults, config.toml top level, the
// active [profiles.NAME] table, Overrides, Typed. Resolve adds the settings
// of one request to those of the command line; ReadSaved reports what the
// file says without defaults.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/codex-go/codex/protocol"
)

// Defaults of settings that have one.
const (
	// DefaultModel is used when no model is configured.
	DefaultModel = "gpt-5"
	// DefaultProjectDocMaxBytes caps the AGENTS.md text sent to the model.
	DefaultProjectDocMaxBytes = 32 * 1024
	// DefaultChatGPTBaseURL is the ChatGPT backend used with ChatGPT sign-in.
	DefaultChatGPTBaseURL = "https://chatgpt.com/backend-api/"
	// DefaultMCPStartupTimeoutSec bounds an MCP server's start-up.
	DefaultMCPStartupTimeoutSec = 10.0
	// DefaultMCPToolTimeoutSec bounds one MCP tool call.
	DefaultMCPToolTimeoutSec = 60.0
	// ConfigFileName is the name of the file read from the Codex home.
	ConfigFileName = "config.toml"
)

// History persistence settings.
const (
	// HistorySaveAll records every message in history.jsonl.
	HistorySaveAll = "save-all"
	// HistoryNone records nothing.
	HistoryNone = "none"
)

// Environment inheritance settings of ShellEnvironmentPolicy.Inherit.
const (
	// InheritAll starts from the full environment of the server.
	InheritAll = "all"
	// InheritCore starts from a small set of essential variables.
	InheritCore = "core"
	// InheritNone starts from an empty environment.
	InheritNone = "none"
)

// Config is the resolved configuration, all defaults applied. A *Config
// returned by Load is shared and must be treated as read-only.
type Config struct {
	// Model is the model slug, e.g. "gpt-5".
	Model string
	// ModelProviderID is the key of ModelProvider in ModelProviders.
	ModelProviderID string
	// ModelProvider is the selected provider.
	ModelProvider ModelProviderInfo
	// ModelProviders holds the built-in providers and the configured ones.
	ModelProviders map[string]ModelProviderInfo
	// ModelContextWindow is the model's context size in tokens, if known.
	ModelContextWindow *int64
	// ModelMaxOutputTokens is the model's output limit in tokens, if known.
	ModelMaxOutputTokens *int64
	// ModelAutoCompactTokenLimit is the size of the context, in tokens, at
	// which the conversation is compacted before it goes on; nil leaves it
	// to AutoCompactLimit's default.
	ModelAutoCompactTokenLimit *int64

	// Profile is the name of the active profile, or "".
	Profile string
	// ApprovalPolicy says when the user is asked before a command runs.
	ApprovalPolicy protocol.AskForApproval
	// SandboxPolicy restricts the commands the model runs.
	SandboxPolicy protocol.SandboxPolicy
	// Cwd is the absolute working directory of the conversation.
	Cwd string
	// CodexHome is the absolute configuration and state directory.
	CodexHome string

	// ModelReasoningEffort is sent to reasoning models ("" leaves it unset).
	ModelReasoningEffort protocol.ReasoningEffort
	// ModelReasoningSummary is the reasoning summary setting.
	ModelReasoningSummary protocol.ReasoningSummary
	// ModelVerbosity is sent to GPT-5 models ("" leaves it unset).
	ModelVerbosity protocol.Verbosity
	// ShowRawAgentReasoning emits raw reasoning content events.
	ShowRawAgentReasoning bool
	// HideAgentReasoning suppresses reasoning events.
	HideAgentReasoning bool

	// BaseInstructions replaces the built-in instructions when non-empty.
	BaseInstructions string
	// DeveloperInstructions, when non-empty, are given to the model as a
	// developer message at the start of a conversation
	// (developer_instructions).
	DeveloperInstructions string
	// CompactPrompt, when non-empty, replaces the built-in request that
	// asks the model to summarise the conversation when it is compacted
	// (compact_prompt).
	CompactPrompt string
	// Ephemeral conversations are not recorded on disk (a request's
	// choice; there is no config.toml key).
	Ephemeral bool
	// Originator names, in the conversation's rollout, the client that
	// started it; "" names the program (a request's choice; there is no
	// config.toml key).
	Originator string
	// OutputSchema, when set, is the JSON Schema the model's answers must
	// follow (codex exec --output-schema; no config.toml key).
	OutputSchema json.RawMessage
	// ProjectDocMaxBytes caps the AGENTS.md text; 0 disables project docs.
	ProjectDocMaxBytes int

	// IncludePlanTool offers the update_plan tool.
	IncludePlanTool bool
	// IncludeApplyPatchTool offers the apply_patch tool.
	IncludeApplyPatchTool bool
	// Tools holds the [tools] switches.
	Tools Tools
	// History holds the [history] settings.
	History History

	// Notify is a command run with a JSON argument after each turn.
	Notify []string
	// MCPServers are the configured MCP servers by name.
	MCPServers map[string]MCPServerConfig
	// ShellEnvironmentPolicy builds the environment of spawned commands.
	ShellEnvironmentPolicy ShellEnvironmentPolicy

	// ChatGPTBaseURL is the ChatGPT backend root.
	ChatGPTBaseURL string
	// Warnings are problems that did not stop loading, for the user.
	Warnings []string
}

// Tools holds the optional tool switches of the [tools] table.
type Tools struct {
	// WebSearch offers the web_search tool (default false).
	WebSearch bool
	// ViewImage offers the view_image tool (default true).
	ViewImage bool
}

// History configures $CODEX_HOME/history.jsonl.
type History struct {
	// Persistence is HistorySaveAll or HistoryNone.
	Persistence string
	// MaxBytes caps the file size; 0 means no cap.
	MaxBytes int64
}

// MCPServerConfig is one [mcp_servers.NAME] entry: a server started as a
// child process and spoken to over stdio (Command set), or a server reached
// over streamable HTTP (URL set). Exactly one of Command and URL is set.
type MCPServerConfig struct {
	// Command is the program to start (stdio servers).
	Command string `toml:"command,omitempty"`
	// Args are its arguments.
	Args []string `toml:"args,omitempty"`
	// Env is added to its environment.
	Env map[string]string `toml:"env,omitempty"`
	// Cwd is the working directory of the program; empty means the one of
	// this process.
	Cwd string `toml:"cwd,omitempty"`

	// URL is the endpoint of a streamable HTTP server.
	URL string `toml:"url,omitempty"`
	// BearerTokenEnvVar names the environment variable holding the bearer
	// token sent to a streamable HTTP server.
	BearerTokenEnvVar string `toml:"bearer_token_env_var,omitempty"`
	// HTTPHeaders are extra headers sent to a streamable HTTP server.
	HTTPHeaders map[string]string `toml:"http_headers,omitempty"`
	// EnvHTTPHeaders are headers whose values come from environment
	// variables: header name -> variable name. An unset or empty variable
	// sends no header.
	EnvHTTPHeaders map[string]string `toml:"env_http_headers,omitempty"`

	// Disabled is set by enabled = false: the server is not started.
	Disabled bool `toml:"-"`
	// Required makes a failure to start this server fail the start of the
	// conversation.
	Required bool `toml:"required,omitempty"`
	// EnabledTools, when not nil, lists the only tools offered (enabled_tools).
	EnabledTools []string `toml:"enabled_tools,omitempty"`
	// DisabledTools lists tools never offered (disabled_tools); it applies
	// after EnabledTools.
	DisabledTools []string `toml:"disabled_tools,omitempty"`
	// StartupTimeoutSec bounds the start-up handshake (default 10).
	StartupTimeoutSec float64 `toml:"startup_timeout_sec,omitempty"`
	// ToolTimeoutSec bounds one tool call (default 60).
	ToolTimeoutSec float64 `toml:"tool_timeout_sec,omitempty"`
	// ElicitationTimeoutSec bounds the wait for the user's answer to one
	// of the server's elicitation requests (default 300); unanswered, the
	// request is declined.
	ElicitationTimeoutSec float64 `toml:"elicitation_timeout_sec,omitempty"`
}

// IsHTTP reports whether the server is reached over streamable HTTP.
func (s MCPServerConfig) IsHTTP() bool { return s.URL != "" }

// ToolAllowed reports whether the tool named name is offered to the model,
// given enabled_tools and disabled_tools.
func (s MCPServerConfig) ToolAllowed(name string) bool {
	if s.EnabledTools != nil && !slices.Contains(s.EnabledTools, name) {
		return false
	}
	return !slices.Contains(s.DisabledTools, name)
}

// ShellEnvironmentPolicy is the [shell_environment_policy] table.
type ShellEnvironmentPolicy struct {
	// Inherit is InheritAll, InheritCore or InheritNone.
	Inherit string
	// IgnoreDefaultExcludes keeps variables whose names look like secrets.
	IgnoreDefaultExcludes bool
	// Exclude are name patterns removed from the environment.
	Exclude []string
	// Set are variables forced to a value.
	Set map[string]string
	// IncludeOnly, when non-empty, keeps only matching names.
	IncludeOnly []string
	// ExperimentalUseProfile runs commands through the user's login shell.
	ExperimentalUseProfile bool
}

// Typed holds overrides with the highest precedence, from command-line flags
// or request parameters. Zero values mean "not set".
type Typed struct {
	// Model replaces the configured model.
	Model string
	// ModelProvider selects a provider by id.
	ModelProvider string
	// Profile selects the active profile.
	Profile string
	// Cwd is the working directory; relative paths are resolved against the
	// process's working directory.
	Cwd string
	// ApprovalPolicy replaces the configured approval policy.
	ApprovalPolicy protocol.AskForApproval
	// SandboxMode replaces the configured sandbox mode.
	SandboxMode protocol.SandboxMode
	// BaseInstructions replaces the built-in instructions.
	BaseInstructions string
	// DeveloperInstructions replaces developer_instructions.
	DeveloperInstructions string
	// Ephemeral asks for a conversation that is not recorded.
	Ephemeral bool
	// Originator names the client that starts the conversation.
	Originator string
	// OutputSchema is the JSON Schema the model's answers must follow.
	OutputSchema json.RawMessage
	// IncludePlanTool replaces include_plan_tool.
	IncludePlanTool *bool
	// IncludeApplyPatchTool replaces include_apply_patch_tool.
	IncludeApplyPatchTool *bool
	// AdditionalWritableRoots are added to the configured writable roots
	// under workspace-write, for this run only.
	AdditionalWritableRoots []string
}

// LoadOptions are the inputs of Load.
type LoadOptions struct {
	// CodexHome is the configuration directory; "" means FindCodexHome.
	CodexHome string
	// Overrides are dotted-path settings applied over the file and profile.
	Overrides []Override
	// Typed are the highest-precedence settings.
	Typed Typed
	// Getenv reads environment variables; nil means os.Getenv.
	Getenv func(string) string
}

// FindCodexHome returns $CODEX_HOME made absolute if it is set, else ~/.codex.
// The directory need not exist.
func FindCodexHome() (string, error) {
	return findCodexHome(os.Getenv, os.UserHomeDir)
}

func findCodexHome(getenv func(string) string, userHome func() (string, error)) (string, error) {
	if h := getenv("CODEX_HOME"); h != "" {
		abs, err := filepath.Abs(h)
		if err != nil {
			return "", fmt.Errorf("resolve CODEX_HOME %q: %w", h, err)
		}
		return abs, nil
	}
	home, err := userHome()
	if err != nil {
		return "", fmt.Errorf("find home directory: %w", err)
	}
	return filepath.Join(home, ".codex"), nil
}

// Load reads $CODEX_HOME/config.toml (a missing file means defaults) and
// resolves it with opts into a Config.
func Load(opts LoadOptions) (*Config, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	home, err := codexHomeDir(opts.CodexHome, getenv)
	if err != nil {
		return nil, err
	}

	path := filepath.Join(home, ConfigFileName)
	text, tree, err := readConfigFile(path)
	if err != nil {
		return nil, err
	}
	overrides, err := resolveOverrides(opts.Overrides)
	if err != nil {
		return nil, err
	}
	l := &loader{path: path, text: text, overrides: overrides}

	// The file with overrides decides which profile is active.
	base := cloneValue(tree).(map[string]any)
	applyOverrides(base, overrides)
	baseSettings, err := decodeSettings(table{m: base})
	if err != nil {
		return nil, l.explain(err)
	}
	profileName := opts.Typed.Profile
	if profileName == "" {
		profileName = baseSettings.profile
	}

	// The active profile goes under the overrides.
	effective, s := base, baseSettings
	if profileName != "" {
		profile, ok := baseSettings.profiles[profileName]
		if !ok {
			return nil, fmt.Errorf("%s: config profile %q not found", path, profileName)
		}
		effective = cloneValue(tree).(map[string]any)
		mergeProfile(effective, profile.keys)
		applyOverrides(effective, overrides)
		if s, err = decodeSettings(table{m: effective}); err != nil {
			return nil, l.explain(err)
		}
	}

	cfg, err := resolve(s, opts.Typed, getenv)
	if err != nil {
		return nil, err
	}
	cfg.CodexHome = home
	cfg.Profile = profileName
	if s.legacySandbox {
		cfg.Warnings = append(cfg.Warnings, fmt.Sprintf(
			"%s: the [sandbox] table is no longer supported and was ignored; "+
				"set sandbox_mode = \"read-only\" | \"workspace-write\" | \"danger-full-access\" "+
				"and configure workspace-write in [sandbox_workspace_write]", path))
	}
	return cfg, nil
}

// codexHomeDir returns home made absolute, or FindCodexHome's answer (with
// getenv) when home is "".
func codexHomeDir(home string, getenv func(string) string) (string, error) {
	if home == "" {
		return findCodexHome(getenv, os.UserHomeDir)
	}
	abs, err := filepath.Abs(home)
	if err != nil {
		return "", fmt.Errorf("resolve codex home %q: %w", home, err)
	}
	return abs, nil
}

// readConfigFile reads and parses config.toml; a missing file is empty.
func readConfigFile(path string) (string, map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", map[string]any{}, nil
		}
		return "", nil, fmt.Errorf("read config: %w", err)
	}
	text := string(data)
	tree, err := parseConfigText(path, text)
	if err != nil {
		return "", nil, err
	}
	return text, tree, nil
}

// parseConfigText parses the TOML text of the config file at path.
func parseConfigText(path, text string) (map[string]any, error) {
	tree := map[string]any{}
	if _, err := toml.Decode(text, &tree); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			if pe.LastKey != "" {
				return nil, fmt.Errorf("%s: line %d: key %q: %s", path, pe.Position.Line, pe.LastKey, pe.Message)
			}
			return nil, fmt.Errorf("%s: line %d: %s", path, pe.Position.Line, pe.Message)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tree, nil
}

// getenvOrOS returns getenv, or os.Getenv when it is nil.
func getenvOrOS(getenv func(string) string) func(string) string {
	if getenv == nil {
		return os.Getenv
	}
	return getenv
}

// mergeProfile copies a profile's settings onto the top level of tree; the
// [tools] and [features] tables are merged key by key.
func mergeProfile(tree, profile map[string]any) {
	for k, v := range profile {
		if k == "tools" || k == featuresKey {
			dst, ok := tree[k].(map[string]any)
			src, srcOK := v.(map[string]any)
			if ok && srcOK {
				for tk, tv := range src {
					dst[tk] = cloneValue(tv)
				}
				continue
			}
		}
		tree[k] = cloneValue(v)
	}
}

// loader turns decoding errors into messages naming where the value came from.
type loader struct {
	path      string
	text      string
	overrides []resolvedOverride
}

// explain attributes a fieldError to the last override touching its key, or
// else to the config file and the line of the key.
func (l *loader) explain(err error) error {
	var fe *fieldError
	if !errors.As(err, &fe) {
		return fmt.Errorf("%s: %w", l.path, err)
	}
	for i := len(l.overrides) - 1; i >= 0; i-- {
		ov := l.overrides[i]
		if !pathsOverlap(ov.segs, fe.path) {
			continue
		}
		if slices.Equal(ov.segs, fe.path) {
			return fmt.Errorf("config override %q: %s", ov.Path, fe.msg)
		}
		return fmt.Errorf("config override %q: %w", ov.Path, fe)
	}
	if line := keyLine(l.text, fe.path); line > 0 {
		return fmt.Errorf("%s: line %d: %w", l.path, line, fe)
	}
	return fmt.Errorf("%s: %w", l.path, fe)
}

// resolve applies the typed overrides, the environment and the file system
// to decoded settings.
func resolve(s *settings, typed Typed, getenv func(string) string) (*Config, error) {
	cfg := s.cfg
	cfg.Warnings = nil

	if typed.Model != "" {
		cfg.Model = typed.Model
	}
	if typed.ApprovalPolicy != "" {
		if !typed.ApprovalPolicy.Valid() {
			return nil, fmt.Errorf("approval policy: %w", invalidTyped(string(typed.ApprovalPolicy), protocol.AskForApprovalValues()...))
		}
		cfg.ApprovalPolicy = typed.ApprovalPolicy
	}
	mode := s.sandboxMode
	if typed.SandboxMode != "" {
		if !typed.SandboxMode.Valid() {
			return nil, fmt.Errorf("sandbox mode: %w", invalidTyped(string(typed.SandboxMode), protocol.SandboxModeValues()...))
		}
		mode = typed.SandboxMode
	}
	if typed.IncludePlanTool != nil {
		cfg.IncludePlanTool = *typed.IncludePlanTool
	}
	if typed.IncludeApplyPatchTool != nil {
		cfg.IncludeApplyPatchTool = *typed.IncludeApplyPatchTool
	}

	providers := BuiltinProviders(getenv)
	for id, p := range s.providers {
		providers[id] = p
	}
	cfg.ModelProviders = providers
	cfg.ModelProviderID = s.providerID
	if typed.ModelProvider != "" {
		cfg.ModelProviderID = typed.ModelProvider
	}
	provider, ok := providers[cfg.ModelProviderID]
	if !ok {
		ids := make([]string, 0, len(providers))
		for id := range providers {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		return nil, fmt.Errorf("model provider %q not found (known providers: %s)",
			cfg.ModelProviderID, strings.Join(ids, ", "))
	}
	cfg.ModelProvider = provider

	window, output := ModelLimits(cfg.Model)
	if cfg.ModelContextWindow == nil {
		cfg.ModelContextWindow = window
	}
	if cfg.ModelMaxOutputTokens == nil {
		cfg.ModelMaxOutputTokens = output
	}

	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("get working directory: %w", err)
	}
	cfg.Cwd = wd
	if typed.Cwd != "" {
		cfg.Cwd = absAgainst(wd, typed.Cwd)
	}

	cfg.SandboxPolicy.Mode = mode
	if mode == protocol.SandboxWorkspaceWrite {
		roots := make([]string, 0, len(s.writableRoots)+len(typed.AdditionalWritableRoots))
		for _, r := range slices.Concat(s.writableRoots, typed.AdditionalWritableRoots) {
			r = absAgainst(cfg.Cwd, expandHome(r))
			if !slices.Contains(roots, r) {
				roots = append(roots, r)
			}
		}
		if len(roots) > 0 {
			cfg.SandboxPolicy.WritableRoots = roots
		}
	} else {
		cfg.SandboxPolicy = protocol.SandboxPolicy{Mode: mode}
	}

	if typed.DeveloperInstructions != "" {
		cfg.DeveloperInstructions = typed.DeveloperInstructions
	}
	cfg.Ephemeral = typed.Ephemeral
	cfg.Originator = typed.Originator
	cfg.OutputSchema = typed.OutputSchema
	switch {
	case typed.BaseInstructions != "":
		cfg.BaseInstructions = typed.BaseInstructions
	case s.instructionsFile != "":
		text, err := readInstructions(absAgainst(cfg.Cwd, expandHome(s.instructionsFile)))
		if err != nil {
			return nil, err
		}
		cfg.BaseInstructions = text
	}
	return &cfg, nil
}

func invalidTyped[T ~string](got string, options ...T) error {
	quoted := make([]string, len(options))
	for i, o := range options {
		quoted[i] = fmt.Sprintf("%q", string(o))
	}
	return fmt.Errorf("expected one of %s, got %q", strings.Join(quoted, ", "), got)
}

func readInstructions(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read experimental_instructions_file: %w", err)
	}
	text := strings.TrimSpace(string(data))
	if text == "" {
		return "", fmt.Errorf("experimental_instructions_file %s is empty", path)
	}
	return text, nil
}

// absAgainst makes p absolute, resolving a relative p against dir.
func absAgainst(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

// expandHome replaces a leading "~/" with the user's home directory.
func expandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~"))
}
