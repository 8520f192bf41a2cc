package schemafiles

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFilesWriteAndPrune(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "old"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "old", "gone.json"), []byte("{}\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "embed.go"), []byte("package x\n"), 0o644))
	files := Files{"index.json": []byte("{}\n"), "event/a.json": []byte("{\"a\":1}\n")}
	require.NoError(t, files.Write(dir))
	require.NoError(t, files.Prune(dir))

	got, err := ReadFiles(os.DirFS(dir))
	require.NoError(t, err)
	assert.Empty(t, files.Diff(got))
	assert.NoDirExists(t, filepath.Join(dir, "old"))
	assert.FileExists(t, filepath.Join(dir, "embed.go"))

	assert.Equal(t, []string{"event/a.json", "index.json"}, files.Diff(Files{}))
	assert.Error(t, Files{"../x.json": nil}.Write(dir))
}

func TestEncodeIsCanonical(t *testing.T) {
	out, err := Encode(map[string]any{"b": []any{2, "<x>"}, "a": map[string]any{"d": 1.5, "c": nil}})
	require.NoError(t, err)
	assert.Equal(t, "{\n  \"a\": {\n    \"c\": null,\n    \"d\": 1.5\n  },\n  \"b\": [\n    2,\n    \"<x>\"\n  ]\n}\n", string(out))

	var v any
	require.NoError(t, Decode([]byte(`{"n": 12345678901234567890}`), &v))
	again, err := Encode(v)
	require.NoError(t, err)
	assert.Equal(t, "{\n  \"n\": 12345678901234567890\n}\n", string(again))
}
