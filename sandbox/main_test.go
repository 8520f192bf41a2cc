package sandbox

import (
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// probeArg makes the test binary act as a small program whose file and
// network operations the tests run under the sandbox.
const probeArg = "__sandbox_test_probe"

// TestMain lets the test binary act as the helpers (see
// RunHelperIfRequested) and as the probe.
func TestMain(m *testing.M) {
	RunHelperIfRequested()
	if len(os.Args) > 1 && os.Args[1] == probeArg {
		os.Exit(runProbe(os.Args[2:]))
	}
	// Under the race detector a program sleeps a second before it exits,
	// which every sandboxed command of these tests would pay.
	if _, set := os.LookupEnv("GORACE"); !set {
		_ = os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	os.Exit(m.Run())
}

// runProbe performs one operation: "write PATH", "read PATH", "dial ADDR"
// (TCP), "unix PATH" (Unix domain socket) or one of extraProbe's. It prints what it read or the
// error and returns the exit status.
func runProbe(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "probe: want OPERATION ARGUMENT")
		return 2
	}
	op, arg := args[0], args[1]
	var err error
	switch op {
	case "write":
		err = os.WriteFile(arg, []byte("written"), 0o644)
	case "read":
		var data []byte
		data, err = os.ReadFile(arg)
		os.Stdout.Write(data)
	case "dial", "unix":
		network := "tcp"
		if op == "unix" {
			network = "unix"
		}
		var conn net.Conn
		conn, err = net.DialTimeout(network, arg, 10*time.Second)
		if err == nil {
			var data []byte
			data, err = io.ReadAll(conn)
			os.Stdout.Write(data)
			conn.Close()
		}
	default:
		err = extraProbe(op, arg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		return 3
	}
	return 0
}
