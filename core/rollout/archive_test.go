package rollout_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/rollout"
)

func TestArchive(t *testing.T) {
	start := at(2025, 1, 2, 3, 4, 5)
	id := testID(1)
	name := rollout.FileName(start, id)

	tests := []struct {
		name string
		// setup prepares home (and outside, a directory next to it) and
		// returns the archive arguments: the home to pass and the path.
		setup   func(t *testing.T, home, outside string) (string, string)
		id      string
		errText string
		// survivor, when set, is a file that must still exist after a refusal.
		survivor func(home, outside string) string
	}{
		{
			name: "outside path",
			setup: func(t *testing.T, home, outside string) (string, string) {
				p := filepath.Join(outside, name)
				writeFile(t, p, metaLine(t, id))
				return home, p
			},
			errText:  "must be in sessions directory",
			survivor: func(_, outside string) string { return filepath.Join(outside, name) },
		},
		{
			name: "nonexistent outside path",
			setup: func(*testing.T, string, string) (string, string) {
				return t.TempDir(), "/nonexistent.jsonl"
			},
			errText: "rollout path `/nonexistent.jsonl` must be in sessions directory",
		},
		{
			name: "dot-dot traversal",
			setup: func(t *testing.T, home, _ string) (string, string) {
				writeFile(t, filepath.Join(home, name), metaLine(t, id))
				return home, filepath.Join(home, "sessions") + "/../" + name
			},
			errText:  "must be in sessions directory",
			survivor: func(home, _ string) string { return filepath.Join(home, name) },
		},
		{
			name: "dot-dot traversal from a date directory",
			setup: func(t *testing.T, home, outside string) (string, string) {
				writeFile(t, filepath.Join(outside, name), metaLine(t, id))
				conversation(t, home, start, testID(2), "x")
				rel, err := filepath.Rel(filepath.Join(home, "sessions", "2025", "01", "02"), filepath.Join(outside, name))
				require.NoError(t, err)
				return home, filepath.Join(home, "sessions", "2025", "01", "02") + "/" + rel
			},
			errText:  "must be in sessions directory",
			survivor: func(_, outside string) string { return filepath.Join(outside, name) },
		},
		{
			name: "symlinked file escaping sessions",
			setup: func(t *testing.T, home, outside string) (string, string) {
				target := filepath.Join(outside, "secret-"+id+".jsonl")
				writeFile(t, target, "secret")
				link := sessionPath(home, start, id)
				require.NoError(t, os.MkdirAll(filepath.Dir(link), 0o755))
				require.NoError(t, os.Symlink(target, link))
				return home, link
			},
			errText:  "outside the sessions directory",
			survivor: func(_, outside string) string { return filepath.Join(outside, "secret-"+id+".jsonl") },
		},
		{
			name: "symlinked directory escaping sessions",
			setup: func(t *testing.T, home, outside string) (string, string) {
				writeFile(t, filepath.Join(outside, name), metaLine(t, id))
				require.NoError(t, os.MkdirAll(filepath.Join(home, "sessions", "2025", "01"), 0o755))
				require.NoError(t, os.Symlink(outside, filepath.Join(home, "sessions", "2025", "01", "02")))
				return home, sessionPath(home, start, id)
			},
			errText:  "outside the sessions directory",
			survivor: func(_, outside string) string { return filepath.Join(outside, name) },
		},
		{
			name: "symlinked sessions directory escaping home",
			setup: func(t *testing.T, home, outside string) (string, string) {
				writeFile(t, filepath.Join(outside, "2025", "01", "02", name), metaLine(t, id))
				require.NoError(t, os.Symlink(outside, filepath.Join(home, "sessions")))
				return home, sessionPath(home, start, id)
			},
		},
		{
			name: "wrong conversation id",
			setup: func(t *testing.T, home, _ string) (string, string) {
				return home, conversation(t, home, start, id, "x")
			},
			id:       testID(2),
			errText:  "does not belong to conversation",
			survivor: func(home, _ string) string { return sessionPath(home, start, id) },
		},
		{
			name: "empty conversation id",
			setup: func(t *testing.T, home, _ string) (string, string) {
				return home, conversation(t, home, start, id, "x")
			},
			id:       "-",
			errText:  "does not belong to conversation",
			survivor: func(home, _ string) string { return sessionPath(home, start, id) },
		},
		{
			name: "nonexistent file",
			setup: func(t *testing.T, home, _ string) (string, string) {
				require.NoError(t, os.MkdirAll(filepath.Join(home, "sessions"), 0o755))
				return home, sessionPath(home, start, id)
			},
			errText: "does not exist",
		},
		{
			name: "directory",
			setup: func(t *testing.T, home, _ string) (string, string) {
				p := sessionPath(home, start, id)
				require.NoError(t, os.MkdirAll(p, 0o755))
				return home, p
			},
			errText:  "is a directory",
			survivor: func(home, _ string) string { return sessionPath(home, start, id) },
		},
		{
			name: "already archived",
			setup: func(t *testing.T, home, _ string) (string, string) {
				writeFile(t, filepath.Join(home, "archived_sessions", name), "older")
				return home, conversation(t, home, start, id, "x")
			},
			errText:  "already archived",
			survivor: func(home, _ string) string { return sessionPath(home, start, id) },
		},
		{
			name: "success",
			setup: func(t *testing.T, home, _ string) (string, string) {
				return home, conversation(t, home, start, id, "x")
			},
		},
		{
			name: "relative path",
			setup: func(t *testing.T, home, _ string) (string, string) {
				p := conversation(t, home, start, id, "x")
				wd, err := os.Getwd()
				require.NoError(t, err)
				rel, err := filepath.Rel(wd, p)
				require.NoError(t, err)
				return home, rel
			},
		},
		{
			name: "symlinked home",
			setup: func(t *testing.T, home, outside string) (string, string) {
				p := conversation(t, home, start, id, "x")
				alias := filepath.Join(outside, "home-link")
				require.NoError(t, os.Symlink(home, alias))
				return alias, p
			},
		},
		{
			name: "symlinked file within sessions",
			setup: func(t *testing.T, home, _ string) (string, string) {
				target := conversation(t, home, start, id, "x")
				link := filepath.Join(home, "sessions", name)
				require.NoError(t, os.Symlink(target, link))
				return home, link
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home, outside := t.TempDir(), t.TempDir()
			archHome, path := tt.setup(t, home, outside)
			cid := id
			if tt.id == "-" {
				cid = ""
			} else if tt.id != "" {
				cid = tt.id
			}
			got, err := rollout.Archive(archHome, cid, path)
			if tt.errText != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.errText)
				assert.Empty(t, got)
				if tt.survivor != nil {
					_, err := os.Lstat(tt.survivor(home, outside))
					assert.NoError(t, err, "a refused archive leaves the file in place")
				}
				if data, err := os.ReadFile(filepath.Join(home, "archived_sessions", name)); err == nil {
					assert.Equal(t, "older", string(data), "only the earlier archive is there")
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, filepath.Join(archHome, "archived_sessions", name), got)
			data, err := os.ReadFile(got)
			require.NoError(t, err)
			assert.Contains(t, string(data), id)
			_, err = os.Lstat(path)
			assert.ErrorIs(t, err, os.ErrNotExist, "the rollout left sessions/")
			page, err := rollout.List(archHome, 10, "")
			require.NoError(t, err)
			assert.Empty(t, page.Items)
		})
	}
}
