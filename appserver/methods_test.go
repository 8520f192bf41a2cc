package appserver

import (
	"testing"

	"github.com/codex-go/codex/internal/rpcserver/rpctest"
)

// TestMethodTableComplete fails when a row of the method table has no
// handler or a handler of the server has no row.
func TestMethodTableComplete(t *testing.T) {
	rpctest.CheckComplete(t, methods(), ".", "Server")
}
