package mcpclient

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/codex-go/codex/sandbox"
)

// baseEnvNames are the variables a server inherits from this process.
var baseEnvNames = [...]string{
	"HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME",
	"LANG", "LC_ALL", "LC_CTYPE", "TERM", "TMPDIR", "TZ",
	// Windows programs need these to start at all.
	"SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT",
	"APPDATA", "LOCALAPPDATA", "PROGRAMDATA", "USERPROFILE", "TEMP", "TMP",
}

// serverEnv returns the environment of a server: the base variables found in
// environ (entries "NAME=value"), then extra on top, sorted by name.
func serverEnv(environ []string, extra map[string]string) []string {
	vars := map[string]string{}
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			continue
		}
		if isBaseEnvName(name) {
			vars[name] = value
		}
	}
	for name, value := range extra {
		vars[name] = value
	}
	out := make([]string, 0, len(vars))
	for name, value := range vars {
		out = append(out, name+"="+value)
	}
	slices.Sort(out)
	return out
}

// isBaseEnvName reports whether a variable is inherited by servers. Names
// compare case-insensitively on Windows, where the environment does.
func isBaseEnvName(name string) bool {
	for _, base := range baseEnvNames {
		if name == base || runtime.GOOS == "windows" && strings.EqualFold(name, base) {
			return true
		}
	}
	return false
}

// process is a running server process and the pipes to it.
type process struct {
	cmd *exec.Cmd
	// stdin is the write end of the server's stdin.
	stdin *os.File
	// stdout is the read end of the server's stdout.
	stdout *os.File
	// stderrPipe is the read end of the server's stderr, drained into stderr.
	stderrPipe *os.File
	stderr     *tailBuffer
	// stderrDone is closed once stderr has been drained to its end.
	stderrDone chan struct{}
	// exited is closed once the process has been waited for; waitErr is
	// set before.
	exited  chan struct{}
	waitErr error
}

// spawn starts command with args and env in a process group of its own,
// in directory dir ("" for the one of this process).
func spawn(command string, args, env []string, dir string) (*process, error) {
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			_ = f.Close()
		}
	}
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		if err == nil {
			files = append(files, r, w)
		}
		return r, w, err
	}
	inR, inW, err := pipe()
	if err != nil {
		return nil, fmt.Errorf("create stdin pipe: %w", err)
	}
	outR, outW, err := pipe()
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("create stdout pipe: %w", err)
	}
	errR, errW, err := pipe()
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("create stderr pipe: %w", err)
	}

	cmd := exec.Command(command, args...)
	cmd.Env = sandbox.OutsideEnv(env)
	cmd.Dir = dir
	cmd.Stdin = inR
	cmd.Stdout = outW
	cmd.Stderr = errW
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		closeAll()
		return nil, err
	}
	// The child holds its own copies of these ends.
	_ = inR.Close()
	_ = outW.Close()
	_ = errW.Close()

	p := &process{
		cmd:        cmd,
		stdin:      inW,
		stdout:     outR,
		stderrPipe: errR,
		stderr:     newTailBuffer(stderrKeep),
		stderrDone: make(chan struct{}),
		exited:     make(chan struct{}),
	}
	go func() {
		defer close(p.stderrDone)
		_, _ = io.Copy(p.stderr, errR)
	}()
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// hasExited reports whether the process has ended.
func (p *process) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// awaitExit waits up to d for the process to end and for its stderr to be
// drained, and reports whether it ended.
func (p *process) awaitExit(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-p.exited:
	case <-timer.C:
		return false
	}
	select {
	case <-p.stderrDone:
	case <-timer.C:
	}
	return true
}

// exitStatus describes how the ended process finished, e.g. "exit status 3"
// or "signal: killed".
func (p *process) exitStatus() string {
	if p.waitErr == nil {
		return "exit status 0"
	}
	return p.waitErr.Error()
}

// stderrTail returns the last lines the process wrote to stderr.
func (p *process) stderrTail() string {
	return p.stderr.Tail(tailLines, tailBytes)
}

// kill kills the process and every process of its group.
func (p *process) kill() {
	killGroup(p.cmd.Process)
	_ = p.cmd.Process.Kill()
}

// closePipes closes this side of the pipes, releasing readers still blocked
// on them.
func (p *process) closePipes() {
	_ = p.stdin.Close()
	_ = p.stdout.Close()
	_ = p.stderrPipe.Close()
}

// withStderr appends the tail of the server's stderr to a message.
func withStderr(msg, tail string) string {
	if tail == "" {
		return msg
	}
	return msg + "; stderr:\n" + tail
}
