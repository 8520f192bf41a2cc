package mcpclient

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/config"
)

// serverBin is the test MCP server built by TestMain.
var serverBin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// runTests builds tests/mcptestserver once, then runs the tests.
func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "mcpclient-tests-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create temp dir:", err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	serverBin = filepath.Join(dir, "mcptestserver")
	build := exec.Command("go", "build", "-o", serverBin, "github.com/codex-go/codex/tests/mcptestserver")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build mcptestserver:", err)
		return 1
	}
	return m.Run()
}

// testServer returns the config of the test server run with args.
func testServer(args ...string) config.MCPServerConfig {
	return config.MCPServerConfig{Command: serverBin, Args: args}
}

// startAll starts servers, requires that all of them started and closes the
// manager when the test ends.
func startAll(t *testing.T, servers map[string]config.MCPServerConfig, opts ...Option) *Manager {
	t.Helper()
	m, failures := Start(context.Background(), servers, opts...)
	t.Cleanup(func() { _ = m.Close() })
	require.Empty(t, failures)
	return m
}
