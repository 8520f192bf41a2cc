package patch

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeFiles creates files (relative name -> content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// snapshot returns every regular file under dir (relative name -> content).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	require.NoError(t, err)
	return out
}

func mustParse(t *testing.T, text string) *Patch {
	t.Helper()
	p, err := Parse(text)
	require.NoError(t, err)
	return p
}

func TestApplyScenarios(t *testing.T) {
	tests := []struct {
		name        string
		before      map[string]string
		patch       string
		after       map[string]string
		wantSummary string
	}{
		{
			name:   "add, update, delete",
			before: map[string]string{"modify.txt": "line1\nline2\n", "delete.txt": "bye\n"},
			patch: "*** Begin Patch\n*** Add File: nested/new.txt\n+created\n*** Delete File: delete.txt\n" +
				"*** Update File: modify.txt\n@@\n-line2\n+changed\n*** End Patch",
			after:       map[string]string{"modify.txt": "line1\nchanged\n", "nested/new.txt": "created\n"},
			wantSummary: "Success. Updated the following files:\nA nested/new.txt\nD delete.txt\nM modify.txt\n",
		},
		{
			name:   "multiple chunks",
			before: map[string]string{"multi.txt": "line1\nline2\nline3\nline4\n"},
			patch: "*** Begin Patch\n*** Update File: multi.txt\n@@\n-line2\n+changed2\n@@\n-line4\n+changed4\n" +
				"*** End Patch",
			after:       map[string]string{"multi.txt": "line1\nchanged2\nline3\nchanged4\n"},
			wantSummary: "Success. Updated the following files:\nM multi.txt\n",
		},
		{
			name:   "move to new directory",
			before: map[string]string{"old/name.txt": "from\n", "old/other.txt": "keep\n"},
			patch: "*** Begin Patch\n*** Update File: old/name.txt\n*** Move to: renamed/dir/name.txt\n@@\n-from\n+to\n" +
				"*** End Patch",
			after:       map[string]string{"old/other.txt": "keep\n", "renamed/dir/name.txt": "to\n"},
			wantSummary: "Success. Updated the following files:\nM renamed/dir/name.txt\n",
		},
		{
			name:        "move overwrites destination",
			before:      map[string]string{"a.txt": "x\n", "b.txt": "old b\n"},
			patch:       "*** Begin Patch\n*** Update File: a.txt\n*** Move to: b.txt\n@@\n-x\n+y\n*** End Patch",
			after:       map[string]string{"b.txt": "y\n"},
			wantSummary: "Success. Updated the following files:\nM b.txt\n",
		},
		{
			name:        "add overwrites existing file",
			before:      map[string]string{"dup.txt": "old\n"},
			patch:       "*** Begin Patch\n*** Add File: dup.txt\n+new\n*** End Patch",
			after:       map[string]string{"dup.txt": "new\n"},
			wantSummary: "Success. Updated the following files:\nA dup.txt\n",
		},
		{
			name:   "add then update the same file",
			before: map[string]string{},
			patch: "*** Begin Patch\n*** Add File: f.txt\n+one\n+two\n*** Update File: f.txt\n@@\n-two\n+2\n" +
				"*** End Patch",
			after:       map[string]string{"f.txt": "one\n2\n"},
			wantSummary: "Success. Updated the following files:\nA f.txt\nM f.txt\n",
		},
		{
			name:        "delete then add makes room for a directory",
			before:      map[string]string{"x": "file\n"},
			patch:       "*** Begin Patch\n*** Delete File: x\n*** Add File: x/inner.txt\n+in\n*** End Patch",
			after:       map[string]string{"x/inner.txt": "in\n"},
			wantSummary: "Success. Updated the following files:\nD x\nA x/inner.txt\n",
		},
		{
			name:        "fuzzy unicode match",
			before:      map[string]string{"u.txt": "say \u201chi\u201d \u2014 now\nnext\n"},
			patch:       "*** Begin Patch\n*** Update File: u.txt\n@@\n-say \"hi\" - now\n+say hello\n next\n*** End Patch",
			after:       map[string]string{"u.txt": "say hello\nnext\n"},
			wantSummary: "Success. Updated the following files:\nM u.txt\n",
		},
		{
			name:        "end of file anchor",
			before:      map[string]string{"t.txt": "a\nend\nb\nend\n"},
			patch:       "*** Begin Patch\n*** Update File: t.txt\n@@\n-end\n+END\n*** End of File\n*** End Patch",
			after:       map[string]string{"t.txt": "a\nend\nb\nEND\n"},
			wantSummary: "Success. Updated the following files:\nM t.txt\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.before)
			plan, err := Verify(mustParse(t, tt.patch), dir)
			require.NoError(t, err)
			assert.Equal(t, tt.before, snapshot(t, dir), "Verify must not write")
			summary, err := plan.Apply()
			require.NoError(t, err)
			assert.Equal(t, tt.wantSummary, summary)
			assert.Equal(t, tt.after, snapshot(t, dir))
		})
	}
}

func TestVerifyChanges(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"src.txt": "a\nb\nc\n", "gone.txt": "old content\n"})
	p := mustParse(t, "*** Begin Patch\n*** Add File: new.txt\n+hello\n*** Delete File: gone.txt\n"+
		"*** Update File: src.txt\n*** Move to: dst.txt\n@@\n a\n-b\n+B\n*** End Patch")
	plan, err := Verify(p, dir)
	require.NoError(t, err)

	abs := func(name string) string { return filepath.Join(dir, name) }
	require.Len(t, plan.Changes, 3)
	require.NotNil(t, plan.Changes[abs("new.txt")].Add)
	assert.Equal(t, "hello\n", plan.Changes[abs("new.txt")].Add.Content)
	require.NotNil(t, plan.Changes[abs("gone.txt")].Delete)
	assert.Equal(t, "old content\n", plan.Changes[abs("gone.txt")].Delete.Content)
	upd := plan.Changes[abs("src.txt")].Update
	require.NotNil(t, upd)
	require.NotNil(t, upd.MovePath)
	assert.Equal(t, abs("dst.txt"), *upd.MovePath)
	assert.Equal(t, "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n", upd.UnifiedDiff)

	assert.Equal(t, []string{abs("dst.txt"), abs("gone.txt"), abs("new.txt"), abs("src.txt")}, plan.Paths())
}

func TestVerifyFailureWritesNothing(t *testing.T) {
	before := map[string]string{"first.txt": "1\n", "third.txt": "3\n"}
	tests := []struct {
		name    string
		patch   string
		wantErr string
	}{
		{
			name: "update of missing file",
			patch: "*** Begin Patch\n*** Add File: made.txt\n+x\n*** Update File: missing.txt\n@@\n-a\n+b\n" +
				"*** Delete File: third.txt\n*** End Patch",
			wantErr: "update missing.txt: file does not exist",
		},
		{
			name: "delete of missing file",
			patch: "*** Begin Patch\n*** Update File: first.txt\n@@\n-1\n+one\n*** Delete File: nope.txt\n" +
				"*** Delete File: third.txt\n*** End Patch",
			wantErr: "delete nope.txt: file does not exist",
		},
		{
			name: "chunk does not match",
			patch: "*** Begin Patch\n*** Delete File: first.txt\n*** Update File: third.txt\n@@\n-not there\n+x\n" +
				"*** Add File: later.txt\n+y\n*** End Patch",
			wantErr: "update third.txt: change at patch line 4: could not find the expected lines:\nnot there",
		},
		{
			name: "delete of a directory",
			patch: "*** Begin Patch\n*** Add File: made.txt\n+x\n*** Delete File: sub\n" +
				"*** Delete File: third.txt\n*** End Patch",
			wantErr: "is a directory",
		},
		{
			name: "delete twice",
			patch: "*** Begin Patch\n*** Delete File: first.txt\n*** Delete File: first.txt\n" +
				"*** Delete File: third.txt\n*** End Patch",
			wantErr: "delete first.txt: file does not exist",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, before)
			require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
			plan, err := Verify(mustParse(t, tt.patch), dir)
			require.Error(t, err)
			assert.Nil(t, plan)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Equal(t, before, snapshot(t, dir))
		})
	}
}

func TestApplyRefusesFilesChangedSinceVerify(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.txt": "a\n", "b.txt": "b\n"})
	plan, err := Verify(mustParse(t, "*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+A\n*** Add File: c.txt\n+c\n*** End Patch"), dir)
	require.NoError(t, err)
	writeFiles(t, dir, map[string]string{"c.txt": "someone else\n"})

	_, err = plan.Apply()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "changed on disk")
	assert.Equal(t, map[string]string{"a.txt": "a\n", "b.txt": "b\n", "c.txt": "someone else\n"}, snapshot(t, dir))
}

func TestApplyKeepsPermissionsAndAbsolutePaths(t *testing.T) {
	dir := t.TempDir()
	other := t.TempDir()
	script := filepath.Join(dir, "run.sh")
	require.NoError(t, os.WriteFile(script, []byte("echo hi\n"), 0o755))
	p := mustParse(t, "*** Begin Patch\n*** Update File: run.sh\n*** Move to: "+filepath.Join(other, "bin", "run.sh")+
		"\n@@\n-echo hi\n+echo bye\n*** End Patch")
	plan, err := Verify(p, dir)
	require.NoError(t, err)
	summary, err := plan.Apply()
	require.NoError(t, err)
	assert.Equal(t, "Success. Updated the following files:\nM "+filepath.Join(other, "bin", "run.sh")+"\n", summary)

	info, err := os.Stat(filepath.Join(other, "bin", "run.sh"))
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o755), info.Mode().Perm())
	assert.NoFileExists(t, script)
	data, err := os.ReadFile(filepath.Join(other, "bin", "run.sh"))
	require.NoError(t, err)
	assert.Equal(t, "echo bye\n", string(data))
}

func TestVerifyRelativeCwd(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeFiles(t, dir, map[string]string{"w/f.txt": "x\n"})
	plan, err := Verify(mustParse(t, "*** Begin Patch\n*** Delete File: f.txt\n*** End Patch"), "w")
	require.NoError(t, err)
	resolved, err := filepath.EvalSymlinks(dir)
	require.NoError(t, err)
	paths := plan.Paths()
	require.Len(t, paths, 1)
	assert.True(t, strings.HasSuffix(paths[0], filepath.Join("w", "f.txt")))
	gotDir, err := filepath.EvalSymlinks(filepath.Dir(paths[0]))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(resolved, "w"), gotDir)
}

func TestVerifyEmptyPatch(t *testing.T) {
	_, err := Verify(&Patch{}, t.TempDir())
	require.Error(t, err)
	_, err = Verify(nil, t.TempDir())
	require.Error(t, err)
}

func TestVerifyRejectsFileAsParent(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"x": "file\n"})
	_, err := Verify(mustParse(t, "*** Begin Patch\n*** Add File: x/inner.txt\n+in\n*** End Patch"), dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a directory")

	_, err = Verify(mustParse(t, "*** Begin Patch\n*** Add File: y\n+in\n*** Add File: y/z\n+in\n*** End Patch"), dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is a file")
	assert.Equal(t, map[string]string{"x": "file\n"}, snapshot(t, dir))
}
