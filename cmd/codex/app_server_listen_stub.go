package main

// A minimal `--listen` for `codex app-server`, enough for the daemon, the
// proxy and their tests: unix://PATH (mode 0600) and ws://IP:PORT, each
// carrying the WebSocket upgrade and one JSON-RPC message per text frame,
// with a server of its own per connection and no authentication. The full
// listener (authentication, shared threads between connections) replaces
// this file and addListenFlag.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/coder/websocket"
	"github.com/spf13/cobra"

	"github.com/codex-go/codex/appserver"
	"github.com/codex-go/codex/internal/daemon"
)

// addListenFlag adds --listen to the app-server command: with a URL other
// than stdio:// the command serves connections instead of stdio.
func addListenFlag(cmd *cobra.Command, flags *globalFlags, std stdio) {
	var listen string
	cmd.Flags().StringVar(&listen, "listen", "stdio://", "transport `URL`: stdio://, unix://[PATH] or ws://IP:PORT")
	stdioRun := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if listen == "" || listen == "stdio://" {
			return stdioRun(c, args)
		}
		e, err := flags.resolveEngine()
		if err != nil {
			return err
		}
		ln, err := listenURL(listen, e.home)
		if err != nil {
			return err
		}
		newServer := func() *appserver.Server {
			return appserver.New(appserver.Options(e.serverOptions(std.err)))
		}
		return failed(serveWebSockets(c.Context(), ln, newServer, std.err))
	}
}

// listenURL opens the listener a --listen URL names.
func listenURL(u, home string) (net.Listener, error) {
	switch {
	case strings.HasPrefix(u, "unix://"):
		path := strings.TrimPrefix(u, "unix://")
		if path == "" {
			path = daemon.DefaultSocket(home)
		}
		ln, err := net.Listen("unix", path)
		if err != nil {
			return nil, failed(err)
		}
		if err := os.Chmod(path, 0o600); err != nil {
			_ = ln.Close()
			return nil, failed(err)
		}
		return ln, nil
	case strings.HasPrefix(u, "ws://"):
		ln, err := net.Listen("tcp", strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/"))
		if err != nil {
			return nil, failed(err)
		}
		return ln, nil
	}
	return nil, fmt.Errorf("unsupported --listen URL %q: use stdio://, unix://PATH or ws://IP:PORT", u)
}

// serveWebSockets serves every WebSocket connection of ln with a server of
// its own until ctx ends; the connections end with it.
func serveWebSockets(ctx context.Context, ln net.Listener, newServer func() *appserver.Server, logw io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		conn.SetReadLimit(64 << 20)
		serveConn(ctx, conn, newServer(), logw)
	})
	hs := &http.Server{Handler: handler}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
		// Connections end with ctx.
		_ = hs.Close()
		<-done
		return nil
	case err := <-done:
		return err
	}
}

// serveConn runs srv over one WebSocket connection: frames in are lines on
// its input, lines it writes are frames out.
func serveConn(ctx context.Context, conn *websocket.Conn, srv *appserver.Server, logw io.Writer) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	inR, inW := io.Pipe()
	go func() {
		for {
			_, msg, err := conn.Read(ctx)
			if err != nil {
				_ = inW.Close()
				return
			}
			if _, err := inW.Write(append(bytes.TrimRight(msg, "\n"), '\n')); err != nil {
				return
			}
		}
	}()
	out := &frameWriter{ctx: ctx, conn: conn}
	if err := srv.Run(ctx, inR, out); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(logw, "connection: %v\n", err)
	}
	_ = inR.Close()
	_ = conn.Close(websocket.StatusNormalClosure, "")
}

// frameWriter sends each complete line written to it as one text frame.
type frameWriter struct {
	ctx  context.Context
	conn *websocket.Conn
	mu   sync.Mutex
	buf  []byte
}

// Write buffers p and sends every line it completes.
func (w *frameWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		line := w.buf[:i]
		if len(bytes.TrimSpace(line)) > 0 {
			if err := w.conn.Write(w.ctx, websocket.MessageText, line); err != nil {
				return 0, err
			}
		}
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) == 0 {
		w.buf = nil
	}
	return len(p), nil
}
