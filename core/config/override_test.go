package config

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseOverride(t *testing.T) {
	tests := []struct {
		in       string
		wantPath string
		want     any
	}{
		{"model=o3", "model", "o3"},
		{"model=gpt-5-codex", "model", "gpt-5-codex"},
		{`model="quoted"`, "model", "quoted"},
		{" model = spaced ", "model", "spaced"},
		{"a.b.c=1", "a.b.c", int64(1)},
		{"x=-3", "x", int64(-3)},
		{"x=1.5", "x", 1.5},
		{"x=true", "x", true},
		{"x=false", "x", false},
		{"x=[1,2]", "x", []any{int64(1), int64(2)}},
		{`x=["a", "b"]`, "x", []any{"a", "b"}},
		{"x={a=1}", "x", map[string]any{"a": int64(1)}},
		{`x={a={b="c"}}`, "x", map[string]any{"a": map[string]any{"b": "c"}}},
		{`x={"a": 1, "b": [true, null]}`, "x", `{"a": 1, "b": [true, null]}`},
		{`x={"a": 1, "b": [true]}`, "x", map[string]any{"a": int64(1), "b": []any{true}}},
		{`x={"n": 2.0}`, "x", map[string]any{"n": int64(2)}},
		{"x=null", "x", "null"},
		{"x=", "x", ""},
		{"x=a=b", "x", "a=b"},
		{"x=1\ny=2", "x", "1\ny=2"},
		{"x=hello world", "x", "hello world"},
		{`shell_environment_policy.set.PATH=/usr/bin`, "shell_environment_policy.set.PATH", "/usr/bin"},
		{`model_providers."my.host".name=H`, `model_providers."my.host".name`, "H"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseOverride(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.wantPath, got.Path)
			assert.Equal(t, tt.want, got.Value)
		})
	}
}

func TestParseOverrideErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"model", "expected key=value"},
		{"", "expected key=value"},
		{"=x", "empty key"},
		{"  =x", "empty key"},
		{"a..b=1", "empty key segment"},
		{"a.=1", "empty key segment"},
		{`"a=1`, "unterminated"},
		{`"a"b=1`, "unexpected"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseOverride(tt.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), strconv.Quote(tt.in))
		})
	}
}

func TestSplitKeyPath(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a", []string{"a"}},
		{"a.b.c", []string{"a", "b", "c"}},
		{" a . b ", []string{"a", "b"}},
		{`a."b.c".d`, []string{"a", "b.c", "d"}},
		{`a.'b.c'`, []string{"a", "b.c"}},
		{`"esc\"aped"`, []string{`esc"aped`}},
		{`"".x`, []string{"", "x"}},
	}
	for _, tt := range tests {
		got, err := splitKeyPath(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestOverridesFromJSON(t *testing.T) {
	got, err := OverridesFromJSON(map[string]any{
		"model":             "m",
		"tools":             map[string]any{"web_search": true},
		"a.b":               float64(3),
		"history.max_bytes": float64(1.5),
	})
	require.NoError(t, err)
	assert.Equal(t, []Override{
		{Path: "a.b", Value: int64(3)},
		{Path: "history.max_bytes", Value: 1.5},
		{Path: "model", Value: "m"},
		{Path: "tools", Value: map[string]any{"web_search": true}},
	}, got)

	empty, err := OverridesFromJSON(nil)
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func TestOverridesFromJSONErrors(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]any
		want string
	}{
		{"null value", map[string]any{"model": nil}, `config key "model": null is not representable in TOML`},
		{"nested null", map[string]any{"tools": map[string]any{"web_search": nil}}, `config key "tools": key "web_search": null`},
		{"bad key", map[string]any{"a..b": "x"}, `config key "a..b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OverridesFromJSON(tt.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestApplyOverridesCopiesValues(t *testing.T) {
	value := map[string]any{"a": int64(1)}
	ovs, err := resolveOverrides([]Override{{Path: "t", Value: value}, {Path: "t.b", Value: int64(2)}})
	require.NoError(t, err)
	tree := map[string]any{"t": "replaced", "keep": true}
	applyOverrides(tree, ovs)
	assert.Equal(t, map[string]any{"t": map[string]any{"a": int64(1), "b": int64(2)}, "keep": true}, tree)
	assert.Equal(t, map[string]any{"a": int64(1)}, value, "caller's value untouched")
}

func TestPathsOverlap(t *testing.T) {
	assert.True(t, pathsOverlap([]string{"a"}, []string{"a", "b"}))
	assert.True(t, pathsOverlap([]string{"a", "b"}, []string{"a"}))
	assert.True(t, pathsOverlap([]string{"a", "b"}, []string{"a", "b"}))
	assert.False(t, pathsOverlap([]string{"a", "b"}, []string{"a", "c"}))
	assert.False(t, pathsOverlap([]string{"x"}, []string{"a"}))
}
