// Package stdioproxy bridges a line-oriented JSON-RPC stream (a process's
// stdin and stdout) to an app-server that listens for WebSocket connections
// on a unix socket: each line read becomes one text frame, and each frame
// received is written as one line. An editor that can only spawn a process
// and talk to its stdio can so use a long-running server.
package stdioproxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/coder/websocket"

	"github.com/codex-go/codex/internal/listen"
)

// DefaultMaxMessageBytes is the largest message carried in either
// direction unless Options say otherwise: 16 MiB, the size above which the
// reference app-server announces it splits WebSocket messages.
const DefaultMaxMessageBytes = 16 << 20

// readChunk is the size of the stdin read buffer, the most memory a line
// that is being skipped occupies.
const readChunk = 64 << 10

// Options configure Run.
type Options struct {
	// MaxMessageBytes bounds a line read from stdin and a frame read from
	// the server; zero means DefaultMaxMessageBytes. A longer line is
	// skipped and answered on stdout with an invalid-request error; a
	// longer frame ends the connection.
	MaxMessageBytes int
	// Log receives diagnostics; nil discards them.
	Log io.Writer
}

// DialUnix opens a WebSocket connection to the server listening on the
// unix socket at path.
func DialUnix(ctx context.Context, path string) (*websocket.Conn, error) {
	conn, _, err := listen.DialWebSocket(ctx, listen.Endpoint{Scheme: listen.Unix, Addr: path}, listen.DialOptions{})
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", path, err)
	}
	return conn, nil
}

// Run carries messages between in/out and conn until either side ends:
// the end of in closes the connection normally, and the server closing the
// connection ends Run (reading in is then abandoned). It returns nil when
// in ended or the server closed the connection normally.
func Run(ctx context.Context, conn *websocket.Conn, in io.Reader, out io.Writer, opts Options) error {
	limit := opts.MaxMessageBytes
	if limit <= 0 {
		limit = DefaultMaxMessageBytes
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	conn.SetReadLimit(int64(limit))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// out is written by the frame reader and, for skipped lines, by the
	// line reader.
	var outMu sync.Mutex
	writeLine := func(b []byte) error {
		outMu.Lock()
		defer outMu.Unlock()
		if _, err := out.Write(b); err != nil {
			return err
		}
		_, err := out.Write([]byte{'\n'})
		return err
	}

	fromServer := make(chan error, 1)
	go func() {
		fromServer <- copyFrames(ctx, conn, writeLine)
	}()
	fromClient := make(chan error, 1)
	go func() {
		fromClient <- copyLines(ctx, conn, in, limit, logw, writeLine)
	}()

	select {
	case err := <-fromServer:
		cancel()
		_ = conn.CloseNow()
		if isNormalClose(err) {
			return nil
		}
		return fmt.Errorf("server connection: %w", err)
	case err := <-fromClient:
		if err != nil {
			_ = conn.CloseNow()
			return err
		}
		// The client is done: say goodbye and let the reader see the
		// close handshake through.
		closeErr := conn.Close(websocket.StatusNormalClosure, "")
		cancel()
		<-fromServer
		if closeErr != nil && !isNormalClose(closeErr) && !errors.Is(closeErr, net.ErrClosed) {
			fmt.Fprintf(logw, "proxy: closing the connection: %v\n", closeErr)
		}
		return nil
	case <-ctx.Done():
		_ = conn.CloseNow()
		return ctx.Err()
	}
}

// copyFrames writes every message the server sends as one line.
func copyFrames(ctx context.Context, conn *websocket.Conn, writeLine func([]byte) error) error {
	for {
		typ, r, err := conn.Reader(ctx)
		if err != nil {
			return err
		}
		if typ != websocket.MessageText {
			// Only text frames carry messages; drain anything else.
			if _, err := io.Copy(io.Discard, r); err != nil {
				return err
			}
			continue
		}
		msg, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		msg = bytes.TrimRight(msg, "\r\n")
		if bytes.IndexByte(msg, '\n') >= 0 {
			// A message is one line on stdout; JSON never needs a raw
			// newline, so one inside a frame is whitespace.
			msg = bytes.ReplaceAll(msg, []byte{'\n'}, []byte{' '})
		}
		if err := writeLine(msg); err != nil {
			return fmt.Errorf("write stdout: %w", err)
		}
	}
}

// copyLines sends every non-blank line of in as one text frame. A line
// longer than limit is read to its end in bounded pieces, dropped, and
// answered on stdout with an invalid-request error (id null). It returns
// nil at the end of in.
func copyLines(ctx context.Context, conn *websocket.Conn, in io.Reader, limit int, logw io.Writer, writeLine func([]byte) error) error {
	r := bufio.NewReaderSize(in, readChunk)
	var line []byte
	for {
		line = line[:0]
		tooLong := false
		var readErr error
		for {
			chunk, err := r.ReadSlice('\n')
			body := chunk
			if err == nil {
				body = chunk[:len(chunk)-1]
			}
			if !tooLong {
				if len(line)+len(body) > limit {
					tooLong, line = true, nil
				} else {
					line = append(line, body...)
				}
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			readErr = err
			break
		}
		if tooLong {
			fmt.Fprintf(logw, "proxy: skipped a line longer than %d bytes\n", limit)
			msg := fmt.Sprintf(`{"error":{"code":-32600,"message":"Invalid request: the line exceeded %d bytes and was skipped"},"id":null}`, limit)
			if err := writeLine([]byte(msg)); err != nil {
				return fmt.Errorf("write stdout: %w", err)
			}
		} else if msg := bytes.TrimSpace(line); len(msg) > 0 {
			if err := conn.Write(ctx, websocket.MessageText, msg); err != nil {
				return fmt.Errorf("send to server: %w", err)
			}
		}
		if cap(line) > 1<<20 {
			line = nil
		}
		if readErr == io.EOF {
			return nil
		}
		if readErr != nil {
			return fmt.Errorf("read stdin: %w", readErr)
		}
	}
}

// isNormalClose reports whether err is the end of a connection that closed
// as agreed.
func isNormalClose(err error) bool {
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway:
		return true
	}
	return errors.Is(err, io.EOF)
}
