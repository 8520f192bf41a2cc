package mcpclient

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNormalizeSchemaMatchesReference reduces the input schemas of real MCP
// servers (server-everything and server-filesystem, as testdata/refresh.sh
// lists them) and of testdata/edge.schemas.json, and compares the result
// with the parameters codex-cli 0.171 sent to the model for the same tools,
// key order included.
func TestNormalizeSchemaMatchesReference(t *testing.T) {
	cases := []struct {
		name     string
		schemas  map[string]json.RawMessage
		expected string
	}{
		{"everything", toolSchemas(t, "everything.tools.json"), "everything.params-0.171.json"},
		{"filesystem", toolSchemas(t, "filesystem.tools.json"), "filesystem.params-0.171.json"},
		{"edge", readSchemaMap(t, "edge.schemas.json"), "edge.params-0.171.json"},
	}
	for _, c := range cases {
		want := readSchemaMap(t, filepath.Join("reference", c.expected))
		require.NotEmpty(t, c.schemas, c.name)
		require.ElementsMatch(t, keys(c.schemas), keys(want), "%s: the same tools on both sides", c.name)
		for _, tool := range keys(c.schemas) {
			t.Run(c.name+"/"+tool, func(t *testing.T) {
				got := normalizeSchema(c.schemas[tool])
				var compact bytes.Buffer
				require.NoError(t, json.Compact(&compact, want[tool]))
				assert.JSONEq(t, compact.String(), string(got))
				assert.Equal(t, compact.String(), string(got), "key order")
			})
		}
	}
}

// toolSchemas reads a tools/list result (a JSON array of tools) and returns
// each tool's input schema by name.
func toolSchemas(t *testing.T, file string) map[string]json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	require.NoError(t, err)
	var tools []struct {
		Name        string          `json:"name"`
		InputSchema json.RawMessage `json:"inputSchema"`
	}
	require.NoError(t, json.Unmarshal(data, &tools))
	out := map[string]json.RawMessage{}
	for _, tool := range tools {
		out[tool.Name] = tool.InputSchema
	}
	return out
}

// readSchemaMap reads a JSON object of schemas by tool name.
func readSchemaMap(t *testing.T, file string) map[string]json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	require.NoError(t, err)
	var out map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &out))
	return out
}

// keys returns a map's keys, sorted.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestNormalizeSchemaBoundsDepth cuts a hostile, deeply nested schema.
func TestNormalizeSchemaBoundsDepth(t *testing.T) {
	var b bytes.Buffer
	for range 10000 {
		b.WriteString(`{"type":"array","items":`)
	}
	b.WriteString(`{"type":"string"}`)
	for range 10000 {
		b.WriteString(`}`)
	}
	in := `{"type":"object","properties":{"deep":` + b.String() + `}}`
	got := normalizeSchema(json.RawMessage(in))
	require.True(t, json.Valid(got))
	assert.Less(t, len(got), 64*40)
}
