package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/configedit"
)

func TestParseEnvPairs(t *testing.T) {
	env, err := parseEnvPairs([]string{"A=1", "B=x=y", "A=2", "EMPTY="})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "2", "B": "x=y", "EMPTY": ""}, env)

	env, err = parseEnvPairs(nil)
	require.NoError(t, err)
	assert.Nil(t, env)

	for _, bad := range []string{"A", "=1", ""} {
		_, err := parseEnvPairs([]string{bad})
		assert.Error(t, err, bad)
	}
}

func TestSecondsJSON(t *testing.T) {
	for in, want := range map[float64]string{0: "0.0", 5: "5.0", 30.5: "30.5", 0.25: "0.25", 120: "120.0"} {
		out, err := json.Marshal(seconds(in))
		require.NoError(t, err)
		assert.Equal(t, want, string(out))
	}
}

func TestWriteServerTables(t *testing.T) {
	tests := []struct {
		name    string
		servers []configedit.MCPServer
		want    string
	}{
		{name: "none", want: noServersMessage + "\n"},
		{
			name:    "only http",
			servers: []configedit.MCPServer{{Name: "w", URL: "https://x"}},
			want:    "Name  Url        Bearer Token Env Var  Status   Auth   \nw     https://x  -                     enabled  Unknown\n",
		},
		{
			name: "wide characters count once",
			servers: []configedit.MCPServer{
				{Name: "é", Command: "ünï", Env: map[string]string{"Z": "1", "A": "é"}},
				{Name: "long-name", Command: "c", Args: []string{"a", "b"}},
			},
			want: "" +
				"Name       Command  Args  Env     \n" +
				"é          ünï      -     A=é, Z=1\n" +
				"long-name  c        a b   -       \n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			require.NoError(t, writeServerTables(&b, tt.servers))
			assert.Equal(t, tt.want, b.String())
		})
	}
}

func TestMCPServerViewJSON(t *testing.T) {
	var b strings.Builder
	require.NoError(t, writeJSON(&b, newMCPServerView(configedit.MCPServer{Name: "w", URL: "https://x/?a=1&b=<2>"})))
	assert.Equal(t, `{
  "name": "w",
  "transport": {
    "type": "streamable_http",
    "url": "https://x/?a=1&b=<2>",
    "bearer_token_env_var": null,
    "http_headers": null,
    "env_http_headers": null,
    "http_headers_helper": null
  },
  "startup_timeout_sec": null,
  "tool_timeout_sec": null
}
`, b.String())
}
