package patch

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApplyDoesNotFollowLinksThatAppearAfterVerification(t *testing.T) {
	tests := []struct {
		name  string
		patch string
		// swap changes dir after verification, pointing links at outside.
		swap    func(t *testing.T, dir, outside string)
		wantErr string
		after   map[string]string
	}{
		{
			name:    "parent directory of a new file",
			patch:   "*** Begin Patch\n*** Add File: d/f.txt\n+mine\n*** End Patch",
			swap:    func(t *testing.T, dir, outside string) { swapForLink(t, filepath.Join(dir, "d"), outside) },
			wantErr: "changed on disk after the patch was verified",
			after:   map[string]string{"d": "link to OUTSIDE", "d.old/f.txt": "old\n"},
		},
		{
			name:    "parent directory of an updated file",
			patch:   "*** Begin Patch\n*** Update File: d/f.txt\n@@\n-old\n+mine\n*** End Patch",
			swap:    func(t *testing.T, dir, outside string) { swapForLink(t, filepath.Join(dir, "d"), outside) },
			wantErr: "changed on disk after the patch was verified",
			after:   map[string]string{"d": "link to OUTSIDE", "d.old/f.txt": "old\n"},
		},
		{
			name:    "parent directory of a deleted file",
			patch:   "*** Begin Patch\n*** Delete File: d/f.txt\n*** End Patch",
			swap:    func(t *testing.T, dir, outside string) { swapForLink(t, filepath.Join(dir, "d"), outside) },
			wantErr: "changed on disk after the patch was verified",
			after:   map[string]string{"d": "link to OUTSIDE", "d.old/f.txt": "old\n"},
		},
		{
			name:  "directory the patch was to create",
			patch: "*** Begin Patch\n*** Add File: new/f.txt\n+mine\n*** End Patch",
			swap: func(t *testing.T, dir, outside string) {
				require.NoError(t, os.Symlink(outside, filepath.Join(dir, "new")))
			},
			wantErr: "recheck DIR/new/f.txt",
			after:   map[string]string{"d/f.txt": "old\n", "new": "link to OUTSIDE"},
		},
		{
			name:  "updated file replaced by a link",
			patch: "*** Begin Patch\n*** Update File: d/f.txt\n@@\n-old\n+mine\n*** End Patch",
			swap: func(t *testing.T, dir, outside string) {
				p := filepath.Join(dir, "d", "f.txt")
				require.NoError(t, os.Remove(p))
				require.NoError(t, os.Symlink(filepath.Join(outside, "f.txt"), p))
			},
			wantErr: "recheck DIR/d/f.txt",
			after:   map[string]string{"d/f.txt": "link to OUTSIDE/f.txt"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, outside := t.TempDir(), t.TempDir()
			writeFiles(t, dir, map[string]string{"d/f.txt": "old\n"})
			// The outside file has the content the patch expects, so
			// only the location can stop the write.
			writeFiles(t, outside, map[string]string{"f.txt": "old\n"})
			plan, err := Verify(mustParse(t, tt.patch), dir)
			require.NoError(t, err)
			tt.swap(t, dir, outside)

			_, err = plan.Apply()
			require.Error(t, err)
			assert.Contains(t, err.Error(), expand(tt.wantErr, dir, outside))
			assert.Equal(t, expandAll(tt.after, dir, outside), tree(t, dir))
			assert.Equal(t, map[string]string{"f.txt": "old\n"}, tree(t, outside), "nothing changes outside")
		})
	}
}

func TestApplyThroughLinksPresentAtVerification(t *testing.T) {
	tests := []struct {
		name  string
		patch string
		after map[string]string
		other map[string]string
	}{
		{
			name:  "update writes the file the link points to",
			patch: "*** Begin Patch\n*** Update File: link.txt\n@@\n-x\n+y\n*** End Patch",
			after: map[string]string{"link.txt": "link to OUTSIDE/f.txt", "linkdir": "link to OUTSIDE"},
			other: map[string]string{"f.txt": "y\n"},
		},
		{
			name:  "delete removes the link, not its target",
			patch: "*** Begin Patch\n*** Delete File: link.txt\n*** End Patch",
			after: map[string]string{"linkdir": "link to OUTSIDE"},
			other: map[string]string{"f.txt": "x\n"},
		},
		{
			name:  "add through a linked directory",
			patch: "*** Begin Patch\n*** Add File: linkdir/sub/g.txt\n+g\n*** End Patch",
			after: map[string]string{"link.txt": "link to OUTSIDE/f.txt", "linkdir": "link to OUTSIDE"},
			other: map[string]string{"f.txt": "x\n", "sub/g.txt": "g\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, other := t.TempDir(), t.TempDir()
			writeFiles(t, other, map[string]string{"f.txt": "x\n"})
			require.NoError(t, os.Symlink(filepath.Join(other, "f.txt"), filepath.Join(dir, "link.txt")))
			require.NoError(t, os.Symlink(other, filepath.Join(dir, "linkdir")))
			plan, err := Verify(mustParse(t, tt.patch), dir)
			require.NoError(t, err)
			_, err = plan.Apply()
			require.NoError(t, err)
			assert.Equal(t, expandAll(tt.after, dir, other), tree(t, dir))
			assert.Equal(t, tt.other, tree(t, other))
		})
	}
}
