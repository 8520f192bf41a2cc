package conversation

import (
	"os"
	"testing"

	"github.com/codex-go/codex/sandbox"
)

// TestMain lets the test binary act as the helpers the engine starts it as
// (see sandbox.RunHelperIfRequested), as a program embedding the engine
// must.
func TestMain(m *testing.M) {
	sandbox.RunHelperIfRequested()
	os.Exit(m.Run())
}
