// Package daemon runs `codex app-server` in the background on a unix
// socket under CODEX_HOME, and starts, stops and reports on it. The server
// is this binary run again as `codex app-server --listen unix://PATH`, in a
// session of its own, with its output going to a log file; a pid file
// records it. Clients reach it through the socket (WebSocket upgrade, one
// JSON-RPC message per text frame), for instance with `codex app-server
// proxy`.
package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Statuses reported by Start, Stop and Query, in the words of the
// reference's `daemon start` and `daemon stop`.
const (
	// StatusStarted: Start launched a server that now answers.
	StatusStarted = "started"
	// StatusAlreadyRunning: Start found a running server and left it be.
	StatusAlreadyRunning = "alreadyRunning"
	// StatusStopped: Stop ended a running server.
	StatusStopped = "stopped"
	// StatusNotRunning: no server runs.
	StatusNotRunning = "notRunning"
	// StatusRunning: Query found a running server.
	StatusRunning = "running"
)

// maxSocketPath is the longest unix socket path every supported system
// accepts (sun_path holds 104 bytes on macOS and the BSDs, 108 on Linux,
// including the terminating NUL).
const maxSocketPath = 103

// Paths are the files of the daemon of one CODEX_HOME.
type Paths struct {
	// Socket is the unix socket the server listens on:
	// CODEX_HOME/app-server-control/app-server-control.sock, where the
	// reference's `app-server --listen unix://` listens too.
	Socket string
	// Dir holds the pid file, the lock and the log:
	// CODEX_HOME/app-server-daemon.
	Dir string
	// PidFile records the running server (a Record, as JSON).
	PidFile string
	// LockFile serialises Start and Stop.
	LockFile string
	// LogFile receives the server's stdout and stderr.
	LogFile string
}

// PathsFor returns the daemon files of the CODEX_HOME home.
func PathsFor(home string) Paths {
	dir := filepath.Join(home, "app-server-daemon")
	return Paths{
		Socket:   DefaultSocket(home),
		Dir:      dir,
		PidFile:  filepath.Join(dir, "daemon.pid"),
		LockFile: filepath.Join(dir, "daemon.lock"),
		LogFile:  filepath.Join(dir, "daemon.log"),
	}
}

// DefaultSocket returns the default unix socket of the app-server of the
// CODEX_HOME home.
func DefaultSocket(home string) string {
	return filepath.Join(home, "app-server-control", "app-server-control.sock")
}

// Record is the content of the pid file.
type Record struct {
	// Pid is the server's process id.
	Pid int `json:"pid"`
	// SocketPath is the socket it listens on.
	SocketPath string `json:"socketPath"`
	// Executable is the binary it runs.
	Executable string `json:"executable"`
	// StartedAt is when it was started, RFC 3339.
	StartedAt string `json:"startedAt"`
}

// Status is what Start, Stop and Query report, printed as one JSON line.
type Status struct {
	// Status is one of the Status* constants.
	Status string `json:"status"`
	// Pid is the server's process id, when there is (or was) one.
	Pid int `json:"pid,omitempty"`
	// SocketPath is the server's socket.
	SocketPath string `json:"socketPath"`
	// PidFile is the pid file.
	PidFile string `json:"pidFile"`
	// LogFile is the server's log.
	LogFile string `json:"logFile"`
	// Answering, set by Query for a running server, says whether the
	// socket accepted a connection.
	Answering *bool `json:"answering,omitempty"`
}

// status builds a Status of p.
func (p Paths) status(s string, pid int) Status {
	return Status{Status: s, Pid: pid, SocketPath: p.Socket, PidFile: p.PidFile, LogFile: p.LogFile}
}

// readRecord reads the pid file; it returns nil without error when there
// is none. A pid file that cannot be parsed is reported as an error that
// names it.
func (p Paths) readRecord() (*Record, error) {
	b, err := os.ReadFile(p.PidFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil || r.Pid <= 0 {
		// A damaged pid file names no process that could be signalled
		// safely: it is stale.
		return &Record{}, nil
	}
	return &r, nil
}

// writeRecord writes the pid file atomically: a reader sees the old file,
// no file, or the whole new one.
func (p Paths) writeRecord(r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(p.Dir, ".daemon.pid-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(append(b, '\n'))
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), p.PidFile)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write pid file: %w", werr)
	}
	return nil
}

// removeRecord deletes the pid file.
func (p Paths) removeRecord() error {
	if err := os.Remove(p.PidFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// checkSocketPath fails when the socket path is too long for a unix socket.
func checkSocketPath(path string) error {
	if len(path) > maxSocketPath {
		return fmt.Errorf("socket path %s is %d bytes long, more than the %d a unix socket allows: use a shorter CODEX_HOME", path, len(path), maxSocketPath)
	}
	return nil
}

// now is the time written to the pid file.
func now() string { return time.Now().UTC().Format(time.RFC3339) }
