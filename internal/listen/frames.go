package listen

import (
	"bytes"
	"context"
	"encoding/json"
	"io"

	"github.com/coder/websocket"
)

// frameReader reads a WebSocket's messages as lines: each message, with
// its line breaks made spaces (JSON needs none), and a newline.
type frameReader struct {
	ctx  context.Context
	conn *websocket.Conn
	buf  []byte // the rest of the current message
	err  error  // why reading stopped
}

// Read returns the bytes of the messages, one line each. It returns
// io.EOF once the connection is closed.
func (f *frameReader) Read(p []byte) (int, error) {
	for len(f.buf) == 0 {
		if f.err != nil {
			return 0, io.EOF
		}
		_, msg, err := f.conn.Read(f.ctx)
		if err != nil {
			f.err = err
			return 0, io.EOF
		}
		f.buf = asLine(msg)
	}
	n := copy(p, f.buf)
	f.buf = f.buf[n:]
	return n, nil
}

// asLine turns a message into one line: valid JSON is compacted, anything
// else has its line breaks replaced, so that it is answered as one bad
// message.
func asLine(msg []byte) []byte {
	var out bytes.Buffer
	if bytes.ContainsAny(msg, "\r\n") {
		if json.Compact(&out, msg) != nil {
			out.Reset()
			out.Write(bytes.Map(func(r rune) rune {
				if r == '\n' || r == '\r' {
					return ' '
				}
				return r
			}, msg))
		}
	} else {
		out.Write(msg)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// frameWriter writes each line written to it as one WebSocket text
// message.
type frameWriter struct {
	ctx     context.Context
	conn    *websocket.Conn
	fail    context.CancelFunc // ends the connection when a write fails
	pending []byte             // a line not ended yet
}

// Write sends every complete line of p as a message and keeps the rest.
func (f *frameWriter) Write(p []byte) (int, error) {
	f.pending = append(f.pending, p...)
	for {
		i := bytes.IndexByte(f.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := f.pending[:i]
		ctx, cancel := context.WithTimeout(f.ctx, writeTimeout)
		err := f.conn.Write(ctx, websocket.MessageText, line)
		cancel()
		f.pending = f.pending[i+1:]
		if err != nil {
			f.fail()
			return 0, err
		}
	}
}
