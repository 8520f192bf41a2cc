//go:build unix

package auth

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// Not parallel: the umask is process-wide.
func TestSaveAPIKeyIgnoresPermissiveUmask(t *testing.T) {
	home := t.TempDir()
	old := syscall.Umask(0)
	defer syscall.Umask(old)

	require.NoError(t, SaveAPIKey(home, "sk-umask"))
	requireMode0600(t, Path(home))
	requireOnlyAuthFile(t, home)
}

// Not parallel: the umask is process-wide.
func TestSaveAPIKeyUnderRestrictiveUmask(t *testing.T) {
	home := t.TempDir()
	old := syscall.Umask(0o277)
	defer syscall.Umask(old)

	require.NoError(t, SaveAPIKey(home, "sk-umask"))
	requireMode0600(t, Path(home))
	f, err := Load(home)
	require.NoError(t, err)
	require.Equal(t, "sk-umask", f.BearerToken())
}
