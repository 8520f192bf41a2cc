//go:build !unix

package sandbox

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"runtime"
)

// RunLoggingDenials collects Seatbelt denials on macOS; on this system it
// always fails without running cmd.
func RunLoggingDenials(_ context.Context, _ *exec.Cmd, _ io.Writer) (int, error) {
	return 0, fmt.Errorf("sandbox: denial logging needs the macOS system log, not available on %s", runtime.GOOS)
}
