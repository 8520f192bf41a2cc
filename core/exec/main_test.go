package exec

import (
	"os"
	"testing"

	"github.com/codex-go/codex/sandbox"
)

// TestMain lets the test binary act as the sandbox helper, so sandboxed runs
// can use it as Params.SelfExe.
func TestMain(m *testing.M) {
	sandbox.RunHelperIfRequested()
	// Under the race detector a program sleeps a second before it exits,
	// which every sandboxed command of these tests would pay.
	if _, set := os.LookupEnv("GORACE"); !set {
		_ = os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	os.Exit(m.Run())
}
