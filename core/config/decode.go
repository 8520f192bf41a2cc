package config

import (
	"fmt"
	"math"
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
		"experimental_instructions_file", "tools",
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

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// settings is what a TOML tree says, before command-line values, the
// environment and the file system are taken into account.
type settings struct {
	cfg              Config
	providerID       string
	profile          string
	sandboxMode      protocol.SandboxMode
	writableRoots    []string
	instructionsFile string
	providers        map[string]ModelProviderInfo
	profiles         map[string]map[string]any
	legacySandbox    bool
}

func defaultSettings() *settings {
	return &settings{
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
			ChatGPTBaseURL: DefaultChatGPTBaseURL,
		},
		providerID:  ProviderOpenAI,
		sandboxMode: protocol.SandboxReadOnly,
	}
}

// decodeSettings reads every known key of a config tree (or of a profile's
// table) on top of the defaults. Unknown keys are ignored.
func decodeSettings(t table) (*settings, error) {
	s := defaultSettings()
	c := &s.cfg
	var (
		contextWindow, maxOutput, docMax *int64
		network, excludeTmpdir, slashTmp bool
	)
	err := firstErr(
		t.str("model", &c.Model),
		t.str("model_provider", &s.providerID),
		t.str("profile", &s.profile),
		enum(t, "approval_policy", &c.ApprovalPolicy, protocol.AskForApprovalValues()...),
		enum(t, "sandbox_mode", &s.sandboxMode, protocol.SandboxModeValues()...),
		t.integer("model_context_window", &contextWindow),
		t.integer("model_max_output_tokens", &maxOutput),
		enum(t, "model_reasoning_effort", &c.ModelReasoningEffort, protocol.ReasoningEffortValues()...),
		enum(t, "model_reasoning_summary", &c.ModelReasoningSummary, protocol.ReasoningSummaryValues()...),
		enum(t, "model_verbosity", &c.ModelVerbosity, protocol.VerbosityValues()...),
		t.boolean("show_raw_agent_reasoning", &c.ShowRawAgentReasoning),
		t.boolean("hide_agent_reasoning", &c.HideAgentReasoning),
		t.str("experimental_instructions_file", &s.instructionsFile),
		t.integer("project_doc_max_bytes", &docMax),
		t.boolean("include_plan_tool", &c.IncludePlanTool),
		t.boolean("include_apply_patch_tool", &c.IncludeApplyPatchTool),
		t.stringList("notify", &c.Notify),
		t.str("chatgpt_base_url", &c.ChatGPTBaseURL),
	)
	if err != nil {
		return nil, err
	}
	c.ModelContextWindow = contextWindow
	c.ModelMaxOutputTokens = maxOutput
	if docMax != nil {
		c.ProjectDocMaxBytes = int(*docMax)
	}

	if ww, ok, err := t.sub("sandbox_workspace_write"); err != nil {
		return nil, err
	} else if ok {
		if err := firstErr(
			ww.stringList("writable_roots", &s.writableRoots),
			ww.boolean("network_access", &network),
			ww.boolean("exclude_tmpdir_env_var", &excludeTmpdir),
			ww.boolean("exclude_slash_tmp", &slashTmp),
		); err != nil {
			return nil, err
		}
	}
	c.SandboxPolicy = protocol.SandboxPolicy{
		Mode:                s.sandboxMode,
		NetworkAccess:       network,
		ExcludeTmpdirEnvVar: excludeTmpdir,
		ExcludeSlashTmp:     slashTmp,
	}

	if tools, ok, err := t.sub("tools"); err != nil {
		return nil, err
	} else if ok {
		if err := firstErr(
			tools.boolean("web_search", &c.Tools.WebSearch),
			tools.boolean("view_image", &c.Tools.ViewImage),
		); err != nil {
			return nil, err
		}
	}

	if hist, ok, err := t.sub("history"); err != nil {
		return nil, err
	} else if ok {
		var maxBytes *int64
		if err := firstErr(
			enum(hist, "persistence", &c.History.Persistence, HistorySaveAll, HistoryNone),
			hist.integer("max_bytes", &maxBytes),
		); err != nil {
			return nil, err
		}
		if maxBytes != nil {
			c.History.MaxBytes = *maxBytes
		}
	}

	if sep, ok, err := t.sub("shell_environment_policy"); err != nil {
		return nil, err
	} else if ok {
		p := &c.ShellEnvironmentPolicy
		if err := firstErr(
			enum(sep, "inherit", &p.Inherit, InheritCore, InheritAll, InheritNone),
			sep.boolean("ignore_default_excludes", &p.IgnoreDefaultExcludes),
			sep.stringList("exclude", &p.Exclude),
			sep.stringMap("set", &p.Set),
			sep.stringList("include_only", &p.IncludeOnly),
			sep.boolean("experimental_use_profile", &p.ExperimentalUseProfile),
		); err != nil {
			return nil, err
		}
	}

	if err := t.eachTable("mcp_servers", func(name string, sub table) error {
		srv, err := decodeMCPServer(sub)
		if err != nil {
			return err
		}
		if c.MCPServers == nil {
			c.MCPServers = map[string]MCPServerConfig{}
		}
		c.MCPServers[name] = srv
		return nil
	}); err != nil {
		return nil, err
	}

	if err := t.eachTable("model_providers", func(id string, sub table) error {
		p, err := decodeProvider(id, sub)
		if err != nil {
			return err
		}
		if s.providers == nil {
			s.providers = map[string]ModelProviderInfo{}
		}
		s.providers[id] = p
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
		if _, err := decodeSettings(table{path: sub.path, m: picked}); err != nil {
			return err
		}
		if s.profiles == nil {
			s.profiles = map[string]map[string]any{}
		}
		s.profiles[name] = picked
		return nil
	}); err != nil {
		return nil, err
	}

	_, s.legacySandbox = t.m["sandbox"]
	return s, nil
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
	var startupSec, toolSec *float64
	var startupMs *int64
	err := firstErr(
		t.str("command", &srv.Command),
		t.stringList("args", &srv.Args),
		t.stringMap("env", &srv.Env),
		t.number("startup_timeout_sec", &startupSec),
		t.integer("startup_timeout_ms", &startupMs),
		t.number("tool_timeout_sec", &toolSec),
	)
	if err != nil {
		return MCPServerConfig{}, err
	}
	if srv.Command == "" {
		return MCPServerConfig{}, &fieldError{path: t.path, msg: `missing required key "command"`}
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
	return srv, nil
}
