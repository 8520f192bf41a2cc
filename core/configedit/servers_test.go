package configedit

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateServerName(t *testing.T) {
	for _, name := range []string{"a", "my-tool", "my_tool", "Tool2", "0"} {
		assert.NoError(t, ValidateServerName(name), name)
	}
	for _, name := range []string{"", "bad name!", "my.server", "ünï", "a/b", "a b", `"q"`} {
		err := ValidateServerName(name)
		require.Error(t, err, name)
		assert.Equal(t, "invalid server name '"+name+"' (use letters, numbers, '-', '_')", err.Error())
	}
}

func TestParseMCPServers(t *testing.T) {
	doc := `model = "o3"

[mcp_servers.zeta]
command = "zeta"
args = []
env = {}

[mcp_servers.alpha]
command = "node"
args = ["server.js", "--port", "1"]
startup_timeout_ms = 2500
tool_timeout_sec = 30

[mcp_servers.alpha.env]
B = "2"
A = "1"

[mcp_servers.web]
url = "https://example.com/mcp"
bearer_token = "secret-token"
startup_timeout_sec = 5.0
startup_timeout_ms = 100
tool_timeout_sec = 30.5
unknown = "ignored"

[mcp_servers]
"my.server" = { command = "q" }
`
	servers, err := ParseMCPServers([]byte(doc))
	require.NoError(t, err)
	assert.Equal(t, []MCPServer{
		{Name: "alpha", Command: "node", Args: []string{"server.js", "--port", "1"}, Env: map[string]string{"A": "1", "B": "2"},
			StartupTimeoutSec: ptr(2.5), ToolTimeoutSec: ptr(30)},
		{Name: "my.server", Command: "q"},
		{Name: "web", URL: "https://example.com/mcp", BearerToken: "secret-token", StartupTimeoutSec: ptr(5), ToolTimeoutSec: ptr(30.5)},
		{Name: "zeta", Command: "zeta", Args: []string{}, Env: map[string]string{}},
	}, servers)
	assert.Equal(t, TransportStdio, servers[0].Transport())
	assert.Equal(t, TransportStreamableHTTP, servers[2].Transport())

	none, err := ParseMCPServers(nil)
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestParseMCPServersErrors(t *testing.T) {
	tests := []struct {
		doc, wantErr string
	}{
		{"[mcp_servers.a]\nargs = [\"x\"]\n", `mcp_servers.a: missing "command"`},
		{"[mcp_servers.a]\ncommand = \"x\"\nurl = \"u\"\n", "mcp_servers.a: set either command or url, not both"},
		{"[mcp_servers.a]\ncommand = 1\n", "mcp_servers.a.command: expected a string, got an integer"},
		{"[mcp_servers.a]\ncommand = \"x\"\nargs = \"x\"\n", "mcp_servers.a.args: expected an array of strings, got a string"},
		{"[mcp_servers.a]\ncommand = \"x\"\nargs = [1]\n", "mcp_servers.a.args: expected an array of strings, got an array"},
		{"[mcp_servers.a]\ncommand = \"x\"\nenv = \"x\"\n", "mcp_servers.a.env: expected a table of strings, got a string"},
		{"[mcp_servers.\"a.b\"]\ncommand = \"x\"\nenv = { \"K.1\" = true }\n", `mcp_servers."a.b".env."K.1": expected a string, got a boolean`},
		{"[mcp_servers.a]\ncommand = \"x\"\ntool_timeout_sec = \"1\"\n", "mcp_servers.a.tool_timeout_sec: expected a number of seconds, got a string"},
		{"[mcp_servers.a]\ncommand = \"x\"\nstartup_timeout_sec = -1\n", "mcp_servers.a.startup_timeout_sec: expected a non-negative number of seconds"},
		{"[mcp_servers.a]\ncommand = \"x\"\nstartup_timeout_ms = 1.5\n", "mcp_servers.a.startup_timeout_ms: expected a non-negative integer"},
		{"mcp_servers = 1\n", "mcp_servers: expected a table, got an integer"},
		{"[mcp_servers]\na = 1979-05-27\n", "mcp_servers.a: expected a table, got a date or time"},
		{"x = = 1\n", "line 1:"},
	}
	for _, tt := range tests {
		_, err := ParseMCPServers([]byte(tt.doc))
		require.Error(t, err, tt.doc)
		assert.Contains(t, err.Error(), tt.wantErr)
	}
}
