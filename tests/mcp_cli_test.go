package tests

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mcpRun runs codex with CODEX_HOME set to home and returns its stdout,
// stderr and exit status.
func mcpRun(t *testing.T, home string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(codexBin, args...)
	cmd.Env = append(filteredEnv(), "CODEX_HOME="+home)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return out.String(), errOut.String(), code
}

// mcpStep is one command and what it must print.
type mcpStep struct {
	args       []string
	wantStdout string
	wantCode   int
	// wantStderr must appear in stderr; stdout is then expected empty.
	wantStderr string
}

func runMCPSteps(t *testing.T, home string, steps []mcpStep) {
	t.Helper()
	for _, st := range steps {
		stdout, stderr, code := mcpRun(t, home, st.args...)
		assert.Equal(t, st.wantCode, code, "%v: %s", st.args, stderr)
		if st.wantStderr != "" {
			assert.Contains(t, stderr, st.wantStderr, "%v", st.args)
			assert.Empty(t, stdout, "%v", st.args)
			continue
		}
		assert.Equal(t, st.wantStdout, stdout, "%v", st.args)
		assert.Empty(t, stderr, "%v", st.args)
	}
}

// TestMCPCLIReferenceSequence replays the reference's session: from no
// config at all, add, replace, list, get and remove servers.
func TestMCPCLIReferenceSequence(t *testing.T) {
	home := filepath.Join(t.TempDir(), "codex-home")
	const noServers = "No MCP servers configured yet. Try `codex mcp add my-tool -- my-command`.\n"
	runMCPSteps(t, home, []mcpStep{
		{args: []string{"mcp", "list"}, wantStdout: noServers},
		{args: []string{"mcp", "list", "--json"}, wantStdout: "[]\n"},
		{args: []string{"mcp", "add", "srv1", "--", "npx", "-y", "some-server", "--flag"}, wantStdout: "Added global MCP server 'srv1'.\n"},
		{args: []string{"mcp", "add", "srv2", "--env", "FOO=bar", "--env", "BAZ=qux", "--", "/usr/bin/foo", "arg1"}, wantStdout: "Added global MCP server 'srv2'.\n"},
		{args: []string{"mcp", "add", "srv1", "--", "other"}, wantStdout: "Added global MCP server 'srv1'.\n"},
		{args: []string{"mcp", "add", "bad name!", "--", "x"}, wantCode: 1, wantStderr: "invalid server name 'bad name!' (use letters, numbers, '-', '_')"},
		{args: []string{"mcp", "add", "srv3"}, wantCode: 1, wantStderr: "command is required"},
		{args: []string{"mcp", "get", "nope"}, wantCode: 1, wantStderr: "No MCP server named 'nope' found."},
		{args: []string{"mcp", "get", "nope", "--json"}, wantCode: 1, wantStderr: "No MCP server named 'nope' found."},
	})

	path := filepath.Join(home, "config.toml")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, `[mcp_servers.srv1]
command = "other"

[mcp_servers.srv2]
command = "/usr/bin/foo"
args = ["arg1"]

[mcp_servers.srv2.env]
BAZ = "qux"
FOO = "bar"
`, string(data))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	srv1JSON := `{
  "name": "srv1",
  "transport": {
    "type": "stdio",
    "command": "other",
    "args": [],
    "env": null
  },
  "startup_timeout_sec": null,
  "tool_timeout_sec": null
}
`
	runMCPSteps(t, home, []mcpStep{
		{args: []string{"mcp", "list"}, wantStdout: "" +
			"Name  Command       Args  Env             \n" +
			"srv1  other         -     -               \n" +
			"srv2  /usr/bin/foo  arg1  BAZ=qux, FOO=bar\n"},
		{args: []string{"mcp", "list", "--json"}, wantStdout: `[
  {
    "name": "srv1",
    "transport": {
      "type": "stdio",
      "command": "other",
      "args": [],
      "env": null
    },
    "startup_timeout_sec": null,
    "tool_timeout_sec": null
  },
  {
    "name": "srv2",
    "transport": {
      "type": "stdio",
      "command": "/usr/bin/foo",
      "args": [
        "arg1"
      ],
      "env": {
        "BAZ": "qux",
        "FOO": "bar"
      }
    },
    "startup_timeout_sec": null,
    "tool_timeout_sec": null
  }
]
`},
		{args: []string{"mcp", "get", "srv2"}, wantStdout: "srv2\n  transport: stdio\n  command: /usr/bin/foo\n  args: arg1\n" +
			"  env: BAZ=qux, FOO=bar\n  remove: codex mcp remove srv2\n"},
		{args: []string{"mcp", "get", "srv1"}, wantStdout: "srv1\n  transport: stdio\n  command: other\n  args: -\n" +
			"  env: -\n  remove: codex mcp remove srv1\n"},
		{args: []string{"mcp", "get", "srv1", "--json"}, wantStdout: srv1JSON},
		{args: []string{"mcp", "remove", "srv1"}, wantStdout: "Removed global MCP server 'srv1'.\n"},
		{args: []string{"mcp", "remove", "srv1"}, wantStdout: "No MCP server named 'srv1' found.\n"},
		{args: []string{"mcp", "get", "srv1"}, wantCode: 1, wantStderr: "No MCP server named 'srv1' found."},
	})
	data, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "[mcp_servers.srv2]\ncommand = \"/usr/bin/foo\"\nargs = [\"arg1\"]\n\n[mcp_servers.srv2.env]\nBAZ = \"qux\"\nFOO = \"bar\"\n", string(data))
}

// mcpUserConfig is a hand-written config.toml with plenty around the
// servers.
const mcpUserConfig = `# My Codex settings.
model = "gpt-5"  # the default
notify = [
  "notify-send",
  "Codex", # title
]
instructions = """
Keep answers short.
[mcp_servers.fake]
command = "inside a string"
"""

[profiles.fast]
model = "o3"

# Local model server.
[model_providers.local]
name = "Local"
base_url = "http://localhost:8080/v1"
wire_api = "chat"

[mcp_servers.docs]
command = "docs-mcp"
args = ["--stdio"]
env = { TOKEN = "x" }
tool_timeout_sec = 30

[mcp_servers."my.server"]
command = "quoted"

# Filesystem access.
[mcp_servers.fs]  # keep me?
command = "fs-server"
args = [
  "--root",
  "/srv",
]

[mcp_servers.fs.env]
LOG = "debug"

[shell_environment_policy]
inherit = "core"
`

// TestMCPCLIEditsInPlace edits a hand-written config.toml through the
// binary and checks that everything but the edited server stays byte for
// byte, and that the file keeps its mode.
func TestMCPCLIEditsInPlace(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, "config.toml")
	require.NoError(t, os.WriteFile(path, []byte(mcpUserConfig), 0o644))
	require.NoError(t, os.Chmod(path, 0o644))

	fsTables := `[mcp_servers.fs]  # keep me?
command = "fs-server"
args = [
  "--root",
  "/srv",
]

[mcp_servers.fs.env]
LOG = "debug"

`
	replaced := strings.Replace(mcpUserConfig, fsTables, `[mcp_servers.fs]
command = "fs2"
args = ["--ro"]

[mcp_servers.fs.env]
A = "1"

`, 1)
	require.NotEqual(t, mcpUserConfig, replaced)
	withoutFS := strings.Replace(mcpUserConfig, fsTables, "", 1)
	require.NotEqual(t, mcpUserConfig, withoutFS)
	withoutQuoted := strings.Replace(withoutFS, "[mcp_servers.\"my.server\"]\ncommand = \"quoted\"\n\n", "", 1)
	require.NotEqual(t, withoutFS, withoutQuoted)

	steps := []struct {
		args []string
		want string
	}{
		{args: []string{"mcp", "add", "new-tool", "--env", "K=v=w", "--", "tool", "--flag", "a b"},
			want: mcpUserConfig + "\n[mcp_servers.new-tool]\ncommand = \"tool\"\nargs = [\"--flag\", \"a b\"]\n\n[mcp_servers.new-tool.env]\nK = \"v=w\"\n"},
		{args: []string{"mcp", "remove", "new-tool"}, want: mcpUserConfig},
		{args: []string{"mcp", "add", "fs", "--env", "A=1", "--", "fs2", "--ro"}, want: replaced},
		{args: []string{"mcp", "remove", "fs"}, want: withoutFS},
		{args: []string{"mcp", "remove", "my.server"}, want: withoutQuoted},
	}
	for _, st := range steps {
		_, stderr, code := mcpRun(t, home, st.args...)
		require.Equal(t, 0, code, "%v: %s", st.args, stderr)
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, st.want, string(data), "%v", st.args)
		info, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o644), info.Mode().Perm(), "%v", st.args)
	}
	entries, err := os.ReadDir(home)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")
}

// TestMCPCLIListFormats reads servers written by hand, with timeouts and a
// streamable HTTP server.
func TestMCPCLIListFormats(t *testing.T) {
	home := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(`
[mcp_servers.local]
command = "node"
args = ["server.js", "--port", "1"]
startup_timeout_ms = 2000

[mcp_servers.web]
url = "https://example.com/mcp"
bearer_token_env_var = "WEB_TOKEN"
startup_timeout_sec = 5
tool_timeout_sec = 30.5

[mcp_servers.off]
url = "https://off.example.com"
http_headers = { A = "b" }
env_http_headers = { C = "D" }
enabled = false
`), 0o600))

	runMCPSteps(t, home, []mcpStep{
		{args: []string{"mcp", "list"}, wantStdout: "" +
			"Name   Command  Args                Env\n" +
			"local  node     server.js --port 1  -  \n" +
			"\n" +
			"Name  Url                      Bearer Token Env Var  Status    Auth        \n" +
			"off   https://off.example.com  -                     disabled  Unsupported \n" +
			"web   https://example.com/mcp  WEB_TOKEN             enabled   Bearer token\n"},
		{args: []string{"mcp", "get", "off"}, wantStdout: "off (disabled)\n"},
		{args: []string{"mcp", "get", "off", "--json"}, wantStdout: `{
  "name": "off",
  "transport": {
    "type": "streamable_http",
    "url": "https://off.example.com",
    "bearer_token_env_var": null,
    "http_headers": {
      "A": "b"
    },
    "env_http_headers": {
      "C": "D"
    },
    "http_headers_helper": null
  },
  "startup_timeout_sec": null,
  "tool_timeout_sec": null
}
`},
		{args: []string{"mcp", "get", "local"}, wantStdout: "local\n  transport: stdio\n  command: node\n  args: server.js --port 1\n" +
			"  env: -\n  startup_timeout_sec: 2\n  remove: codex mcp remove local\n"},
		{args: []string{"mcp", "get", "web"}, wantStdout: "web\n  enabled: true\n  transport: streamable_http\n  url: https://example.com/mcp\n" +
			"  bearer_token_env_var: WEB_TOKEN\n  http_headers: -\n  env_http_headers: -\n  http_headers_helper: -\n" +
			"  startup_timeout_sec: 5\n  tool_timeout_sec: 30.5\n  remove: codex mcp remove web\n"},
		{args: []string{"mcp", "get", "web", "--json"}, wantStdout: `{
  "name": "web",
  "transport": {
    "type": "streamable_http",
    "url": "https://example.com/mcp",
    "bearer_token_env_var": "WEB_TOKEN",
    "http_headers": null,
    "env_http_headers": null,
    "http_headers_helper": null
  },
  "startup_timeout_sec": 5.0,
  "tool_timeout_sec": 30.5
}
`},
		{args: []string{"mcp", "get", "local", "--json"}, wantStdout: `{
  "name": "local",
  "transport": {
    "type": "stdio",
    "command": "node",
    "args": [
      "server.js",
      "--port",
      "1"
    ],
    "env": null
  },
  "startup_timeout_sec": 2.0,
  "tool_timeout_sec": null
}
`},
	})
}

// TestMCPCLIAddURL adds streamable HTTP servers as the reference's session
// does and checks the TOML written.
func TestMCPCLIAddURL(t *testing.T) {
	home := t.TempDir()
	runMCPSteps(t, home, []mcpStep{
		{args: []string{"mcp", "add", "http1", "--url", "https://mcp.example.com/mcp", "--bearer-token-env-var", "MY_TOKEN"},
			wantStdout: "Added global MCP server 'http1'.\n"},
		{args: []string{"mcp", "add", "http2", "--url", "https://mcp2.example.com/mcp", "--oauth-client-id", "cid123",
			"--oauth-client-secret", "sec", "--oauth-resource", "https://res.example.com"},
			wantStdout: "Added global MCP server 'http2'.\n"},
		{args: []string{"mcp", "add", "bad", "--url", "https://x.example.com", "--env", "A=B"}, wantCode: 1, wantStderr: "command is required"},
		{args: []string{"mcp", "add", "bad", "--url", "https://x.example.com", "--", "cmd"}, wantCode: 1, wantStderr: "command is required"},
		{args: []string{"mcp", "add", "bad", "--bearer-token-env-var", "T", "--", "cmd"}, wantCode: 1, wantStderr: "only valid with --url"},
		{args: []string{"mcp", "list"}, wantStdout: "" +
			"Name   Url                           Bearer Token Env Var  Status   Auth        \n" +
			"http1  https://mcp.example.com/mcp   MY_TOKEN              enabled  Bearer token\n" +
			"http2  https://mcp2.example.com/mcp  -                     enabled  Unknown     \n"},
	})
	data, err := os.ReadFile(filepath.Join(home, "config.toml"))
	require.NoError(t, err)
	assert.Equal(t, `[mcp_servers.http1]
url = "https://mcp.example.com/mcp"
bearer_token_env_var = "MY_TOKEN"

[mcp_servers.http2]
url = "https://mcp2.example.com/mcp"
oauth_resource = "https://res.example.com"

[mcp_servers.http2.oauth]
client_id = "cid123"
client_secret = "sec"
`, string(data))
}

// TestMCPCLIErrors covers command lines and config files that are refused.
func TestMCPCLIErrors(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, "config.toml")
	const broken = "model = \"o3\"\n\n[mcp_servers.a]\ncommand = \"x\"\nargs = [\n"
	require.NoError(t, os.WriteFile(path, []byte(broken), 0o600))

	runMCPSteps(t, home, []mcpStep{
		{args: []string{"mcp", "add", "b", "--", "y"}, wantCode: 1, wantStderr: path + ": line "},
		{args: []string{"mcp", "remove", "a"}, wantCode: 1, wantStderr: path + ": line "},
		{args: []string{"mcp", "list"}, wantCode: 1, wantStderr: path + ": line "},
		{args: []string{"mcp", "get", "a"}, wantCode: 1, wantStderr: path + ": line "},
		{args: []string{"mcp", "add", "my.server", "--", "y"}, wantCode: 1, wantStderr: "invalid server name 'my.server'"},
		{args: []string{"mcp", "add", "", "--", "y"}, wantCode: 1, wantStderr: "invalid server name ''"},
		{args: []string{"mcp", "add", "ok", "--"}, wantCode: 1, wantStderr: "command is required"},
		{args: []string{"mcp", "add", "ok", "--env", "NOVALUE", "--", "y"}, wantCode: 2, wantStderr: `invalid --env "NOVALUE": expected KEY=VALUE`},
		{args: []string{"mcp", "add", "ok", "--env", "=v", "--", "y"}, wantCode: 2, wantStderr: `invalid --env "=v"`},
		{args: []string{"mcp", "add", "--", "y"}, wantCode: 2, wantStderr: "missing server NAME"},
		{args: []string{"mcp", "add", "a", "b", "--", "y"}, wantCode: 2, wantStderr: "unexpected arguments before --: b"},
		{args: []string{"mcp", "get"}, wantCode: 2, wantStderr: "accepts 1 arg(s), received 0"},
		{args: []string{"mcp", "remove", "a", "b"}, wantCode: 2, wantStderr: "accepts 1 arg(s), received 2"},
	})
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, broken, string(data), "a config that does not parse is left alone")

	// A server entry of the wrong shape is reported by list and get, and
	// can still be replaced or removed.
	require.NoError(t, os.WriteFile(path, []byte("[mcp_servers.a]\nargs = \"x\"\n"), 0o600))
	runMCPSteps(t, home, []mcpStep{
		{args: []string{"mcp", "list"}, wantCode: 1, wantStderr: path + ": mcp_servers.a.args: expected an array of strings, got a string"},
		{args: []string{"mcp", "add", "a", "--", "fixed"}, wantStdout: "Added global MCP server 'a'.\n"},
		{args: []string{"mcp", "list"}, wantStdout: "Name  Command  Args  Env\na     fixed    -     -  \n"},
		{args: []string{"mcp", "remove", "a"}, wantStdout: "Removed global MCP server 'a'.\n"},
	})
	data, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Empty(t, string(data))
}
