package configedit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// topConfig has top-level keys (one spanning lines), comments, a profile and
// a multi-line string whose lines look like top-level keys and headers.
const topConfig = `# Global settings
model = "o3"   # trailing comment
approval_policy = "on-request"
notify = [
  "notify-send",
  "model = \"fake\"",
]
instructions = """
model = "not a key"
[profiles.fake]
"""

# Profiles follow.
[profiles.fast]
model = "o3"
model_reasoning_effort = "low"

[profiles.empty]

[tools]
web_search = true
`

func topStr(s string) *string { return &s }

func TestSetStringSettings(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		table    []string
		settings []StringSetting
		want     string
	}{
		{
			name:     "replace an existing top-level key",
			doc:      topConfig,
			settings: []StringSetting{{Key: "model", Value: topStr("gpt-5")}},
			want:     replaceOnce(t, topConfig, `model = "o3"   # trailing comment`+"\n", `model = "gpt-5"`+"\n"),
		},
		{
			name:     "add a key after the last top-level key",
			doc:      topConfig,
			settings: []StringSetting{{Key: "model", Value: topStr("gpt-5")}, {Key: "model_reasoning_effort", Value: topStr("high")}},
			want: replaceOnce(t, replaceOnce(t, topConfig, `model = "o3"   # trailing comment`, `model = "gpt-5"`),
				"[profiles.fake]\n\"\"\"\n", "[profiles.fake]\n\"\"\"\nmodel_reasoning_effort = \"high\"\n"),
		},
		{
			name:     "remove a key spanning several lines",
			doc:      topConfig,
			settings: []StringSetting{{Key: "notify"}},
			want:     replaceOnce(t, topConfig, "notify = [\n  \"notify-send\",\n  \"model = \\\"fake\\\"\",\n]\n", ""),
		},
		{
			name:     "removing a missing key changes nothing",
			doc:      topConfig,
			settings: []StringSetting{{Key: "model_reasoning_effort"}},
			want:     topConfig,
		},
		{
			name:     "keys go first in a file that starts with a table",
			doc:      "# comment\n[tools]\nweb_search = true\n",
			settings: []StringSetting{{Key: "model", Value: topStr("gpt-5")}, {Key: "model_reasoning_effort", Value: topStr("minimal")}},
			want:     "model = \"gpt-5\"\nmodel_reasoning_effort = \"minimal\"\n# comment\n[tools]\nweb_search = true\n",
		},
		{
			name:     "empty document",
			doc:      "",
			settings: []StringSetting{{Key: "model", Value: topStr("gpt-5")}},
			want:     "model = \"gpt-5\"\n",
		},
		{
			name:     "last line without a newline",
			doc:      "approval_policy = \"never\"",
			settings: []StringSetting{{Key: "model", Value: topStr("gpt-5")}},
			want:     "approval_policy = \"never\"\nmodel = \"gpt-5\"\n",
		},
		{
			name:     "replacing the unterminated last line keeps it unterminated",
			doc:      "model = \"o3\"",
			settings: []StringSetting{{Key: "model", Value: topStr("gpt-5")}},
			want:     "model = \"gpt-5\"",
		},
		{
			name:     "CRLF line endings",
			doc:      "model = \"o3\"\r\n[tools]\r\nweb_search = true\r\n",
			settings: []StringSetting{{Key: "model", Value: topStr("gpt-5")}, {Key: "model_verbosity", Value: topStr("low")}},
			want:     "model = \"gpt-5\"\r\nmodel_verbosity = \"low\"\r\n[tools]\r\nweb_search = true\r\n",
		},
		{
			name:     "values are quoted",
			doc:      "",
			settings: []StringSetting{{Key: "model", Value: topStr("a \"quoted\"\\name\n")}},
			want:     "model = \"a \\\"quoted\\\"\\\\name\\n\"\n",
		},
		{
			name:     "edit a profile table",
			doc:      topConfig,
			table:    []string{"profiles", "fast"},
			settings: []StringSetting{{Key: "model", Value: topStr("gpt-5")}, {Key: "model_reasoning_effort"}},
			want:     replaceOnce(t, topConfig, "[profiles.fast]\nmodel = \"o3\"\nmodel_reasoning_effort = \"low\"\n", "[profiles.fast]\nmodel = \"gpt-5\"\n"),
		},
		{
			name:     "add a key to a table after its last key",
			doc:      topConfig,
			table:    []string{"profiles", "fast"},
			settings: []StringSetting{{Key: "model_verbosity", Value: topStr("low")}},
			want:     replaceOnce(t, topConfig, "model_reasoning_effort = \"low\"\n", "model_reasoning_effort = \"low\"\nmodel_verbosity = \"low\"\n"),
		},
		{
			name:     "add a key to an empty table",
			doc:      topConfig,
			table:    []string{"profiles", "empty"},
			settings: []StringSetting{{Key: "model", Value: topStr("o3")}},
			want:     replaceOnce(t, topConfig, "[profiles.empty]\n", "[profiles.empty]\nmodel = \"o3\"\n"),
		},
		{
			name:     "a missing table is added at the end",
			doc:      topConfig,
			table:    []string{"profiles", "my.p"},
			settings: []StringSetting{{Key: "model", Value: topStr("o3")}},
			want:     topConfig + "\n[profiles.\"my.p\"]\nmodel = \"o3\"\n",
		},
		{
			name:     "a dotted key is rewritten with its own spelling",
			doc:      "profiles.p1.model = \"o3\"\n\n[tools]\nweb_search = true\n",
			table:    []string{"profiles", "p1"},
			settings: []StringSetting{{Key: "model", Value: topStr("gpt-5")}},
			want:     "profiles.p1.model = \"gpt-5\"\n\n[tools]\nweb_search = true\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before map[string]any
			_, err := toml.Decode(tt.doc, &before)
			require.NoError(t, err, "the test document is valid TOML")
			out, err := SetStringSettings([]byte(tt.doc), tt.table, tt.settings)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(out))
		})
	}
}

func TestSetStringSettingsErrors(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		table    []string
		settings []StringSetting
		msg      string
	}{
		{name: "invalid document", doc: "model = \n", settings: []StringSetting{{Key: "model", Value: topStr("x")}}, msg: "line 1"},
		{name: "empty key", doc: "", settings: []StringSetting{{Key: ""}}, msg: "empty key"},
		{name: "key twice", doc: "", settings: []StringSetting{{Key: "model"}, {Key: "model"}}, msg: "given twice"},
		{name: "empty table name", doc: "", table: []string{""}, settings: []StringSetting{{Key: "model"}}, msg: "empty table name"},
		{name: "key is a table", doc: "[model]\nx = 1\n", settings: []StringSetting{{Key: "model", Value: topStr("x")}}, msg: "is a table"},
		{name: "table is a string", doc: "profiles = \"x\"\n", table: []string{"profiles", "p"}, settings: []StringSetting{{Key: "model", Value: topStr("x")}}, msg: "expected a table"},
		{
			name:     "inline table cannot be extended",
			doc:      "profiles = { p1 = { model = \"o3\" } }\n",
			table:    []string{"profiles", "p1"},
			settings: []StringSetting{{Key: "model", Value: topStr("gpt-5")}},
			msg:      "nothing was changed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := SetStringSettings([]byte(tt.doc), tt.table, tt.settings)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestWriteStringSettings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")

	// Removing from a missing file creates nothing.
	require.NoError(t, WriteStringSettings(path, nil, []StringSetting{{Key: "model"}}))
	_, err := os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist)

	// Setting creates the file with mode 0600.
	require.NoError(t, WriteStringSettings(path, nil, []StringSetting{{Key: "model", Value: topStr("gpt-5")}}))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "model = \"gpt-5\"\n", string(data))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	// An existing file keeps its mode and everything but the edited key.
	require.NoError(t, os.WriteFile(path, []byte(topConfig), 0o640))
	require.NoError(t, os.Chmod(path, 0o640))
	require.NoError(t, WriteStringSettings(path, nil, []StringSetting{{Key: "model", Value: topStr("gpt-5")}, {Key: "approval_policy"}}))
	data, err = os.ReadFile(path)
	require.NoError(t, err)
	want := replaceOnce(t, replaceOnce(t, topConfig, `model = "o3"   # trailing comment`, `model = "gpt-5"`), "approval_policy = \"on-request\"\n", "")
	assert.Equal(t, want, string(data))
	info, err = os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), info.Mode().Perm())

	// A file that is not valid TOML is left alone.
	require.NoError(t, os.WriteFile(path, []byte("model = [\n"), 0o600))
	require.Error(t, WriteStringSettings(path, nil, []StringSetting{{Key: "model", Value: topStr("x")}}))
	data, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "model = [\n", string(data))
}
