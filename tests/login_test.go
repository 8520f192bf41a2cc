package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCodex runs the binary with a CODEX_HOME and stdin, returning stdout and the exit code.
func runCodex(t *testing.T, home, stdin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(codexBin, args...)
	cmd.Env = append(filteredEnv(), "CODEX_HOME="+home, "HOME="+home)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return string(out), code
}

func TestLoginWithAPIKeyStatusLogout(t *testing.T) {
	home := t.TempDir()
	out, code := runCodex(t, home, "", "login", "status")
	assert.Equal(t, 1, code)
	assert.Equal(t, "Not signed in.\n", out)

	out, code = runCodex(t, home, "sk-test-123\n", "login", "--with-api-key")
	require.Equal(t, 0, code, out)
	info, err := os.Stat(filepath.Join(home, "auth.json"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	data, err := os.ReadFile(filepath.Join(home, "auth.json"))
	require.NoError(t, err)
	assert.Contains(t, string(data), `"sk-test-123"`)

	out, code = runCodex(t, home, "", "login", "status")
	assert.Equal(t, 0, code)
	assert.Equal(t, "Signed in with an API key.\n", out)

	out, code = runCodex(t, home, "", "logout")
	assert.Equal(t, 0, code)
	assert.Equal(t, "Logged out.\n", out)
	_, err = os.Stat(filepath.Join(home, "auth.json"))
	assert.True(t, os.IsNotExist(err))
}
