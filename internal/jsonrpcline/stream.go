// Package jsonrpcline carries JSON-RPC 2.0 messages over a byte stream as one
// JSON object per line, for github.com/sourcegraph/jsonrpc2 connections. Both
// stdio servers (app-server and mcp-server) use it; they differ only in
// whether their outgoing messages carry "jsonrpc":"2.0", which also decides
// the order of the members, and in how much a parse error says.
package jsonrpcline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/codex-go/codex/protocol"
)

// Options configure a Stream.
type Options struct {
	// WithVersion adds "jsonrpc":"2.0" to every outgoing message and writes
	// the members of a message in alphabetical order (requests: id, jsonrpc,
	// method, params; notifications: jsonrpc, method, params; results: id,
	// jsonrpc, result; errors: error, id, jsonrpc), as MCP hosts see them.
	// Without it no "jsonrpc" member is written and the order is the
	// app-server's (requests: method, id, params; notifications: method,
	// params; results: id, result; errors: error, id).
	WithVersion bool
	// DetailedParseErrors appends the decoder's explanation to the message
	// of the parse error that answers a line that is not JSON
	// ("Parse error: invalid character ..."); otherwise the message is
	// "Parse error".
	DetailedParseErrors bool
	// AtEnd, when set, runs once when reading fails (end of input or a read
	// error), before the failure is returned to the connection, which then
	// closes. A server can use it to wind work down while it can still
	// answer requests.
	AtEnd func()
	// Logger receives a warning for each line that is not a message; nil
	// discards them.
	Logger *slog.Logger
}

// Stream is a jsonrpc2.ObjectStream carrying one JSON object per line.
//
// Reading: messages may carry "jsonrpc":"2.0" or not. A line that is not
// JSON is answered with a parse error (-32700, id null) and a JSON value
// that is not a message with an invalid-request error (-32600, with the
// value's id when it is a string or a number, null otherwise). Reading then
// goes on, so one bad line never ends the connection. Blank lines are
// skipped; the last line needs no newline.
//
// Writing: each message is one line, laid out as Options.WithVersion says,
// the error member as code, data, message. Nothing is HTML-escaped: '<',
// '>', '&', U+2028 and U+2029 are written as they are.
type Stream struct {
	r       *bufio.Reader
	in      io.Reader
	opts    Options
	log     *slog.Logger
	endOnce sync.Once

	mu     sync.Mutex // serialises writes of the connection and of the reader
	w      io.Writer
	closed bool
}

// NewStream returns a stream reading messages from in and writing them to out.
func NewStream(in io.Reader, out io.Writer, opts Options) *Stream {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Stream{r: bufio.NewReader(in), in: in, opts: opts, log: log, w: out}
}

// ReadObject reads the next message into v, which must be a pointer,
// answering and skipping lines that are not messages.
func (s *Stream) ReadObject(v any) error {
	for {
		line, err := s.r.ReadBytes('\n')
		if line = bytes.TrimSpace(line); len(line) > 0 {
			if uerr := decodeFresh(line, v); uerr == nil {
				return nil
			} else if werr := s.reject(line, uerr); werr != nil {
				return werr
			}
		}
		if err != nil {
			if s.opts.AtEnd != nil {
				s.endOnce.Do(s.opts.AtEnd)
			}
			return err
		}
	}
}

// decodeFresh decodes line into v after zeroing it, so that a failed
// attempt leaves nothing of an earlier message behind.
func decodeFresh(line []byte, v any) error {
	reflect.ValueOf(v).Elem().SetZero()
	return json.Unmarshal(line, v)
}

// reject answers a line that could not be read as a message.
func (s *Stream) reject(line []byte, cause error) error {
	if !json.Valid(line) {
		s.log.Warn("ignoring a line that is not JSON", "error", cause)
		msg := "Parse error"
		if s.opts.DetailedParseErrors {
			msg += ": " + cause.Error()
		}
		return s.writeError(json.RawMessage(nullJSON), jsonrpc2.CodeParseError, msg)
	}
	s.log.Warn("ignoring JSON that is not a JSON-RPC message", "error", cause)
	return s.writeError(lineID(line), jsonrpc2.CodeInvalidRequest, "Invalid request")
}

// nullJSON is the JSON null literal.
const nullJSON = "null"

// lineID returns the id member of a JSON object when it is a number or a
// string, and null otherwise.
func lineID(line []byte) json.RawMessage {
	var obj struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(line, &obj) != nil || len(obj.ID) == 0 {
		return json.RawMessage(nullJSON)
	}
	var id any
	if json.Unmarshal(obj.ID, &id) != nil {
		return json.RawMessage(nullJSON)
	}
	switch id.(type) {
	case string, float64:
		return obj.ID
	}
	return json.RawMessage(nullJSON)
}

// writeError writes an error response with a raw id.
func (s *Stream) writeError(id json.RawMessage, code int64, message string) error {
	errJSON, err := protocol.Marshal(wireError{Code: code, Message: message})
	if err != nil {
		return fmt.Errorf("encode error: %w", err)
	}
	return s.writeMembers([]member{{"error", errJSON}, {"id", id}})
}

// wireError is the error member of an error response, with its fields in
// the order they are written.
type wireError struct {
	Code    int64           `json:"code"`
	Data    json.RawMessage `json:"data,omitempty"`
	Message string          `json:"message"`
}

// envelope is an outgoing message read back from its jsonrpc2 encoding.
type envelope struct {
	Method *string         `json:"method"`
	ID     json.RawMessage `json:"id"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *jsonrpc2.Error `json:"error"`
}

// member is one "name":value pair of an outgoing object.
type member struct {
	name  string
	value []byte
}

// WriteObject writes one message as one line.
func (s *Stream) WriteObject(obj any) error {
	raw, err := protocol.Marshal(obj)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	var m envelope
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("read back message: %w", err)
	}
	var members []member
	switch {
	case m.Method != nil:
		method, err := protocol.Marshal(*m.Method)
		if err != nil {
			return fmt.Errorf("encode method: %w", err)
		}
		members = append(members, member{"method", method})
		if len(m.ID) > 0 {
			members = append(members, member{"id", m.ID})
		}
		if len(m.Params) > 0 {
			members = append(members, member{"params", m.Params})
		}
	case m.Error != nil:
		e := wireError{Code: m.Error.Code, Message: m.Error.Message}
		if m.Error.Data != nil {
			e.Data = *m.Error.Data
		}
		errJSON, err := protocol.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode error: %w", err)
		}
		members = append(members, member{"error", errJSON}, member{"id", orNull(m.ID)})
	default:
		members = append(members, member{"id", orNull(m.ID)}, member{"result", orNull(m.Result)})
	}
	return s.writeMembers(members)
}

// writeMembers writes an object of members as one line, adding the version
// member and ordering the members when the options ask for it.
func (s *Stream) writeMembers(members []member) error {
	if s.opts.WithVersion {
		members = append(members, member{"jsonrpc", []byte(`"2.0"`)})
		slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.name, b.name) })
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('"')
		buf.WriteString(m.name)
		buf.WriteString(`":`)
		buf.Write(m.value)
	}
	buf.WriteString("}")
	return s.writeLine(append(unescape(buf.Bytes()), '\n'))
}

// writeLine writes a complete line unless the stream is closed.
func (s *Stream) writeLine(line []byte) error {
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
func (s *Stream) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	if c, ok := s.in.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// orNull returns raw, or null when it is absent.
func orNull(raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return []byte(nullJSON)
	}
	return raw
}
