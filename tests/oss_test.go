package tests

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOSSFlagChecksTheLocalServer(t *testing.T) {
	home := t.TempDir()
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	cmd := exec.Command(codexBin, "--oss", "app-server")
	cmd.Env = append(filteredEnv(), "CODEX_HOME="+home, "HOME="+home, "CODEX_OSS_BASE_URL=", "CODEX_OSS_PORT="+strconv.Itoa(closed))
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, string(out))
	assert.Equal(t, 1, ee.ExitCode())
	assert.Contains(t, string(out), "ollama serve")

	// A server that answers like Ollama lets the command start.
	ollama := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/tags" {
			_, _ = w.Write([]byte(`{"models":[]}`))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(ollama.Close)
	cmd = exec.Command(codexBin, "--oss", "app-server")
	cmd.Env = append(filteredEnv(), "CODEX_HOME="+home, "HOME="+home, "CODEX_OSS_BASE_URL="+ollama.URL+"/v1")
	cmd.Stdin = strings.NewReader(`{"id":1,"method":"initialize","params":{"clientInfo":{"name":"t","version":"1"}}}` + "\n")
	out, err = cmd.Output()
	require.NoError(t, err)
	assert.Contains(t, string(out), `"userAgent"`)
}
