package config

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/codex-go/codex/protocol"
)

// profileKeys are the keys a [profiles.NAME] table may set.
func profileKeys() []string {
	return []string{
		"model", "model_provider", "approval_policy", "sandbox_mode",
		"model_reasoning_effort", "model_reasoning_summary", "model_verbosity",
		"chatgpt_base_url", "include_plan_tool", "include_apply_patch_tool",
		"experimental_instructions_file", "tools", featuresKey,
	}
}

// fieldError is a problem with the value at a key path of the TOML tree.
type fieldError struct {
	path []string
	msg  string
}

// Error implements error.
func (e *fieldError) Error() string {
	return fmt.Sprintf("key %q: %s", keyString(e.path), e.msg)
}

// keyString renders a key path the way TOML would write it.
func keyString(path []string) string {
	return toml.Key(path).String()
}

// typeName names the TOML type of a decoded value.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64, int:
		return "integer"
	case float64:
		return "float"
	case []any, []map[string]any:
		return "array"
	case map[string]any:
		return "table"
	case time.Time:
		return "datetime"
	}
	return fmt.Sprintf("%T", v)
}

// table is a TOML table together with its key path, for error messages.
type table struct {
	path []string
	m    map[string]any
}

func (t table) at(key string) []string {
	return append(slices.Clip(t.path), key)
}

func (t table) errorf(key, format string, args ...any) error {
	return &fieldError{path: t.at(key), msg: fmt.Sprintf(format, args...)}
}

func (t table) expected(key, what string, got any) error {
	return t.errorf(key, "expected %s, got %s", what, typeName(got))
}

func (t table) str(key string, dst *string) error {
	v, ok := t.m[key]
	if !ok {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return t.expected(key, "a string", v)
	}
	*dst = s
	return nil
}

func (t table) boolean(key string, dst *bool) error {
	v, ok := t.m[key]
	if !ok {
		return nil
	}
	b, ok := v.(bool)
	if !ok {
		return t.expected(key, "a boolean", v)
	}
	*dst = b
	return nil
}

// integer reads a non-negative integer into *dst.
func (t table) integer(key string, dst **int64) error {
	v, ok := t.m[key]
	if !ok {
		return nil
	}
	n, ok := v.(int64)
	if !ok {
		return t.expected(key, "a non-negative integer", v)
	}
	if n < 0 {
		return t.errorf(key, "expected a non-negative integer, got %d", n)
	}
	*dst = &n
	return nil
}

// number reads a non-negative integer or float into *dst.
func (t table) number(key string, dst **float64) error {
	v, ok := t.m[key]
	if !ok {
		return nil
	}
	var f float64
	switch x := v.(type) {
	case int64:
		f = float64(x)
	case float64:
		f = x
	default:
		return t.expected(key, "a non-negative number", v)
	}
	if f < 0 || math.IsNaN(f) {
		return t.errorf(key, "expected a non-negative number, got %v", f)
	}
	*dst = &f
	return nil
}

func (t table) stringList(key string, dst *[]string) error {
	v, ok := t.m[key]
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		if _, tables := v.([]map[string]any); tables {
			return t.errorf(key, "expected an array of strings, got an array of tables")
		}
		return t.expected(key, "an array of strings", v)
	}
	out := make([]string, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			return t.errorf(key, "expected an array of strings, got %s at index %d", typeName(e), i)
		}
		out[i] = s
	}
	*dst = out
	return nil
}

func (t table) stringMap(key string, dst *map[string]string) error {
	sub, ok, err := t.sub(key)
	if err != nil || !ok {
		return err
	}
	out := make(map[string]string, len(sub.m))
	for k, e := range sub.m {
		s, ok := e.(string)
		if !ok {
			return sub.expected(k, "a string", e)
		}
		out[k] = s
	}
	*dst = out
	return nil
}

func (t table) sub(key string) (table, bool, error) {
	v, ok := t.m[key]
	if !ok {
		return table{}, false, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return table{}, false, t.expected(key, "a table", v)
	}
	return table{path: t.at(key), m: m}, true, nil
}

// eachTable calls fn, in name order, for every sub-table of the table at key.
func (t table) eachTable(key string, fn func(name string, sub table) error) error {
	parent, ok, err := t.sub(key)
	if err != nil || !ok {
		return err
	}
	names := make([]string, 0, len(parent.m))
	for name := range parent.m {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		sub, _, err := parent.sub(name)
		if err != nil {
			return err
		}
		if err := fn(name, sub); err != nil {
			return err
		}
	}
	return nil
}

// enum reads a string that must be one of options.
func enum[T ~string](t table, key string, dst *T, options ...T) error {
	v, ok := t.m[key]
	if !ok {
		return nil
	}
	s, isString := v.(string)
	if isString && slices.Contains(options, T(s)) {
		*dst = T(s)
		return nil
	}
	quoted := make([]string, len(options))
	for i, o := range options {
		quoted[i] = strconv.Quote(string(o))
	}
	got := typeName(v)
	if isString {
		got = strconv.Quote(s)
	}
	return t.errorf(key, "expected one of %s, got %s", strings.Join(quoted, ", "), got)
}

// approvalPolicy reads an approval_policy value.
func (t table) approvalPolicy(key string, dst *protocol.AskForApproval) error {
	return enum(t, key, dst, protocol.AskForApprovalValues()...)
}

// sandboxMode reads a sandbox_mode value.
func (t table) sandboxMode(key string, dst *protocol.SandboxMode) error {
	return enum(t, key, dst, protocol.SandboxModeValues()...)
}

// reasoningEffort reads a model_reasoning_effort value.
func (t table) reasoningEffort(key string, dst *protocol.ReasoningEffort) error {
	return enum(t, key, dst, protocol.ReasoningEffortValues()...)
}

// reasoningSummary reads a model_reasoning_summary value.
func (t table) reasoningSummary(key string, dst *protocol.ReasoningSummary) error {
	return enum(t, key, dst, protocol.ReasoningSummaryValues()...)
}

// verbosity reads a model_verbosity value.
func (t table) verbosity(key string, dst *protocol.Verbosity) error {
	return enum(t, key, dst, protocol.VerbosityValues()...)
}

// optional reads the value at key with read into a new variable and points
// *dst at it. An absent key leaves *dst nil.
func optional[T any](t table, key string, dst **T, read func(string, *T) error) error {
	if _, ok := t.m[key]; !ok {
		return nil
	}
	v := new(T)
	if err := read(key, v); err != nil {
		return err
	}
	*dst = v
	return nil
}

// subTable decodes the table at key with decode; an absent table is nil.
func subTable[T any](t table, key string, decode func(table) (*T, error)) (*T, error) {
	sub, ok, err := t.sub(key)
	if err != nil || !ok {
		return nil, err
	}
	return decode(sub)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// fileSettings is what one table of config.toml, the top level or a
// profile's, says, key by key as written: a nil field stands for a key the
// table does not set, and a nil table for an absent one (the keys of a
// present table other than [tools] get their defaults). It is the one
// description of config.toml's keys: Load lays it over the defaults and
// ReadSaved reports it.
type fileSettings struct {
	model, modelProvider, profile          *string
	approvalPolicy                         *protocol.AskForApproval
	sandboxMode                            *protocol.SandboxMode
	contextWindow, maxOutputTokens         *int64
	autoCompactTokenLimit                  *int64
	reasoningEffort                        *protocol.ReasoningEffort
	reasoningSummary                       *protocol.ReasoningSummary
	verbosity                              *protocol.Verbosity
	showRawReasoning, hideReasoning        *bool
	instructionsFile                       *string
	developerInstructions                  *string
	compactPrompt                          *string
	projectDocMaxBytes                     *int64
	includePlanTool, includeApplyPatchTool *bool
	notify                                 []string
	chatGPTBaseURL                         *string
	// features is the [features] table: switches by feature name.
	features map[string]bool

	workspaceWrite   *workspaceWriteTable
	tools            *toolsTable
	history          *History
	shellEnvironment *ShellEnvironmentPolicy
	mcpServers       map[string]MCPServerConfig
	providers        map[string]ModelProviderInfo
	profiles         map[string]profileTable
	// legacySandbox is set by a [sandbox] table, which is ignored.
	legacySandbox bool
}

// workspaceWriteTable is the [sandbox_workspace_write] table.
type workspaceWriteTable struct {
	writableRoots                                       []string
	networkAccess, excludeTmpdirEnvVar, excludeSlashTmp bool
}

// toolsTable is the [tools] table. webSearchRequest is the older spelling
// of web_search, which only the saved settings take into account.
type toolsTable struct {
	webSearch, webSearchRequest, viewImage *bool
}

// profileTable is one [profiles.NAME] table: the keys a profile may set as
// found in the tree, which Load merges into it when the profile is active,
// and what they say.
type profileTable struct {
	keys     map[string]any
	settings *fileSettings
}

// decodeFile reads every known key of a config tree, or of a profile's
// table. Unknown keys are ignored.
func decodeFile(t table) (*fileSettings, error) {
	f := &fileSettings{}
	err := firstErr(
		optional(t, "model", &f.model, t.str),
		optional(t, "model_provider", &f.modelProvider, t.str),
		optional(t, "profile", &f.profile, t.str),
		optional(t, "approval_policy", &f.approvalPolicy, t.approvalPolicy),
		optional(t, "sandbox_mode", &f.sandboxMode, t.sandboxMode),
		t.integer("model_context_window", &f.contextWindow),
		t.integer("model_max_output_tokens", &f.maxOutputTokens),
		t.integer("model_auto_compact_token_limit", &f.autoCompactTokenLimit),
		optional(t, "model_reasoning_effort", &f.reasoningEffort, t.reasoningEffort),
		optional(t, "model_reasoning_summary", &f.reasoningSummary, t.reasoningSummary),
		optional(t, "model_verbosity", &f.verbosity, t.verbosity),
		optional(t, "show_raw_agent_reasoning", &f.showRawReasoning, t.boolean),
		optional(t, "hide_agent_reasoning", &f.hideReasoning, t.boolean),
		optional(t, "experimental_instructions_file", &f.instructionsFile, t.str),
		optional(t, "developer_instructions", &f.developerInstructions, t.str),
		optional(t, "compact_prompt", &f.compactPrompt, t.str),
		t.integer("project_doc_max_bytes", &f.projectDocMaxBytes),
		optional(t, "include_plan_tool", &f.includePlanTool, t.boolean),
		optional(t, "include_apply_patch_tool", &f.includeApplyPatchTool, t.boolean),
		t.stringList("notify", &f.notify),
		optional(t, "chatgpt_base_url", &f.chatGPTBaseURL, t.str),
	)
	if err != nil {
		return nil, err
	}
	if f.workspaceWrite, err = subTable(t, "sandbox_workspace_write", decodeWorkspaceWrite); err != nil {
		return nil, err
	}
	if f.tools, err = subTable(t, "tools", decodeTools); err != nil {
		return nil, err
	}
	if f.history, err = subTable(t, "history", decodeHistory); err != nil {
		return nil, err
	}
	if f.shellEnvironment, err = subTable(t, "shell_environment_policy", decodeShellEnvironment); err != nil {
		return nil, err
	}
	if f.features, err = decodeFeatures(t); err != nil {
		return nil, err
	}

	if err := t.eachTable("mcp_servers", func(name string, sub table) error {
		srv, err := decodeMCPServer(sub)
		if err != nil {
			return err
		}
		if f.mcpServers == nil {
			f.mcpServers = map[string]MCPServerConfig{}
		}
		f.mcpServers[name] = srv
		return nil
	}); err != nil {
		return nil, err
	}

	if err := t.eachTable("model_providers", func(id string, sub table) error {
		p, err := decodeProvider(id, sub)
		if err != nil {
			return err
		}
		if f.providers == nil {
			f.providers = map[string]ModelProviderInfo{}
		}
		f.providers[id] = p
		return nil
	}); err != nil {
		return nil, err
	}

	if err := t.eachTable("profiles", func(name string, sub table) error {
		picked := map[string]any{}
		for _, k := range profileKeys() {
			if v, ok := sub.m[k]; ok {
				picked[k] = v
			}
		}
		ps, err := decodeFile(table{path: sub.path, m: picked})
		if err != nil {
			return err
		}
		if f.profiles == nil {
			f.profiles = map[string]profileTable{}
		}
		f.profiles[name] = profileTable{keys: picked, settings: ps}
		return nil
	}); err != nil {
		return nil, err
	}

	_, f.legacySandbox = t.m["sandbox"]
	return f, nil
}

func decodeWorkspaceWrite(t table) (*workspaceWriteTable, error) {
	ww := &workspaceWriteTable{}
	return ww, firstErr(
		t.stringList("writable_roots", &ww.writableRoots),
		t.boolean("network_access", &ww.networkAccess),
		t.boolean("exclude_tmpdir_env_var", &ww.excludeTmpdirEnvVar),
		t.boolean("exclude_slash_tmp", &ww.excludeSlashTmp),
	)
}

func decodeTools(t table) (*toolsTable, error) {
	tools := &toolsTable{}
	return tools, firstErr(
		optional(t, "web_search", &tools.webSearch, t.boolean),
		optional(t, "web_search_request", &tools.webSearchRequest, t.boolean),
		optional(t, "view_image", &tools.viewImage, t.boolean),
	)
}

func decodeHistory(t table) (*History, error) {
	h := &History{Persistence: HistorySaveAll}
	var maxBytes *int64
	if err := firstErr(
		enum(t, "persistence", &h.Persistence, HistorySaveAll, HistoryNone),
		t.integer("max_bytes", &maxBytes),
	); err != nil {
		return nil, err
	}
	if maxBytes != nil {
		h.MaxBytes = *maxBytes
	}
	return h, nil
}

func decodeShellEnvironment(t table) (*ShellEnvironmentPolicy, error) {
	p := &ShellEnvironmentPolicy{Inherit: InheritAll}
	return p, firstErr(
		enum(t, "inherit", &p.Inherit, InheritCore, InheritAll, InheritNone),
		t.boolean("ignore_default_excludes", &p.IgnoreDefaultExcludes),
		t.stringList("exclude", &p.Exclude),
		t.stringMap("set", &p.Set),
		t.stringList("include_only", &p.IncludeOnly),
		t.boolean("experimental_use_profile", &p.ExperimentalUseProfile),
	)
}

// settings is what a TOML tree says over the defaults, before command-line
// values, the environment and the file system are taken into account.
type settings struct {
	cfg              Config
	providerID       string
	profile          string
	sandboxMode      protocol.SandboxMode
	writableRoots    []string
	instructionsFile string
	providers        map[string]ModelProviderInfo
	profiles         map[string]profileTable
	legacySandbox    bool
}

// decodeSettings reads every known key of a config tree (or of a profile's
// table) on top of the defaults. Unknown keys are ignored.
func decodeSettings(t table) (*settings, error) {
	f, err := decodeFile(t)
	if err != nil {
		return nil, err
	}
	return f.overDefaults(), nil
}

// overDefaults lays the settings of the file over the built-in defaults.
func (f *fileSettings) overDefaults() *settings {
	s := &settings{
		cfg: Config{
			Model:                 DefaultModel,
			ApprovalPolicy:        protocol.ApprovalOnRequest,
			ModelReasoningSummary: protocol.SummaryAuto,
			ProjectDocMaxBytes:    DefaultProjectDocMaxBytes,
			Tools:                 Tools{ViewImage: true},
			History:               History{Persistence: HistorySaveAll},
			ShellEnvironmentPolicy: ShellEnvironmentPolicy{
				Inherit: InheritAll,
			},
			ChatGPTBaseURL:             DefaultChatGPTBaseURL,
			Notify:                     f.notify,
			MCPServers:                 f.mcpServers,
			ModelContextWindow:         f.contextWindow,
			ModelMaxOutputTokens:       f.maxOutputTokens,
			ModelAutoCompactTokenLimit: f.autoCompactTokenLimit,
		},
		providerID:    ProviderOpenAI,
		sandboxMode:   protocol.SandboxReadOnly,
		providers:     f.providers,
		profiles:      f.profiles,
		legacySandbox: f.legacySandbox,
	}
	c := &s.cfg
	setFrom(&c.Model, f.model)
	setFrom(&s.providerID, f.modelProvider)
	setFrom(&s.profile, f.profile)
	setFrom(&c.ApprovalPolicy, f.approvalPolicy)
	setFrom(&s.sandboxMode, f.sandboxMode)
	setFrom(&c.ModelReasoningEffort, f.reasoningEffort)
	setFrom(&c.ModelReasoningSummary, f.reasoningSummary)
	setFrom(&c.ModelVerbosity, f.verbosity)
	setFrom(&c.ShowRawAgentReasoning, f.showRawReasoning)
	setFrom(&c.HideAgentReasoning, f.hideReasoning)
	setFrom(&s.instructionsFile, f.instructionsFile)
	if f.projectDocMaxBytes != nil {
		c.ProjectDocMaxBytes = int(*f.projectDocMaxBytes)
	}
	setFrom(&c.IncludePlanTool, f.includePlanTool)
	setFrom(&c.IncludeApplyPatchTool, f.includeApplyPatchTool)
	setFrom(&c.ChatGPTBaseURL, f.chatGPTBaseURL)
	setFrom(&c.DeveloperInstructions, f.developerInstructions)
	setFrom(&c.CompactPrompt, f.compactPrompt)

	c.SandboxPolicy = protocol.SandboxPolicy{Mode: s.sandboxMode}
	if ww := f.workspaceWrite; ww != nil {
		s.writableRoots = ww.writableRoots
		c.SandboxPolicy.NetworkAccess = ww.networkAccess
		c.SandboxPolicy.ExcludeTmpdirEnvVar = ww.excludeTmpdirEnvVar
		c.SandboxPolicy.ExcludeSlashTmp = ww.excludeSlashTmp
	}
	if tools := f.tools; tools != nil {
		setFrom(&c.Tools.WebSearch, tools.webSearch)
		setFrom(&c.Tools.ViewImage, tools.viewImage)
	}
	setFrom(&c.History, f.history)
	setFrom(&c.ShellEnvironmentPolicy, f.shellEnvironment)
	applyFeatures(c, f.features)
	return s
}

// setFrom copies *v to *dst when v is set.
func setFrom[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func decodeProvider(id string, t table) (ModelProviderInfo, error) {
	p := ModelProviderInfo{Name: id, WireAPI: WireAPIResponses}
	err := firstErr(
		t.str("name", &p.Name),
		t.str("base_url", &p.BaseURL),
		t.str("env_key", &p.EnvKey),
		t.str("env_key_instructions", &p.EnvKeyInstructions),
		enum(t, "wire_api", &p.WireAPI, WireAPIResponses, WireAPIChat),
		t.stringMap("query_params", &p.QueryParams),
		t.stringMap("http_headers", &p.HTTPHeaders),
		t.stringMap("env_http_headers", &p.EnvHTTPHeaders),
		t.integer("request_max_retries", &p.RequestMaxRetries),
		t.integer("stream_max_retries", &p.StreamMaxRetries),
		t.integer("stream_idle_timeout_ms", &p.StreamIdleTimeoutMs),
		t.boolean("requires_openai_auth", &p.RequiresOpenAIAuth),
	)
	return p, err
}

func decodeMCPServer(t table) (MCPServerConfig, error) {
	srv := MCPServerConfig{
		StartupTimeoutSec: DefaultMCPStartupTimeoutSec,
		ToolTimeoutSec:    DefaultMCPToolTimeoutSec,
	}
	var startupSec, toolSec, elicitSec *float64
	var startupMs *int64
	enabled := true
	err := firstErr(
		t.str("command", &srv.Command),
		t.stringList("args", &srv.Args),
		t.stringMap("env", &srv.Env),
		t.str("cwd", &srv.Cwd),
		t.str("url", &srv.URL),
		t.str("bearer_token_env_var", &srv.BearerTokenEnvVar),
		t.stringMap("http_headers", &srv.HTTPHeaders),
		t.stringMap("env_http_headers", &srv.EnvHTTPHeaders),
		t.boolean("enabled", &enabled),
		t.boolean("required", &srv.Required),
		t.stringList("enabled_tools", &srv.EnabledTools),
		t.stringList("disabled_tools", &srv.DisabledTools),
		t.number("startup_timeout_sec", &startupSec),
		t.integer("startup_timeout_ms", &startupMs),
		t.number("tool_timeout_sec", &toolSec),
		t.number("elicitation_timeout_sec", &elicitSec),
	)
	if err != nil {
		return MCPServerConfig{}, err
	}
	srv.Disabled = !enabled
	if err := checkMCPTransport(t, srv); err != nil {
		return MCPServerConfig{}, err
	}
	switch {
	case startupSec != nil:
		srv.StartupTimeoutSec = *startupSec
	case startupMs != nil:
		srv.StartupTimeoutSec = float64(*startupMs) / 1000
	}
	if toolSec != nil {
		srv.ToolTimeoutSec = *toolSec
	}
	if elicitSec != nil {
		srv.ElicitationTimeoutSec = *elicitSec
	}
	return srv, nil
}

// checkMCPTransport checks that a server entry is either a stdio server
// (command) or a streamable HTTP one (url), with only the keys of its kind.
// A bearer_token written into config.toml is refused for both: the token
// belongs in the environment, named by bearer_token_env_var.
func checkMCPTransport(t table, srv MCPServerConfig) error {
	transport, foreign := "stdio", []string{"url", "bearer_token_env_var", "http_headers", "env_http_headers", "bearer_token"}
	switch {
	case srv.Command != "" && srv.URL != "":
		return &fieldError{path: t.path, msg: `set either "command" or "url", not both`}
	case srv.Command == "" && srv.URL == "":
		return &fieldError{path: t.path, msg: `missing required key "command" (or "url" for a streamable HTTP server)`}
	case srv.URL != "":
		transport, foreign = "streamable_http", []string{"args", "env", "cwd", "bearer_token"}
		u, err := url.Parse(srv.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return t.errorf("url", "expected an http or https URL, got %q", srv.URL)
		}
	}
	for _, key := range foreign {
		if _, ok := t.m[key]; ok {
			return t.errorf(key, "%s is not supported for %s", key, transport)
		}
	}
	return nil
}
