package configedit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddMCPServerCreatesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "home", "config.toml")
	require.NoError(t, AddMCPServer(path, MCPServer{Name: "s", Command: "c"}))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "[mcp_servers.s]\ncommand = \"c\"\n", string(data))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	dir, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), dir.Mode().Perm())

	servers, err := ReadMCPServers(path)
	require.NoError(t, err)
	assert.Equal(t, []MCPServer{{Name: "s", Command: "c"}}, servers)
}

func TestAddAndRemoveKeepModeAndContent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	require.NoError(t, os.WriteFile(path, []byte(richConfig), 0o640))
	require.NoError(t, os.Chmod(path, 0o640))

	require.NoError(t, AddMCPServer(path, MCPServer{Name: "new", Command: "x"}))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, richConfig+"\n[mcp_servers.new]\ncommand = \"x\"\n", string(data))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), info.Mode().Perm())

	removed, err := RemoveMCPServer(path, "new")
	require.NoError(t, err)
	assert.True(t, removed)
	data, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, richConfig, string(data))

	removed, err = RemoveMCPServer(path, "new")
	require.NoError(t, err)
	assert.False(t, removed)

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file is left behind")
}

func TestRemoveFromMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	removed, err := RemoveMCPServer(path, "s")
	require.NoError(t, err)
	assert.False(t, removed)
	_, err = os.Stat(path)
	assert.True(t, os.IsNotExist(err))

	servers, err := ReadMCPServers(path)
	require.NoError(t, err)
	assert.Empty(t, servers)
}

func TestInvalidFileIsNotWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	const broken = "model = \"o3\"\n[mcp_servers.s]\ncommand = \"c\"\nmodel = = 1\n"
	require.NoError(t, os.WriteFile(path, []byte(broken), 0o600))

	err := AddMCPServer(path, MCPServer{Name: "n", Command: "x"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), path+": line 4:")
	_, err = RemoveMCPServer(path, "s")
	require.Error(t, err)
	assert.Contains(t, err.Error(), path+": line 4:")
	_, err = ReadMCPServers(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path+": line 4:")

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, broken, string(data))
}

func TestSymlinkTargetIsEdited(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.toml")
	link := filepath.Join(dir, "config.toml")
	require.NoError(t, os.WriteFile(target, []byte("model = \"o3\"\n"), 0o600))
	require.NoError(t, os.Symlink(target, link))

	require.NoError(t, AddMCPServer(link, MCPServer{Name: "s", Command: "c"}))
	info, err := os.Lstat(link)
	require.NoError(t, err)
	assert.Equal(t, os.ModeSymlink, info.Mode().Type())
	data, err := os.ReadFile(target)
	require.NoError(t, err)
	assert.Equal(t, "model = \"o3\"\n\n[mcp_servers.s]\ncommand = \"c\"\n", string(data))
}

func TestUnchangedFileIsNotRewritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	require.NoError(t, os.WriteFile(path, []byte("[mcp_servers.s]\ncommand = \"c\"\n"), 0o600))
	before, err := os.Stat(path)
	require.NoError(t, err)
	require.NoError(t, AddMCPServer(path, MCPServer{Name: "s", Command: "c"}))
	after, err := os.Stat(path)
	require.NoError(t, err)
	assert.True(t, os.SameFile(before, after), "the file was not replaced")
}
