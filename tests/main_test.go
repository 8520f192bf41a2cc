// Package tests holds integration tests: they build the codex binary once,
// run it as a child process and drive it over stdio, with a fake model
// provider on loopback.
package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// codexBin is the path of the binary built by TestMain, and mcpTestServerBin
// that of the MCP test server (tests/mcptestserver).
var (
	codexBin         string
	mcpTestServerBin string
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "codex-tests-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create temp dir:", err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	codexBin = filepath.Join(dir, "codex")
	mcpTestServerBin = filepath.Join(dir, "mcptestserver")
	builds := map[string]string{
		codexBin:         "github.com/codex-go/codex/cmd/codex",
		mcpTestServerBin: "github.com/codex-go/codex/tests/mcptestserver",
	}
	// CODEX_TEST_BIN runs the tests against another build, such as the
	// reference CLI, to observe the behaviour that a test pins.
	if other := os.Getenv("CODEX_TEST_BIN"); other != "" {
		delete(builds, codexBin)
		codexBin = other
	}
	for bin, pkg := range builds {
		build := exec.Command("go", "build", "-o", bin, pkg)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build", pkg+":", err)
			return 1
		}
	}
	return m.Run()
}
