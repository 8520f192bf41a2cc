package configedit

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// richConfig has a bit of everything around the servers: comments, arrays
// and multi-line strings whose lines look like table headers, profiles,
// providers, arrays of tables and quoted server names.
const richConfig = `# Global settings
model = "gpt-5"   # trailing comment
approval_policy = "on-request"
notify = [
  "notify-send",
[ "nested" ],
  "--urgency=low", # comment inside an array
]
instructions = """
Be brief.
[mcp_servers.fake]
command = "not a table"
\"""
"""
literal = '''
[[mcp_servers.fake]]
'''
started = 1979-05-27 07:32:00Z

[profiles.fast]
model = "o3"
model_reasoning_effort = "low"

# The local provider.
[model_providers.local]
name = "Local"
base_url = "http://localhost:8080/v1"
http_headers = { "X-Trace" = "1", Auth = "none" }

[mcp_servers.alpha]
command = "alpha-server"
args = ["--stdio"]
# note about alpha

[ mcp_servers . "my.server" ]
command = "dotted"

[mcp_servers.target]  # the one we edit
command = "old"
args = [
  "--port",
"[8080]",
]
startup_timeout_sec = 5

[mcp_servers.target.env]
OLD = "1"

# Zeta comes last.
[mcp_servers.zeta]
command = "zeta"

[[tools_list]]
name = "a"

[shell_environment_policy]
inherit = "core"
`

// replaceOnce replaces the single occurrence of old in s.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	require.Equal(t, 1, strings.Count(s, old), "fragment %q", old)
	return strings.Replace(s, old, new, 1)
}

func TestSetMCPServer(t *testing.T) {
	newTarget := MCPServer{Name: "target", Command: "new", Args: []string{"a b", "c"}, Env: map[string]string{"K": "v", "A": "x"}}
	tests := []struct {
		name string
		doc  string
		srv  MCPServer
		want func(t *testing.T) string
	}{
		{
			name: "replace in place, subtable removed",
			doc:  richConfig,
			srv:  newTarget,
			want: func(t *testing.T) string {
				s := replaceOnce(t, richConfig, `[mcp_servers.target]  # the one we edit
command = "old"
args = [
  "--port",
"[8080]",
]
startup_timeout_sec = 5

[mcp_servers.target.env]
OLD = "1"

`, `[mcp_servers.target]
command = "new"
args = ["a b", "c"]

[mcp_servers.target.env]
A = "x"
K = "v"

`)
				return s
			},
		},
		{
			name: "new server appended",
			doc:  richConfig,
			srv:  MCPServer{Name: "beta", Command: "npx", Args: []string{"-y", "some-server"}},
			want: func(*testing.T) string {
				return richConfig + "\n[mcp_servers.beta]\ncommand = \"npx\"\nargs = [\"-y\", \"some-server\"]\n"
			},
		},
		{
			name: "quoted name replaced in place",
			doc:  richConfig,
			srv:  MCPServer{Name: "my.server", Command: "other"},
			want: func(t *testing.T) string {
				return replaceOnce(t, richConfig, "[ mcp_servers . \"my.server\" ]\ncommand = \"dotted\"\n",
					"[mcp_servers.\"my.server\"]\ncommand = \"other\"\n")
			},
		},
		{
			name: "comment after the last key is part of the table",
			doc:  richConfig,
			srv:  MCPServer{Name: "alpha", Command: "a2"},
			want: func(t *testing.T) string {
				return replaceOnce(t, richConfig, "[mcp_servers.alpha]\ncommand = \"alpha-server\"\nargs = [\"--stdio\"]\n# note about alpha\n",
					"[mcp_servers.alpha]\ncommand = \"a2\"\n")
			},
		},
		{
			name: "comment above the next header is kept",
			doc:  "[mcp_servers.a]\ncommand = \"x\"\n# about b\n[b]\nk = 1\n",
			srv:  MCPServer{Name: "a", Command: "y", Env: map[string]string{"E": "1"}},
			want: func(*testing.T) string {
				return "[mcp_servers.a]\ncommand = \"y\"\n\n[mcp_servers.a.env]\nE = \"1\"\n# about b\n[b]\nk = 1\n"
			},
		},
		{
			name: "empty document",
			doc:  "",
			srv:  MCPServer{Name: "srv2", Command: "/usr/bin/foo", Args: []string{"arg1"}, Env: map[string]string{"FOO": "bar", "BAZ": "qux"}},
			want: func(*testing.T) string {
				return "[mcp_servers.srv2]\ncommand = \"/usr/bin/foo\"\nargs = [\"arg1\"]\n\n[mcp_servers.srv2.env]\nBAZ = \"qux\"\nFOO = \"bar\"\n"
			},
		},
		{
			name: "no newline at the end",
			doc:  "model = \"o3\"",
			srv:  MCPServer{Name: "s", Command: "c"},
			want: func(*testing.T) string { return "model = \"o3\"\n\n[mcp_servers.s]\ncommand = \"c\"\n" },
		},
		{
			name: "blank line at the end is reused",
			doc:  "model = \"o3\"\n\n",
			srv:  MCPServer{Name: "s", Command: "c"},
			want: func(*testing.T) string { return "model = \"o3\"\n\n[mcp_servers.s]\ncommand = \"c\"\n" },
		},
		{
			name: "CRLF line endings",
			doc:  "# c\r\nmodel = \"o3\"\r\n\r\n[mcp_servers.s]\r\ncommand = \"old\"\r\n\r\n[x]\r\ny = 1\r\n",
			srv:  MCPServer{Name: "s", Command: "c", Env: map[string]string{"A": "b"}},
			want: func(*testing.T) string {
				return "# c\r\nmodel = \"o3\"\r\n\r\n[mcp_servers.s]\r\ncommand = \"c\"\r\n\r\n[mcp_servers.s.env]\r\nA = \"b\"\r\n\r\n[x]\r\ny = 1\r\n"
			},
		},
		{
			name: "inline table under [mcp_servers] becomes a table at the end",
			doc: "[mcp_servers]\n# the servers\ninl = { command = \"inline\", args = [\"x\"] }   # inline\nkeep = { command = \"k\" }\n" +
				"multi = { command = \"m\", env = { A = \"1\",\n  B = \"2\" } }\n\n[other]\nx = 1\n",
			srv: MCPServer{Name: "inl", Command: "now-a-table"},
			want: func(*testing.T) string {
				return "[mcp_servers]\n# the servers\nkeep = { command = \"k\" }\n" +
					"multi = { command = \"m\", env = { A = \"1\",\n  B = \"2\" } }\n\n[other]\nx = 1\n" +
					"\n[mcp_servers.inl]\ncommand = \"now-a-table\"\n"
			},
		},
		{
			name: "multi-line inline table",
			doc: "[mcp_servers]\nkeep = { command = \"k\" }\n" +
				"multi = { command = \"m\", env = { A = \"1\",\n  B = \"2\" } }\n\n[other]\nx = 1\n",
			srv: MCPServer{Name: "multi", Command: "m2"},
			want: func(*testing.T) string {
				return "[mcp_servers]\nkeep = { command = \"k\" }\n\n[other]\nx = 1\n\n[mcp_servers.multi]\ncommand = \"m2\"\n"
			},
		},
		{
			name: "dotted keys under [mcp_servers]",
			doc:  "[mcp_servers]\ndd.command = \"dd\"\nother.command = \"o\"\ndd.args = [\"1\"]\n",
			srv:  MCPServer{Name: "dd", Command: "d2"},
			want: func(*testing.T) string {
				return "[mcp_servers]\nother.command = \"o\"\n\n[mcp_servers.dd]\ncommand = \"d2\"\n"
			},
		},
		{
			name: "dotted keys at the top level",
			doc:  "top = 1\nmcp_servers.dot.command = \"root-dotted\"\nmcp_servers.dot.args = [\"a\"]\n\n[other]\nx = 1\n",
			srv:  MCPServer{Name: "dot", Command: "d"},
			want: func(*testing.T) string {
				return "top = 1\n\n[other]\nx = 1\n\n[mcp_servers.dot]\ncommand = \"d\"\n"
			},
		},
		{
			name: "dotted env key inside the table and a table elsewhere",
			doc:  "[mcp_servers.s]\ncommand = \"c\"\nenv.A = \"1\"\n\n[x]\ny = 1\n\n[mcp_servers.s.extra]\nz = 2\n",
			srv:  MCPServer{Name: "s", Command: "c2"},
			want: func(*testing.T) string {
				return "[mcp_servers.s]\ncommand = \"c2\"\n\n[x]\ny = 1\n"
			},
		},
		{
			name: "escaped values and keys",
			doc:  "",
			srv: MCPServer{Name: "esc", Command: "C:\\bin\\\"tool\"", Args: []string{"line\nbreak", "tab\there", "ünï", "\x01"},
				Env: map[string]string{"MY.KEY": "v", "plain": "a'b"}},
			want: func(*testing.T) string {
				return "[mcp_servers.esc]\ncommand = \"C:\\\\bin\\\\\\\"tool\\\"\"\n" +
					"args = [\"line\\nbreak\", \"tab\\there\", \"ünï\", \"\\u0001\"]\n\n" +
					"[mcp_servers.esc.env]\n\"MY.KEY\" = \"v\"\nplain = \"a'b\"\n"
			},
		},
		{
			name: "timeouts and url",
			doc:  "",
			srv:  MCPServer{Name: "web", URL: "https://example.com/mcp", BearerToken: "tok", StartupTimeoutSec: ptr(5), ToolTimeoutSec: ptr(30.5)},
			want: func(*testing.T) string {
				return "[mcp_servers.web]\nurl = \"https://example.com/mcp\"\nbearer_token = \"tok\"\n" +
					"startup_timeout_sec = 5.0\ntool_timeout_sec = 30.5\n"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SetMCPServer([]byte(tt.doc), tt.srv)
			require.NoError(t, err)
			assert.Equal(t, tt.want(t), string(got))

			servers, err := ParseMCPServers(got)
			require.NoError(t, err)
			var found *MCPServer
			for i := range servers {
				if servers[i].Name == tt.srv.Name {
					found = &servers[i]
				}
			}
			require.NotNil(t, found)
			assert.Equal(t, normalizeServer(tt.srv), *found)
		})
	}
}

// TestSetMCPServerSequence follows the reference's example: two servers
// added to a missing file, then the first one replaced.
func TestSetMCPServerSequence(t *testing.T) {
	var doc []byte
	var err error
	for _, srv := range []MCPServer{
		{Name: "srv1", Command: "npx", Args: []string{"-y", "some-server", "--flag"}},
		{Name: "srv2", Command: "/usr/bin/foo", Args: []string{"arg1"}, Env: map[string]string{"FOO": "bar", "BAZ": "qux"}},
		{Name: "srv1", Command: "other"},
	} {
		doc, err = SetMCPServer(doc, srv)
		require.NoError(t, err)
	}
	assert.Equal(t, `[mcp_servers.srv1]
command = "other"

[mcp_servers.srv2]
command = "/usr/bin/foo"
args = ["arg1"]

[mcp_servers.srv2.env]
BAZ = "qux"
FOO = "bar"
`, string(doc))
}

func TestDeleteMCPServer(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		srv  string
		want func(t *testing.T) string
	}{
		{
			name: "table and subtable",
			doc:  richConfig,
			srv:  "target",
			want: func(t *testing.T) string {
				return replaceOnce(t, richConfig, `[mcp_servers.target]  # the one we edit
command = "old"
args = [
  "--port",
"[8080]",
]
startup_timeout_sec = 5

[mcp_servers.target.env]
OLD = "1"

`, "")
			},
		},
		{
			name: "comment following the keys goes with the table",
			doc:  richConfig,
			srv:  "alpha",
			want: func(t *testing.T) string {
				return replaceOnce(t, richConfig, "[mcp_servers.alpha]\ncommand = \"alpha-server\"\nargs = [\"--stdio\"]\n# note about alpha\n\n", "")
			},
		},
		{
			name: "quoted name",
			doc:  richConfig,
			srv:  "my.server",
			want: func(t *testing.T) string {
				return replaceOnce(t, richConfig, "[ mcp_servers . \"my.server\" ]\ncommand = \"dotted\"\n\n", "")
			},
		},
		{
			name: "comment above the header stays",
			doc:  richConfig,
			srv:  "zeta",
			want: func(t *testing.T) string {
				return replaceOnce(t, richConfig, "[mcp_servers.zeta]\ncommand = \"zeta\"\n\n", "")
			},
		},
		{
			name: "last table: blank lines it leaves at the end are trimmed",
			doc:  "model = \"o3\"\n\n[mcp_servers.s]\ncommand = \"c\"\n",
			srv:  "s",
			want: func(*testing.T) string { return "model = \"o3\"\n" },
		},
		{
			name: "comments after the last table are kept",
			doc:  "model = \"o3\"\n\n[mcp_servers.s]\ncommand = \"c\"\n\n# the end\n",
			srv:  "s",
			want: func(*testing.T) string { return "model = \"o3\"\n\n# the end\n" },
		},
		{
			name: "only table",
			doc:  "[mcp_servers.s]\ncommand = \"c\"\n",
			srv:  "s",
			want: func(*testing.T) string { return "" },
		},
		{
			name: "inline table and dotted keys",
			doc:  "[mcp_servers]\na = { command = \"x\" } # a\nb.command = \"y\"\nb.args = []\nc = { command = \"z\" }\n",
			srv:  "b",
			want: func(*testing.T) string {
				return "[mcp_servers]\na = { command = \"x\" } # a\nc = { command = \"z\" }\n"
			},
		},
		{
			name: "CRLF",
			doc:  "[mcp_servers.a]\r\ncommand = \"x\"\r\n\r\n[mcp_servers.b]\r\ncommand = \"y\"\r\n",
			srv:  "a",
			want: func(*testing.T) string { return "[mcp_servers.b]\r\ncommand = \"y\"\r\n" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, removed, err := DeleteMCPServer([]byte(tt.doc), tt.srv)
			require.NoError(t, err)
			assert.True(t, removed)
			assert.Equal(t, tt.want(t), string(got))
		})
	}
}

func TestDeleteMCPServerMissing(t *testing.T) {
	for _, doc := range []string{"", "model = \"o3\"\n", richConfig, "mcp_servers = { a = { command = \"x\" } }\n"} {
		got, removed, err := DeleteMCPServer([]byte(doc), "nope")
		require.NoError(t, err)
		assert.False(t, removed)
		assert.Equal(t, doc, string(got))
	}
}

func TestSetThenDeleteRestoresFile(t *testing.T) {
	base := richConfig
	for _, name := range []string{"new-one", "under_score", "9"} {
		added, err := SetMCPServer([]byte(base), MCPServer{Name: name, Command: "x", Env: map[string]string{"A": "1"}})
		require.NoError(t, err)
		back, removed, err := DeleteMCPServer(added, name)
		require.NoError(t, err)
		require.True(t, removed)
		assert.Equal(t, base, string(back))
	}
}

func TestEditErrors(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		srv     MCPServer
		del     bool
		wantErr string
	}{
		{name: "not TOML", doc: "model = \"o3\"\nx = = 1\n", srv: MCPServer{Name: "a", Command: "x"}, wantErr: "line 2:"},
		{name: "not TOML on delete", doc: "a = \n", srv: MCPServer{Name: "a"}, del: true, wantErr: "line 1:"},
		{name: "whole inline table", doc: "mcp_servers = { a = { command = \"x\" } }\n", srv: MCPServer{Name: "b", Command: "y"},
			wantErr: "line 1: mcp_servers is written as an inline table"},
		{name: "whole inline table on delete", doc: "x = 1\nmcp_servers = { a = { command = \"x\" } }\n", srv: MCPServer{Name: "a"}, del: true,
			wantErr: "line 2: mcp_servers is written as an inline table"},
		{name: "array of tables", doc: "[[mcp_servers]]\ncommand = \"x\"\n", srv: MCPServer{Name: "a", Command: "y"},
			wantErr: "mcp_servers: expected a table, got an array of tables"},
		{name: "no command", doc: "", srv: MCPServer{Name: "a"}, wantErr: "either a command or a url"},
		{name: "command and url", doc: "", srv: MCPServer{Name: "a", Command: "c", URL: "u"}, wantErr: "either a command or a url"},
		{name: "empty name", doc: "", srv: MCPServer{Command: "c"}, wantErr: "empty server name"},
		{name: "bad UTF-8", doc: "", srv: MCPServer{Name: "a", Command: "c\xff"}, wantErr: "not valid UTF-8"},
		{name: "negative timeout", doc: "", srv: MCPServer{Name: "a", Command: "c", ToolTimeoutSec: ptr(-1)}, wantErr: "invalid timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.del {
				_, _, err = DeleteMCPServer([]byte(tt.doc), tt.srv.Name)
			} else {
				_, err = SetMCPServer([]byte(tt.doc), tt.srv)
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestVerifyEditCatchesDamage(t *testing.T) {
	before, err := decodeTree([]byte("a = 1\n[mcp_servers.s]\ncommand = \"c\"\n"))
	require.NoError(t, err)
	want := MCPServer{Name: "s", Command: "c"}
	tests := []struct {
		name    string
		out     string
		want    *MCPServer
		wantErr string
	}{
		{name: "ok", out: "a = 1\n[mcp_servers.s]\ncommand = \"c\"\n", want: &want},
		{name: "ok removed", out: "a = 1\n"},
		{name: "other value changed", out: "a = 2\n[mcp_servers.s]\ncommand = \"c\"\n", want: &want, wantErr: "would change other settings"},
		{name: "server differs", out: "a = 1\n[mcp_servers.s]\ncommand = \"d\"\n", want: &want, wantErr: "does not read back as written"},
		{name: "server missing", out: "a = 1\n", want: &want, wantErr: "does not define"},
		{name: "server still there", out: "a = 1\n[mcp_servers.s]\ncommand = \"c\"\n", wantErr: "still defines"},
		{name: "broken", out: "a = 1\n[mcp_servers.s\n", want: &want, wantErr: "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifyEdit(before, tt.out, "s", tt.want)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestSameValue(t *testing.T) {
	a, err := decodeTree([]byte("n = nan\nd = 1979-05-27\nt = 1979-05-27T07:32:00Z\nx = [1, [2], {a = 1}]\n[[arr]]\nk = 1\n"))
	require.NoError(t, err)
	b, err := decodeTree([]byte("n = nan\nd = 1979-05-27\nt = 1979-05-27T07:32:00Z\nx = [1, [2], {a = 1}]\n[[arr]]\nk = 1\n"))
	require.NoError(t, err)
	assert.True(t, sameValue(a, b))
	c, err := decodeTree([]byte("n = nan\nd = 1979-05-27\nt = 1979-05-27T07:32:00Z\nx = [1, [2], {a = 2}]\n[[arr]]\nk = 1\n"))
	require.NoError(t, err)
	assert.False(t, sameValue(a, c))
	d, err := decodeTree([]byte("n = nan\nd = 1979-05-27\nt = 1979-05-27T07:32:00Z\nx = [1, [2], {a = 1}]\n[[arr]]\nk = 1\n[[arr]]\n"))
	require.NoError(t, err)
	assert.False(t, sameValue(a, d))
}

func TestFormatFloat(t *testing.T) {
	for in, want := range map[float64]string{0: "0.0", 5: "5.0", 30.5: "30.5", 1e21: "1e+21", 0.001: "0.001"} {
		assert.Equal(t, want, formatFloat(in))
	}
}

// FuzzEdit checks that edits of any valid document either fail cleanly or
// produce a document that passes verification.
func FuzzEdit(f *testing.F) {
	for _, seed := range []string{richConfig, "", "[mcp_servers]\na = { command = \"x\" }\n", "mcp_servers.a.command = \"x\"\n",
		"[mcp_servers.a]\ncommand = \"x\"\n# c\n[b]\n", "s = '''\n[mcp_servers.a]\n'''\n[mcp_servers.a]\ncommand='y'\n"} {
		f.Add(seed, "a")
	}
	f.Fuzz(func(t *testing.T, doc, name string) {
		if _, err := decodeTree([]byte(doc)); err != nil || name == "" {
			return
		}
		if out, err := SetMCPServer([]byte(doc), MCPServer{Name: name, Command: "cmd"}); err == nil {
			servers, err := ParseMCPServers(out)
			if err == nil {
				found := false
				for _, s := range servers {
					found = found || s.Name == name
				}
				assert.True(t, found)
			}
		}
		if out, removed, err := DeleteMCPServer([]byte(doc), name); err == nil && !removed {
			assert.Equal(t, doc, string(out))
		}
	})
}

func ptr(f float64) *float64 { return &f }
