package mcpserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/sourcegraph/jsonrpc2"

	"github.com/codex-go/codex/protocol"
)

// lineStream is the jsonrpc2.ObjectStream of the server: one JSON-RPC
// message per line.
//
// Reading: a line that is not JSON is answered with a parse error, and JSON
// that is not a message with an invalid-request error; reading then goes on.
// Messages without "jsonrpc" are accepted.
//
// Writing: every message carries "jsonrpc":"2.0" and its members are written
// in the order MCP hosts of the reference server see them (requests: id,
// jsonrpc, method, params; notifications: jsonrpc, method, params; results:
// id, jsonrpc, result; errors: error, id, jsonrpc). Strings are written
// without HTML escaping of '<', '>' and '&'.
type lineStream struct {
	r   *bufio.Reader
	in  io.Reader
	log *slog.Logger
	// atEnd, when set, runs once when reading fails, before the failure is
	// reported to the connection, which then closes. The server uses it to
	// wind its tool calls down while it can still answer them.
	atEnd   func()
	endOnce sync.Once

	mu     sync.Mutex // serialises writes
	w      io.Writer
	closed bool
}

// newLineStream returns a stream reading from in and writing to out.
func newLineStream(in io.Reader, out io.Writer, log *slog.Logger) *lineStream {
	return &lineStream{r: bufio.NewReader(in), in: in, w: out, log: log}
}

// ReadObject reads the next message into v, which must be a pointer.
func (s *lineStream) ReadObject(v any) error {
	target := reflect.ValueOf(v).Elem()
	for {
		line, err := s.r.ReadBytes('\n')
		if line = bytes.TrimSpace(line); len(line) > 0 {
			// A failed decode may leave parts behind, so each attempt
			// starts from the zero value.
			target.SetZero()
			uerr := json.Unmarshal(line, v)
			if uerr == nil {
				return nil
			}
			if werr := s.refuse(line, uerr); werr != nil {
				return werr
			}
		}
		if err != nil {
			if s.atEnd != nil {
				s.endOnce.Do(s.atEnd)
			}
			return err
		}
	}
}

// refuse answers a line that is not a JSON-RPC message.
func (s *lineStream) refuse(line []byte, cause error) error {
	if !json.Valid(line) {
		s.log.Warn("ignoring a line that is not JSON", "error", cause)
		return s.writeError(nil, mcp.PARSE_ERROR, "Parse error")
	}
	s.log.Warn("ignoring JSON that is not a JSON-RPC message", "error", cause)
	var probe struct {
		ID *jsonrpc2.ID `json:"id"`
	}
	_ = json.Unmarshal(line, &probe)
	return s.writeError(probe.ID, mcp.INVALID_REQUEST, "Invalid request")
}

// writeError writes an error response; a nil id is written as null.
func (s *lineStream) writeError(id *jsonrpc2.ID, code int64, message string) error {
	idJSON := []byte("null")
	if id != nil {
		b, err := protocol.Marshal(id)
		if err != nil {
			return fmt.Errorf("encode id: %w", err)
		}
		idJSON = b
	}
	errJSON, err := protocol.Marshal(&jsonrpc2.Error{Code: code, Message: message})
	if err != nil {
		return fmt.Errorf("encode error: %w", err)
	}
	var buf bytes.Buffer
	writeMember(&buf, "error", errJSON)
	writeMember(&buf, "id", idJSON)
	writeMember(&buf, "jsonrpc", []byte(`"2.0"`))
	buf.WriteString("}\n")
	return s.writeLine(buf.Bytes())
}

// envelope is an outgoing message read back from its jsonrpc2 encoding.
type envelope struct {
	ID     json.RawMessage `json:"id"`
	Method json.RawMessage `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// WriteObject writes one message as one line.
func (s *lineStream) WriteObject(obj any) error {
	raw, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	var m envelope
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("read back message: %w", err)
	}
	var buf bytes.Buffer
	switch {
	case m.Method != nil:
		writeMember(&buf, "id", m.ID)
		writeMember(&buf, "jsonrpc", []byte(`"2.0"`))
		writeMember(&buf, "method", m.Method)
		writeMember(&buf, "params", m.Params)
	case m.Error != nil:
		writeMember(&buf, "error", m.Error)
		writeMember(&buf, "id", orNull(m.ID))
		writeMember(&buf, "jsonrpc", []byte(`"2.0"`))
	default:
		writeMember(&buf, "id", orNull(m.ID))
		writeMember(&buf, "jsonrpc", []byte(`"2.0"`))
		writeMember(&buf, "result", orNull(m.Result))
	}
	buf.WriteByte('}')
	line, err := reencode(buf.Bytes())
	if err != nil {
		return fmt.Errorf("re-encode message: %w", err)
	}
	return s.writeLine(append(line, '\n'))
}

// writeMember appends "name":value to an object being written into buf,
// opening it first when buf is empty. Absent values are skipped.
func writeMember(buf *bytes.Buffer, name string, value []byte) {
	if len(value) == 0 {
		return
	}
	if buf.Len() == 0 {
		buf.WriteByte('{')
	} else {
		buf.WriteByte(',')
	}
	buf.WriteByte('"')
	buf.WriteString(name)
	buf.WriteString(`":`)
	buf.Write(value)
}

// orNull returns value, or null when it is absent.
func orNull(value json.RawMessage) []byte {
	if len(value) == 0 {
		return []byte("null")
	}
	return value
}

// reencode writes the JSON value in data again token by token, keeping the
// order of object members, with every string encoded by protocol.Marshal
// (no HTML escaping) and numbers copied as they are.
func reencode(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	out := make([]byte, 0, len(data))
	type frame struct {
		object bool
		n      int // tokens written in this container
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			out = append(out, byte(d))
			stack = stack[:len(stack)-1]
			continue
		}
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			switch {
			case top.object && top.n%2 == 1:
				out = append(out, ':')
			case top.n > 0:
				out = append(out, ',')
			}
			top.n++
		}
		switch t := tok.(type) {
		case json.Delim:
			out = append(out, byte(t))
			stack = append(stack, frame{object: t == '{'})
		case string:
			b, err := protocol.Marshal(t)
			if err != nil {
				return nil, err
			}
			out = append(out, b...)
		case json.Number:
			out = append(out, t...)
		case bool:
			if t {
				out = append(out, "true"...)
			} else {
				out = append(out, "false"...)
			}
		case nil:
			out = append(out, "null"...)
		}
	}
}

// writeLine writes a complete line unless the stream is closed.
func (s *lineStream) writeLine(line []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return io.ErrClosedPipe
	}
	if _, err := s.w.Write(line); err != nil {
		return fmt.Errorf("write message: %w", err)
	}
	return nil
}

// Close stops writing and closes the input when it can be closed, which
// ends a pending read.
func (s *lineStream) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	if c, ok := s.in.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
