package rpcclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
)

// Spawn starts cmd, a server such as `codex app-server` or
// `codex mcp-server` with its arguments, environment and directory set by
// the caller, and returns a client on its standard input and output. When
// cmd.Stderr is nil, the last Options.MaxStderr bytes of the process's
// standard error are kept for Client.Stderr. Shutdown or Kill end the
// process; a cmd made with exec.CommandContext is also killed when its
// context ends.
func Spawn(cmd *exec.Cmd, opts Options) (*Client, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr *tailBuffer
	if cmd.Stderr == nil {
		limit := opts.MaxStderr
		if limit <= 0 {
			limit = 1 << 20
		}
		stderr = &tailBuffer{limit: limit}
		cmd.Stderr = stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	c := start(stdout, stdin, opts)
	c.pid = cmd.Process.Pid
	c.stderr = stderr
	c.kill = func() { _ = cmd.Process.Kill() }
	go func() {
		// Wait closes the output pipe, so it waits until all was read.
		<-c.readDone
		c.finish(cmd.Wait())
	}()
	return c, nil
}

// RunFunc runs a server on in and out until in ends or ctx is cancelled:
// the Run method of appserver.Server and of mcpserver.Server.
type RunFunc func(ctx context.Context, in io.Reader, out io.Writer) error

// errServerStopped fails writes to an in-process server that returned.
var errServerStopped = errors.New("the server stopped")

// Serve runs run in a goroutine over in-memory pipes and returns a client
// connected to it. The server's context derives from ctx; Kill cancels it.
// Shutdown and Kill return what run returned.
func Serve(ctx context.Context, run RunFunc, opts Options) *Client {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(ctx)
	c := start(outR, inW, opts)
	c.kill = cancel
	go func() {
		defer cancel()
		err := run(ctx, inR, outW)
		_ = outW.Close()
		// Nobody reads the input any more: writes fail instead of blocking.
		_ = inR.CloseWithError(errServerStopped)
		<-c.readDone
		c.finish(err)
	}()
	return c
}

// tailBuffer keeps the last limit bytes written to it.
type tailBuffer struct {
	mu      sync.Mutex
	limit   int
	buf     []byte
	dropped int64
}

// Write appends p, dropping the oldest bytes beyond the limit.
func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.limit; over > 0 {
		b.dropped += int64(over)
		b.buf = b.buf[:copy(b.buf, b.buf[over:])]
	}
	return len(p), nil
}

// String returns the kept bytes, saying how many were dropped before them.
func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dropped > 0 {
		return fmt.Sprintf("[%d earlier bytes dropped]\n%s", b.dropped, b.buf)
	}
	return string(b.buf)
}
