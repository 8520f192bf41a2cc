package patch

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanEncodeRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		before map[string]string
		setup  func(t *testing.T, dir string)
		patch  string
		after  map[string]string
	}{
		{
			name:   "add, update, delete, move",
			before: map[string]string{"m.txt": "a\nb\n", "gone.txt": "bye\n", "src.txt": "s\n"},
			patch: "*** Begin Patch\n*** Add File: new/dir/n.txt\n+n\n*** Delete File: gone.txt\n" +
				"*** Update File: m.txt\n@@\n-b\n+B\n*** Update File: src.txt\n*** Move to: moved/dst.txt\n@@\n-s\n+S\n*** End Patch",
			after: map[string]string{"m.txt": "a\nB\n", "new/dir/n.txt": "n\n", "moved/dst.txt": "S\n"},
		},
		{
			name:   "content that is not UTF-8",
			before: map[string]string{"latin1.txt": "caf\xe9\nline\n"},
			patch:  "*** Begin Patch\n*** Update File: latin1.txt\n@@\n-line\n+LINE\n*** End Patch",
			after:  map[string]string{"latin1.txt": "caf\xe9\nLINE\n"},
		},
		{
			name: "file reached through a symbolic link",
			setup: func(t *testing.T, dir string) {
				writeFiles(t, dir, map[string]string{"real/f.txt": "x\n"})
				require.NoError(t, os.Symlink(filepath.Join("real", "f.txt"), filepath.Join(dir, "link.txt")))
			},
			patch: "*** Begin Patch\n*** Update File: link.txt\n@@\n-x\n+y\n*** End Patch",
			after: map[string]string{"real/f.txt": "y\n", "link.txt": "y\n"},
		},
		{
			name: "executable keeps its permission",
			setup: func(t *testing.T, dir string) {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "run.sh"), []byte("echo hi\n"), 0o755))
			},
			patch: "*** Begin Patch\n*** Update File: run.sh\n@@\n-echo hi\n+echo bye\n*** End Patch",
			after: map[string]string{"run.sh": "echo bye\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.before)
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			plan, err := Verify(mustParse(t, tt.patch), dir)
			require.NoError(t, err)
			data, err := plan.Encode()
			require.NoError(t, err)
			got, err := DecodePlan(data)
			require.NoError(t, err)

			assert.Nil(t, got.Changes, "Changes is not carried")
			assert.Equal(t, plan.original, got.original)
			assert.Equal(t, plan.final, got.final)
			assert.Equal(t, plan.places, got.places)
			assert.Equal(t, plan.summary, got.summary)
			assert.Equal(t, plan.Paths(), got.Paths())
			assert.Equal(t, plan.Summary(), got.Summary())

			summary, err := got.Apply()
			require.NoError(t, err)
			assert.Equal(t, plan.Summary(), summary)
			assert.Equal(t, tt.after, snapshot(t, dir))
			if info, err := os.Stat(filepath.Join(dir, "run.sh")); err == nil {
				assert.Equal(t, fs.FileMode(0o755), info.Mode().Perm())
			}
		})
	}
}

// encodedPlan verifies text in dir and returns the encoded plan as a
// generic JSON value, for tests that alter it.
func encodedPlan(t *testing.T, dir, text string) map[string]any {
	t.Helper()
	plan, err := Verify(mustParse(t, text), dir)
	require.NoError(t, err)
	data, err := plan.Encode()
	require.NoError(t, err)
	var v map[string]any
	require.NoError(t, json.Unmarshal(data, &v))
	return v
}

func TestDecodePlanRejectsMalformedPlans(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.txt": "a\n"})
	text := "*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+b\n*** End Patch"
	tests := []struct {
		name    string
		alter   func(v map[string]any)
		raw     string
		wantErr string
	}{
		{name: "not JSON", raw: "*** Begin Patch", wantErr: "decode plan"},
		{name: "empty", raw: "", wantErr: "decode plan"},
		{name: "other format", alter: func(v map[string]any) { v["format"] = 99 }, wantErr: "format 99"},
		{name: "no files", alter: func(v map[string]any) { v["files"] = []any{} }, wantErr: "no files"},
		{name: "relative path", alter: func(v map[string]any) { firstFile(v)["path"] = "a.txt" }, wantErr: "not absolute and clean"},
		{name: "unclean path", alter: func(v map[string]any) { firstFile(v)["path"] = dir + "/x/../a.txt" }, wantErr: "not absolute and clean"},
		{name: "relative directory", alter: func(v map[string]any) { firstPlace(v, "target")["dir"] = "tmp" }, wantErr: "not absolute and clean"},
		{name: "escaping rel", alter: func(v map[string]any) { firstPlace(v, "entry")["rel"] = "../etc/passwd" }, wantErr: "not a clean path below"},
		{name: "absolute rel", alter: func(v map[string]any) { firstPlace(v, "target")["rel"] = "/etc/passwd" }, wantErr: "not a clean path below"},
		{name: "more than permission bits", alter: func(v map[string]any) {
			firstFile(v)["final"].(map[string]any)["perm"] = uint32(fs.ModeSetuid | 0o755)
		}, wantErr: "more than permission bits"},
		{name: "duplicate path", alter: func(v map[string]any) {
			files := v["files"].([]any)
			v["files"] = append(files, files[0])
		}, wantErr: "appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.raw)
			if tt.alter != nil {
				v := encodedPlan(t, dir, text)
				tt.alter(v)
				var err error
				data, err = json.Marshal(v)
				require.NoError(t, err)
			}
			_, err := DecodePlan(data)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// firstFile returns the first file of an encoded plan.
func firstFile(v map[string]any) map[string]any { return v["files"].([]any)[0].(map[string]any) }

// firstPlace returns a place of the first file of an encoded plan.
func firstPlace(v map[string]any, which string) map[string]any {
	return firstFile(v)[which].(map[string]any)
}

func TestApplyMain(t *testing.T) {
	tests := []struct {
		name string
		// stdin returns what the writer reads, given the directory of the
		// files and one outside it.
		stdin      func(t *testing.T, dir, outside string) []byte
		wantCode   int
		wantStdout string
		wantStderr string
		after      map[string]string
	}{
		{
			name: "applies the plan",
			stdin: func(t *testing.T, dir, _ string) []byte {
				return mustEncode(t, dir, "*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+A\n*** Add File: sub/b.txt\n+b\n*** End Patch")
			},
			wantStdout: "Success. Updated the following files:\nM a.txt\nA sub/b.txt\n",
			after:      map[string]string{"a.txt": "A\n", "sub/b.txt": "b\n", "d/keep.txt": "k\n"},
		},
		{
			name:       "not a plan",
			stdin:      func(*testing.T, string, string) []byte { return []byte("*** Begin Patch\n") },
			wantCode:   ApplyExitBadPlan,
			wantStderr: "decode plan",
			after:      map[string]string{"a.txt": "a\n", "d/keep.txt": "k\n"},
		},
		{
			name: "file changed after verification",
			stdin: func(t *testing.T, dir, _ string) []byte {
				data := mustEncode(t, dir, "*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+A\n*** End Patch")
				writeFiles(t, dir, map[string]string{"a.txt": "someone else\n"})
				return data
			},
			wantCode:   ApplyExitFailed,
			wantStderr: "a.txt changed on disk after the patch was verified",
			after:      map[string]string{"a.txt": "someone else\n", "d/keep.txt": "k\n"},
		},
		{
			name: "directory swapped for a link after verification",
			stdin: func(t *testing.T, dir, outside string) []byte {
				data := mustEncode(t, dir, "*** Begin Patch\n*** Add File: d/new.txt\n+n\n*** End Patch")
				swapForLink(t, filepath.Join(dir, "d"), outside)
				return data
			},
			wantCode:   ApplyExitFailed,
			wantStderr: "changed on disk after the patch was verified",
			after:      map[string]string{"a.txt": "a\n", "d": "link to OUTSIDE", "d.old/keep.txt": "k\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, outside := t.TempDir(), t.TempDir()
			writeFiles(t, dir, map[string]string{"a.txt": "a\n", "d/keep.txt": "k\n"})
			writeFiles(t, outside, map[string]string{"keep.txt": "o\n"})
			var stdout, stderr bytes.Buffer
			code := ApplyMain(bytes.NewReader(tt.stdin(t, dir, outside)), &stdout, &stderr)
			assert.Equal(t, tt.wantCode, code, "stderr: %s", stderr.String())
			assert.Equal(t, tt.wantStdout, stdout.String())
			if tt.wantStderr == "" {
				assert.Empty(t, stderr.String())
			} else {
				assert.Contains(t, stderr.String(), tt.wantStderr)
			}
			assert.Equal(t, expandAll(tt.after, dir, outside), tree(t, dir))
			assert.Equal(t, map[string]string{"keep.txt": "o\n"}, tree(t, outside))
		})
	}
}

// tree is snapshot with symbolic links, listed as "link to " and their
// target.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[filepath.ToSlash(rel)] = "link to " + target
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	require.NoError(t, err)
	return out
}

// mustEncode verifies text in dir and encodes the plan.
func mustEncode(t *testing.T, dir, text string) []byte {
	t.Helper()
	plan, err := Verify(mustParse(t, text), dir)
	require.NoError(t, err)
	data, err := plan.Encode()
	require.NoError(t, err)
	assert.False(t, strings.Contains(string(data), "\n"), "one line of JSON")
	return data
}

// swapForLink moves the directory dir aside (to dir+".old") and puts a
// symbolic link to target in its place.
func swapForLink(t *testing.T, dir, target string) {
	t.Helper()
	require.NoError(t, os.Rename(dir, dir+".old"))
	require.NoError(t, os.Symlink(target, dir))
}

// expand puts the test's directories in place of DIR and OUTSIDE in s.
func expand(s, dir, outside string) string {
	return strings.NewReplacer("DIR", dir, "OUTSIDE", outside).Replace(s)
}

// expandAll applies expand to the values of m.
func expandAll(m map[string]string, dir, outside string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = expand(v, dir, outside)
	}
	return out
}
