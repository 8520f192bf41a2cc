package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// topLevelKeys are the top-level keys of config.toml that are known: the
// ones this engine reads and the ones codex-cli 0.171 accepts, which a file
// shared with it may hold.
func topLevelKeys() []string {
	return []string{
		// Read here and by codex-cli 0.171.
		"agents", "allow_login_shell", "allow_symlinked_codex_home", "analytics", "approval_policy",
		"approvals_reviewer", "apps", "apps_mcp_product_sku", "audio", "auto_review",
		"background_terminal_max_timeout", "browser_use", "chatgpt_base_url", "check_for_update_on_startup",
		"cli_auth_credentials_store", "cloud", "code_mode", "compact_prompt", "computer_use", "daybreak",
		"default_permissions", "desktop", "developer_instructions", "disable_paste_burst",
		"experimental_compact_prompt_file", "experimental_realtime_start_instructions",
		"experimental_realtime_webrtc_call_base_url", "experimental_realtime_ws_backend_prompt",
		"experimental_realtime_ws_base_url", "experimental_realtime_ws_model",
		"experimental_realtime_ws_startup_context", "experimental_thread_store",
		"experimental_thread_store_endpoint", "experimental_use_unified_exec_tool", "features", "feedback",
		"file_opener", "forced_chatgpt_workspace_id", "forced_login_method", "ghost_snapshot", "goals",
		"hide_agent_reasoning", "history", "hooks", "include_apps_instructions",
		"include_collaboration_mode_instructions", "include_environment_context",
		"include_environment_context_time", "include_permissions_instructions", "instructions",
		"js_repl_node_module_dirs", "js_repl_node_path", "log_dir", "marketplaces",
		"mcp_enterprise_managed_auth", "mcp_oauth_callback_port", "mcp_oauth_callback_url",
		"mcp_oauth_credentials_store", "mcp_optional_startup_grace_ms", "mcp_servers", "memories", "model",
		"model_auto_compact_token_limit", "model_auto_compact_token_limit_scope", "model_catalog_json",
		"model_context_window", "model_instructions_file", "model_post_turn_compact_threshold_percent",
		"model_provider", "model_providers", "model_reasoning_effort", "model_reasoning_summary",
		"model_verbosity", "notice", "notify", "openai_base_url", "orchestrator", "oss_provider", "otel",
		"permissions", "personality", "plan_mode_reasoning_effort", "plugins", "profile", "profiles",
		"project_doc_fallback_filenames", "project_doc_max_bytes", "project_root_markers", "projects",
		"realtime", "responses", "responses_api_metadata", "review_model", "rollout_trace", "sandbox_mode",
		"sandbox_workspace_write", "service_tier", "shell_environment_policy", "show_raw_agent_reasoning",
		"skills", "sqlite_home", "suppress_unstable_features_warning", "thread_unload_delay_secs",
		"tool_output_token_limit", "tool_suggest", "tools", "tui", "web_search", "windows",
		// Read here only.
		"include_plan_tool", "include_apply_patch_tool", "experimental_instructions_file",
		"model_max_output_tokens",
	}
}

// tableKeys are the known keys of the tables whose keys are checked.
func tableKeys() map[string][]string {
	return map[string][]string{
		"analytics":               {"enabled"},
		"history":                 {"persistence", "max_bytes"},
		"sandbox_workspace_write": {"writable_roots", "network_access", "exclude_tmpdir_env_var", "exclude_slash_tmp"},
		"tools":                   {"web_search", "view_image"},
		"shell_environment_policy": {"inherit", "ignore_default_excludes", "exclude", "set", "include_only",
			"filters", "experimental_use_profile"},
	}
}

// entryKeys are the known keys of each entry of the tables of named
// entries ([model_providers.NAME], ...).
func entryKeys() map[string][]string {
	return map[string][]string{
		"model_providers": {"name", "base_url", "env_key", "env_key_instructions", "experimental_bearer_token",
			"wire_api", "query_params", "http_headers", "env_http_headers", "request_max_retries",
			"stream_max_retries", "stream_idle_timeout_ms", "websocket_connect_timeout_ms",
			"requires_openai_auth", "supports_websockets", "supports_standalone_web_search",
			"model_catalog_url", "auth", "aws", "gateway_oauth", "project_id", "location", "credential_file",
			"capabilities"},
		"mcp_servers": {"command", "args", "env", "env_vars", "cwd", "url", "bearer_token",
			"bearer_token_env_var", "http_headers", "env_http_headers", "http_headers_helper", "oauth",
			"oauth_resource", "scopes", "enabled", "required", "startup_timeout_sec", "startup_timeout_ms",
			"tool_timeout_sec", "enabled_tools", "disabled_tools", "default_tools_approval_mode", "tools",
			"supports_parallel_tool_calls", "environment_id", "name", "auth"},
		"profiles": append(profileKeys(), "analytics", "approvals_reviewer", "experimental_compact_prompt_file",
			"experimental_use_unified_exec_tool", "include_apps_instructions",
			"include_collaboration_mode_instructions", "include_environment_context",
			"include_environment_context_time", "include_permissions_instructions", "js_repl_node_module_dirs",
			"js_repl_node_path", "model_catalog_json", "model_instructions_file", "oss_provider", "personality",
			"plan_mode_reasoning_effort", "service_tier", "tui", "web_search", "windows"),
	}
}

// deprecatedKeys are keys that are still recognised but no longer do what
// they did, by dotted path, with what to write instead.
func deprecatedKeys() map[string]string {
	const noEffect = "It no longer has any effect; remove it."
	return map[string]string{
		"sandbox": "The [sandbox] table is no longer read: set sandbox_mode = \"read-only\" | " +
			"\"workspace-write\" | \"danger-full-access\" and configure workspace-write in [sandbox_workspace_write].",
		"tools.web_search_request":               "Write tools.web_search, or web_search in [features].",
		"disable_response_storage":               noEffect,
		"model_supports_reasoning_summaries":     noEffect,
		"model_family":                           noEffect,
		"hide_full_access_warning":               "It moved to the [notice] table.",
		"experimental_use_exec_command_tool":     noEffect,
		"experimental_use_rmcp_client":           noEffect,
		"use_experimental_streamable_shell_tool": noEffect,
		"preferred_auth_method":                  noEffect,
		"experimental_resume":                    noEffect,
	}
}

// KeyWarning is a key of config.toml that is not known, or deprecated.
type KeyWarning struct {
	// Path is the key path.
	Path []string
	// File is the config file.
	File string
	// Line is the 1-based line of the key (0 when not found).
	Line int
	// Column and EndColumn delimit the key on its line, 1-based, in
	// Unicode scalar values, end exclusive (0 when not found).
	Column, EndColumn int
	// Deprecated is set for a known key that is deprecated, clear for an
	// unknown one.
	Deprecated bool
	// Hint says what to do about it.
	Hint string
}

// Key returns the dotted key path.
func (w KeyWarning) Key() string { return strings.Join(w.Path, ".") }

// Summary says in one sentence what is wrong and where.
func (w KeyWarning) Summary() string {
	where := w.File
	if w.Line > 0 {
		where = fmt.Sprintf("%s, line %d", w.File, w.Line)
	}
	if w.Deprecated {
		return fmt.Sprintf("Deprecated configuration key `%s` in %s.", w.Key(), where)
	}
	return fmt.Sprintf("Unknown configuration key `%s` in %s: it is ignored.", w.Key(), where)
}

// CheckKeys lists the unknown and deprecated keys of a config file (path,
// its text and its parsed tree), in the order of their lines.
func CheckKeys(path, text string, tree map[string]any) []KeyWarning {
	var out []KeyWarning
	deprecated := deprecatedKeys()
	report := func(p []string) {
		w := KeyWarning{Path: p, File: path}
		if hint, ok := deprecated[strings.Join(p, ".")]; ok {
			w.Deprecated, w.Hint = true, hint
		} else {
			w.Hint = "Check it for a typo; keys this version does not know are ignored."
		}
		w.Line, w.Column, w.EndColumn = keyPosition(text, p)
		out = append(out, w)
	}
	check := func(prefix []string, table map[string]any, known []string) {
		for _, k := range slices.Sorted(maps.Keys(table)) {
			if !slices.Contains(known, k) {
				report(append(slices.Clone(prefix), k))
			}
		}
	}
	check(nil, tree, topLevelKeys())
	for name, known := range tableKeys() {
		if sub, ok := tree[name].(map[string]any); ok {
			check([]string{name}, sub, known)
		}
	}
	for name, known := range entryKeys() {
		entries, _ := tree[name].(map[string]any)
		for _, e := range slices.Sorted(maps.Keys(entries)) {
			if sub, ok := entries[e].(map[string]any); ok {
				check([]string{name, e}, sub, known)
			}
		}
	}
	var catalog []string
	for _, f := range Features() {
		catalog = append(catalog, f.Name)
	}
	if sub, ok := tree[featuresKey].(map[string]any); ok {
		check([]string{featuresKey}, sub, catalog)
	}
	profiles, _ := tree["profiles"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(profiles)) {
		p, _ := profiles[name].(map[string]any)
		if sub, ok := p[featuresKey].(map[string]any); ok {
			check([]string{"profiles", name, featuresKey}, sub, catalog)
		}
	}
	slices.SortStableFunc(out, func(a, b KeyWarning) int { return a.Line - b.Line })
	return out
}

// keyPosition finds where the last part of the key path is written.
func keyPosition(text string, path []string) (line, col, endCol int) {
	line = keyLine(text, path)
	if line == 0 {
		return 0, 0, 0
	}
	lines := strings.Split(text, "\n")
	if line > len(lines) {
		return line, 0, 0
	}
	l := lines[line-1]
	last := path[len(path)-1]
	i := strings.Index(l, last)
	if i < 0 {
		return line, 0, 0
	}
	col = utf8.RuneCountInString(l[:i]) + 1
	return line, col, col + utf8.RuneCountInString(last)
}
