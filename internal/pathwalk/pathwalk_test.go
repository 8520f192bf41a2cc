package pathwalk

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolve(t *testing.T) {
	base, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(base, "a", "real"), 0o755))
	require.NoError(t, os.Symlink("a", filepath.Join(base, "l1")))
	require.NoError(t, os.Symlink(filepath.Join(base, "l1", "real"), filepath.Join(base, "a", "l2")))
	require.NoError(t, os.Symlink("missing/target", filepath.Join(base, "dangling")))
	require.NoError(t, os.Symlink("loop", filepath.Join(base, "loop")))

	tests := []struct {
		name      string
		p         string
		want      string
		wantLinks []string
		ok        bool
	}{
		{"plain", filepath.Join(base, "a", "real"), filepath.Join(base, "a", "real"), nil, true},
		{"links in a row", filepath.Join(base, "l1", "l2", "x"), filepath.Join(base, "a", "real", "x"),
			[]string{filepath.Join(base, "l1"), filepath.Join(base, "a", "l2"), filepath.Join(base, "l1")}, true},
		{"dot dot after a link", base + "/l1/real/../..", base, []string{filepath.Join(base, "l1")}, true},
		{"dangling link", filepath.Join(base, "dangling", "f"), filepath.Join(base, "missing", "target", "f"),
			[]string{filepath.Join(base, "dangling")}, true},
		{"missing components", filepath.Join(base, "no", "such"), filepath.Join(base, "no", "such"), nil, true},
		{"loop", filepath.Join(base, "loop"), "", nil, false},
		{"relative", "a/real", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, links, ok := Resolve(tt.p)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
			if tt.ok {
				assert.Equal(t, tt.wantLinks, links)
			}
		})
	}
}
