//go:build unix

package rollout

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// codex-cli 0.45.0 reads whatever path resumeConversation names: /dev/zero
// until its memory runs out, a FIFO until a writer comes (the whole server
// waits meanwhile). Read refuses both without reading from them.
func TestReadRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	for _, path := range []string{"/dev/zero", fifo, dir} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, err := Read(path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "not a regular file")
		})
	}
}

func TestReadRefusesAFileOverTheBound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.jsonl")
	f, err := os.Create(path)
	require.NoError(t, err)
	// A sparse file: its size is over the bound, its blocks are not written.
	require.NoError(t, f.Truncate(MaxReadBytes+1))
	require.NoError(t, f.Close())
	_, err = Read(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "larger than")
}

// Errors about a file that is not a rollout name the line and the problem
// but never quote the file's bytes: the path may name a secret.
func TestReadErrorsDoNotQuoteTheFile(t *testing.T) {
	const secret = "hunter2-SECRET"
	cases := map[string]string{
		"text":       secret + ":$6$salt$hash:19000:0:99999:7:::\n",
		"json type":  `{"type":"` + secret + `","payload":{}}` + "\n",
		"bad member": `{"timestamp":"t","type":"session_meta","payload":{"id":["` + secret + `"]}}` + "\n",
		"later line": `{"timestamp":"t","type":"session_meta","payload":{"id":"x"}}` + "\n" + secret + "\n" + `{}` + "\n",
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "not-a-rollout")
			require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
			_, err := Read(path)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, err.Error(), "'h'")
		})
	}
}
