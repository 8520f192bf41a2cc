package schemagen

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/internal/rpcserver"
)

func TestDocsMethodIndexIsCurrent(t *testing.T) {
	root, err := FindModuleRoot(".")
	require.NoError(t, err)
	doc, err := os.ReadFile(filepath.Join(root, MethodDocFile))
	require.NoError(t, err)
	want, err := WithMethodIndex(doc, MethodIndex())
	require.NoError(t, err)
	assert.Equal(t, string(want), string(doc), "the method index of %s is stale: run make schema", MethodDocFile)

	// Each method is also described outside the generated index.
	index := MethodIndex()
	for _, r := range Table() {
		if r.Kind == KindClientRequest {
			name := "`" + r.Name + "`"
			assert.Greater(t, strings.Count(string(doc), name), strings.Count(index, name), "%s is not described in %s", r.Name, MethodDocFile)
		}
	}
}

func TestWithMethodIndex(t *testing.T) {
	doc := []byte("a\n" + indexBegin + "\nold\n" + indexEnd + "\nb\n")
	got, err := WithMethodIndex(doc, "new\n")
	require.NoError(t, err)
	assert.Equal(t, "a\n"+indexBegin+"\n\nnew\n\n"+indexEnd+"\nb\n", string(got))
	_, err = WithMethodIndex([]byte("no markers"), "x")
	assert.Error(t, err)
}

// TestDecodedRequiredMembersMatchSchema checks that the members the server
// requires when it decodes a request are those the schema calls required.
func TestDecodedRequiredMembersMatchSchema(t *testing.T) {
	root, err := FindModuleRoot(".")
	require.NoError(t, err)
	files, err := Generate(root)
	require.NoError(t, err)
	for _, r := range Table() {
		if r.Kind != KindClientRequest || r.Params == nil {
			continue
		}
		var doc struct {
			Ref  string `json:"$ref"`
			Defs map[string]struct {
				Required []string `json:"required"`
			} `json:"$defs"`
		}
		require.NoError(t, json.Unmarshal(files[r.ParamsFile()], &doc), r.Name)
		def := doc.Defs[strings.TrimPrefix(doc.Ref, defsPrefix)]
		assert.ElementsMatch(t, def.Required, rpcserver.RequiredMembers(r.Params), r.Name)
	}
}
