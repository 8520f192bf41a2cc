package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startSettings starts a server on config.toml text config with extra
// command-line args and performs the v2 handshake. Messages sent after the
// answer to initialize (configWarning) stay in the backlog.
func startSettings(t *testing.T, config string, args ...string) *appServer {
	t.Helper()
	s := startAppServer(t, serverEnv{config: config, args: args})
	s.callResult("initialize", map[string]any{"clientInfo": map[string]any{"name": "settings", "version": "1.0"}}, nil)
	for _, m := range s.backlog() {
		assert.NotEqual(t, "configWarning", m.Method, "a warning came before the answer to initialize")
	}
	s.notify("initialized")
	return s
}

// configPath is the test server's config.toml.
func (s *appServer) configPath() string { return filepath.Join(s.home, "config.toml") }

// readConfig calls config/read and checks the result against the schemas.
func (s *appServer) readConfig(params map[string]any) configReadResult {
	s.t.Helper()
	var out configReadResult
	m := s.callResult("config/read", params, &out)
	checkV2(s.t, "config/read", m.Result, "result")
	out.raw = m.Result
	return out
}

// configReadResult is the part of config/read's result the tests look at.
type configReadResult struct {
	Config  map[string]any       `json:"config"`
	Origins map[string]layerMeta `json:"origins"`
	Layers  []struct {
		layerMeta
		Config map[string]any `json:"config"`
	} `json:"layers"`
	raw json.RawMessage
}

// layerMeta is a layer's name and version.
type layerMeta struct {
	Name    map[string]any `json:"name"`
	Version string         `json:"version"`
}

// writeResult is the result of a config write.
type writeResult struct {
	Status             string         `json:"status"`
	Version            string         `json:"version"`
	FilePath           string         `json:"filePath"`
	OverriddenMetadata map[string]any `json:"overriddenMetadata"`
}

// write calls a config write method that must succeed.
func (s *appServer) write(method string, params map[string]any) writeResult {
	s.t.Helper()
	var out writeResult
	m := s.callResult(method, params, &out)
	checkV2(s.t, method, m.Result, "result")
	return out
}

const settingsConfig = `# my settings
model = "gpt-5" # the default model
approval_policy = "on-request"
model_provider = "mock"

[model_providers.mock]
name = "mock"
base_url = "http://127.0.0.1:9/v1"

[profiles.fast]
model = "o3"
`

func TestV2ConfigReadWithAndWithoutLayers(t *testing.T) {
	s := startSettings(t, settingsConfig, "-c", `model_verbosity="low"`, "-c", "profile=\"fast\"")
	file := s.configPath()

	plain := s.readConfig(map[string]any{})
	assert.NotContains(t, string(plain.raw), `"layers"`)
	assert.Equal(t, "o3", plain.Config["model"], "the active profile's model")
	assert.Equal(t, "low", plain.Config["model_verbosity"])
	assert.Equal(t, "on-request", plain.Config["approval_policy"])
	assert.Nil(t, plain.Config["sandbox_mode"])
	assert.Contains(t, plain.Config, "sandbox_mode", "members of the Config shape are always sent")

	user := map[string]any{"type": "user", "file": file, "profile": nil}
	profile := map[string]any{"type": "user", "file": file, "profile": "fast"}
	flags := map[string]any{"type": "sessionFlags"}
	assert.Equal(t, profile, plain.Origins["model"].Name)
	assert.Equal(t, flags, plain.Origins["model_verbosity"].Name)
	assert.Equal(t, user, plain.Origins["approval_policy"].Name)
	assert.Equal(t, user, plain.Origins["model_providers.mock.base_url"].Name)
	assert.Equal(t, flags, plain.Origins["profile"].Name)
	assert.True(t, strings.HasPrefix(plain.Origins["model"].Version, "sha256:"))
	assert.Equal(t, plain.Origins["model"].Version, plain.Origins["approval_policy"].Version, "both user layers are the same file")

	layered := s.readConfig(map[string]any{"includeLayers": true, "cwd": s.workDir})
	require.Len(t, layered.Layers, 3)
	assert.Equal(t, flags, layered.Layers[0].Name)
	assert.Equal(t, map[string]any{"model_verbosity": "low", "profile": "fast"}, layered.Layers[0].Config)
	assert.Equal(t, profile, layered.Layers[1].Name)
	assert.Equal(t, map[string]any{"model": "o3"}, layered.Layers[1].Config)
	assert.Equal(t, user, layered.Layers[2].Name)
	assert.Equal(t, "gpt-5", layered.Layers[2].Config["model"])
	assert.Equal(t, plain.Origins["model_verbosity"].Version, layered.Layers[0].Version)
}

func TestV2ConfigWriteThenRead(t *testing.T) {
	s := startSettings(t, settingsConfig)
	file := s.configPath()
	before := s.readConfig(map[string]any{})

	res := s.write("config/value/write", map[string]any{"keyPath": "model", "value": "gpt-5.5", "mergeStrategy": "replace",
		"expectedVersion": before.Origins["model"].Version})
	assert.Equal(t, "ok", res.Status)
	assert.Equal(t, file, res.FilePath)
	assert.Nil(t, res.OverriddenMetadata)

	after := s.readConfig(map[string]any{})
	assert.Equal(t, "gpt-5.5", after.Config["model"])
	assert.Equal(t, res.Version, after.Origins["model"].Version)
	assert.NotEqual(t, before.Origins["model"].Version, res.Version)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Contains(t, string(data), "model = \"gpt-5.5\" # the default model\n")

	// null removes the key; a table value is written key by key.
	s.write("config/value/write", map[string]any{"keyPath": "approval_policy", "value": nil, "mergeStrategy": "replace"})
	s.write("config/value/write", map[string]any{"keyPath": "sandbox_workspace_write", "mergeStrategy": "upsert",
		"value": map[string]any{"network_access": true, "writable_roots": []any{"/tmp/x"}}})
	after = s.readConfig(map[string]any{})
	assert.Nil(t, after.Config["approval_policy"])
	assert.Equal(t, map[string]any{"network_access": true, "writable_roots": []any{"/tmp/x"}}, after.Config["sandbox_workspace_write"])
	assert.Contains(t, after.Origins, "sandbox_workspace_write.network_access")
}

func TestV2ConfigWriteOverriddenByTheCommandLine(t *testing.T) {
	s := startSettings(t, settingsConfig, "-c", `model="cli-model"`)
	res := s.write("config/value/write", map[string]any{"keyPath": "model", "value": "gpt-5.5", "mergeStrategy": "replace"})
	assert.Equal(t, "okOverridden", res.Status)
	assert.Equal(t, "cli-model", res.OverriddenMetadata["effectiveValue"])
	layer := res.OverriddenMetadata["overridingLayer"].(map[string]any)
	assert.Equal(t, map[string]any{"type": "sessionFlags"}, layer["name"])
	data, err := os.ReadFile(s.configPath())
	require.NoError(t, err)
	assert.Contains(t, string(data), `model = "gpt-5.5"`)
}

func TestV2ConfigBatchWriteKeepsCommentsAndMode(t *testing.T) {
	s := startSettings(t, settingsConfig)
	file := s.configPath()
	require.NoError(t, os.Chmod(file, 0o640))

	res := s.write("config/batchWrite", map[string]any{"edits": []any{
		map[string]any{"keyPath": "sandbox_workspace_write.network_access", "value": true, "mergeStrategy": "replace"},
		map[string]any{"keyPath": "model_reasoning_effort", "value": "high", "mergeStrategy": "replace"},
		map[string]any{"keyPath": "model_providers.mock.stream_max_retries", "value": 3, "mergeStrategy": "replace"},
		map[string]any{"keyPath": `profiles.fast.model`, "value": "o4-mini", "mergeStrategy": "replace"},
	}})
	assert.Equal(t, "ok", res.Status)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, `# my settings
model = "gpt-5" # the default model
approval_policy = "on-request"
model_provider = "mock"
model_reasoning_effort = "high"

[model_providers.mock]
name = "mock"
base_url = "http://127.0.0.1:9/v1"
stream_max_retries = 3

[profiles.fast]
model = "o4-mini"

[sandbox_workspace_write]
network_access = true
`, string(data))
	info, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), info.Mode().Perm())
	entries, err := os.ReadDir(s.home)
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.Contains(e.Name(), ".tmp"), "temporary file left behind: %s", e.Name())
	}
}

// writeError calls a config write that must fail and returns the error.
func (s *appServer) writeError(method string, params map[string]any) (int64, string, string) {
	s.t.Helper()
	m := s.call(method, params)
	require.NotNil(s.t, m.Error, "%s %v succeeded: %s", method, params, m.Raw)
	var data struct {
		Code string `json:"config_write_error_code"`
	}
	if len(m.Error.Data) > 0 {
		require.NoError(s.t, json.Unmarshal(m.Error.Data, &data))
	}
	return m.Error.Code, m.Error.Message, data.Code
}

func TestV2ConfigWriteConflicts(t *testing.T) {
	s := startSettings(t, settingsConfig)
	file := s.configPath()
	v1 := s.readConfig(map[string]any{}).Origins["model"].Version
	s.write("config/value/write", map[string]any{"keyPath": "model", "value": "a", "mergeStrategy": "replace", "expectedVersion": v1})
	before, err := os.ReadFile(file)
	require.NoError(t, err)

	code, msg, data := s.writeError("config/value/write", map[string]any{"keyPath": "model", "value": "b", "mergeStrategy": "replace", "expectedVersion": v1})
	assert.Equal(t, int64(-32600), code)
	assert.Equal(t, "configVersionConflict", data)
	assert.Contains(t, msg, "modified")

	code, _, data = s.writeError("config/batchWrite", map[string]any{"expectedVersion": "sha256:0",
		"edits": []any{map[string]any{"keyPath": "model", "value": "b", "mergeStrategy": "replace"}}})
	assert.Equal(t, int64(-32600), code)
	assert.Equal(t, "configVersionConflict", data)

	other := filepath.Join(t.TempDir(), "other.toml")
	code, msg, data = s.writeError("config/value/write", map[string]any{"keyPath": "model", "value": "b", "mergeStrategy": "replace", "filePath": other})
	assert.Equal(t, int64(-32600), code)
	assert.Equal(t, "configLayerReadonly", data)
	assert.Contains(t, msg, other)
	assert.NoFileExists(t, other)

	after, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after), "a refused write changes nothing")

	// The file's own path is accepted.
	s.write("config/value/write", map[string]any{"keyPath": "model", "value": "c", "mergeStrategy": "replace", "filePath": file})
}

func TestV2ConfigWriteInvalidKeysAndValues(t *testing.T) {
	s := startSettings(t, settingsConfig)
	file := s.configPath()
	before, err := os.ReadFile(file)
	require.NoError(t, err)
	cases := []struct {
		name   string
		method string
		params map[string]any
		code   int64
		want   []string
	}{
		{"empty key path", "config/value/write", map[string]any{"keyPath": "", "value": 1, "mergeStrategy": "replace"}, -32600, []string{"keyPath must not be empty"}},
		{"empty segment", "config/value/write", map[string]any{"keyPath": "model..x", "value": 1, "mergeStrategy": "replace"}, -32600, []string{"model..x", "empty key segment"}},
		{"through a string", "config/value/write", map[string]any{"keyPath": "model.x", "value": 1, "mergeStrategy": "replace"}, -32600, []string{"model.x", "not a table"}},
		{"wrong type", "config/value/write", map[string]any{"keyPath": "model", "value": 5, "mergeStrategy": "replace"}, -32600, []string{`"model"`, "expected a string, got integer"}},
		{"unknown enum value", "config/value/write", map[string]any{"keyPath": "sandbox_mode", "value": "wide-open", "mergeStrategy": "replace"}, -32600, []string{`"sandbox_mode"`, `"wide-open"`, "line"}},
		{"null inside a table", "config/value/write", map[string]any{"keyPath": "tools", "value": map[string]any{"web_search": nil}, "mergeStrategy": "replace"}, -32600, []string{"tools", "null"}},
		{"bad merge strategy", "config/value/write", map[string]any{"keyPath": "model", "value": "x", "mergeStrategy": "merge"}, -32602, []string{"mergeStrategy"}},
		{"missing value", "config/value/write", map[string]any{"keyPath": "model", "mergeStrategy": "replace"}, -32602, []string{`"value"`}},
		{"missing key path", "config/value/write", map[string]any{"value": "x", "mergeStrategy": "replace"}, -32602, []string{`"keyPath"`}},
		{"one bad edit of a batch", "config/batchWrite", map[string]any{"edits": []any{
			map[string]any{"keyPath": "model", "value": "fine", "mergeStrategy": "replace"},
			map[string]any{"keyPath": "history.persistence", "value": "sometimes", "mergeStrategy": "replace"},
		}}, -32600, []string{`"history.persistence"`}},
		{"edits missing", "config/batchWrite", map[string]any{}, -32602, []string{`"edits"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, msg, _ := s.writeError(tc.method, tc.params)
			assert.Equal(t, tc.code, code, msg)
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
		})
	}
	after, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after), "nothing was written")
	assert.Equal(t, "gpt-5", s.readConfig(map[string]any{}).Config["model"], "the server keeps serving")
}

func TestV2ConfigWarningForUnknownAndDeprecatedKeys(t *testing.T) {
	s := startSettings(t, "model = \"gpt-5\"\nmodle_provider = \"mock\"\n\n[tools]\nweb_search_request = true\n")
	file := s.configPath()
	var warnings []map[string]any
	for range 2 {
		m := s.take(func(m rpcMessage) bool { return m.Method == "configWarning" }, "configWarning")
		assert.Contains(t, m.Raw, `"emittedAtMs":`)
		checkV2(t, m.Method, m.Params, "notification")
		var p map[string]any
		require.NoError(t, json.Unmarshal(m.Params, &p))
		warnings = append(warnings, p)
	}
	unknown := warnings[0]
	assert.Contains(t, unknown["summary"], "`modle_provider`")
	assert.Contains(t, unknown["summary"], file+", line 2")
	assert.Equal(t, file, unknown["path"])
	assert.Equal(t, map[string]any{
		"start": map[string]any{"line": float64(2), "column": float64(1)},
		"end":   map[string]any{"line": float64(2), "column": float64(15)},
	}, unknown["range"])
	deprecated := warnings[1]
	assert.Contains(t, deprecated["summary"], "Deprecated configuration key `tools.web_search_request`")
	assert.Contains(t, deprecated["details"], "tools.web_search")
	assert.Equal(t, float64(5), deprecated["range"].(map[string]any)["start"].(map[string]any)["line"])
}

func TestV2NoConfigWarningForAKnownConfig(t *testing.T) {
	s := startSettings(t, settingsConfig)
	s.readConfig(map[string]any{})
	for _, m := range s.backlog() {
		assert.NotEqual(t, "configWarning", m.Method, m.Raw)
	}
}

func TestV2ExperimentalFeatures(t *testing.T) {
	s := startSettings(t, settingsConfig+"\n[tools]\nview_image = false\n")
	type feature struct {
		Name           string  `json:"name"`
		Stage          string  `json:"stage"`
		DisplayName    *string `json:"displayName"`
		Enabled        bool    `json:"enabled"`
		DefaultEnabled bool    `json:"defaultEnabled"`
	}
	type page struct {
		Data       []feature `json:"data"`
		NextCursor *string   `json:"nextCursor"`
	}
	list := func(params map[string]any) page {
		var out page
		m := s.callResult("experimentalFeature/list", params, &out)
		checkV2(t, "experimentalFeature/list", m.Result, "result")
		return out
	}
	byName := func(p page) map[string]feature {
		out := map[string]feature{}
		for _, f := range p.Data {
			out[f.Name] = f
		}
		return out
	}

	all := list(map[string]any{})
	assert.Nil(t, all.NextCursor)
	fs := byName(all)
	require.Contains(t, fs, "web_search")
	require.Contains(t, fs, "view_image")
	assert.False(t, fs["view_image"].Enabled, "tools.view_image = false turns the feature off")
	assert.True(t, fs["view_image"].DefaultEnabled)
	assert.False(t, fs["web_search"].Enabled)
	assert.Equal(t, "beta", fs["web_search"].Stage)
	require.NotNil(t, fs["web_search"].DisplayName)

	var set struct {
		Enablement map[string]bool `json:"enablement"`
	}
	m := s.callResult("experimentalFeature/enablement/set", map[string]any{"enablement": map[string]any{
		"web_search": true, "view_image": true, "no_such_feature": true}}, &set)
	checkV2(t, "experimentalFeature/enablement/set", m.Result, "result")
	assert.Equal(t, map[string]bool{"web_search": true, "view_image": true}, set.Enablement)
	data, err := os.ReadFile(s.configPath())
	require.NoError(t, err)
	assert.Contains(t, string(data), "[features]\nview_image = true\nweb_search = true\n")
	assert.Contains(t, string(data), "# my settings\n", "the rest of the file is kept")
	fs = byName(list(map[string]any{}))
	assert.True(t, fs["web_search"].Enabled)
	assert.True(t, fs["view_image"].Enabled, "[features] wins over tools.view_image")

	s.callResult("experimentalFeature/enablement/set", map[string]any{"enablement": map[string]any{"web_search": false}}, &set)
	assert.False(t, byName(list(map[string]any{}))["web_search"].Enabled)
	assert.Equal(t, false, s.readConfig(map[string]any{}).Config["features"].(map[string]any)["web_search"])

	// Pages.
	first := list(map[string]any{"limit": 1})
	require.Len(t, first.Data, 1)
	require.NotNil(t, first.NextCursor)
	second := list(map[string]any{"limit": 1, "cursor": *first.NextCursor})
	require.Len(t, second.Data, 1)
	assert.NotEqual(t, first.Data[0].Name, second.Data[0].Name)

	for _, params := range []map[string]any{
		{"cursor": "not-a-number"},
		{"threadId": "00000000-0000-0000-0000-000000000000"},
	} {
		m := s.call("experimentalFeature/list", params)
		require.NotNil(t, m.Error, m.Raw)
	}
	m = s.call("experimentalFeature/enablement/set", map[string]any{})
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, int64(-32602), m.Error.Code)

	var req struct {
		Requirements                  any   `json:"requirements"`
		SupportsIndependentSpeedModes *bool `json:"supportsIndependentSpeedModes"`
	}
	m = s.callResult("configRequirements/read", nil, &req)
	checkV2(t, "configRequirements/read", m.Result, "result")
	assert.Nil(t, req.Requirements)
}
