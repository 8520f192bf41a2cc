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
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	// MaxLineBytes is the longest line read, not counting its newline;
	// zero (or less) means DefaultMaxLineBytes. A longer line is never
	// held whole: it is read in bounded pieces up to its newline and
	// answered with an invalid-request error.
	MaxLineBytes int
}

// DefaultMaxLineBytes is the longest line a Stream reads unless
// Options.MaxLineBytes says otherwise: 64 MiB.
const DefaultMaxLineBytes = 64 << 20

// readChunk is the size of the read buffer, the most a line that is being
// skipped occupies.
const readChunk = 64 << 10

// keepLineBytes is the largest line buffer kept for the next line; a
// longer line's buffer is dropped once the line has been read.
const keepLineBytes = 1 << 20

// Stream is a jsonrpc2.ObjectStream carrying one JSON object per line.
//
// Reading: messages may carry "jsonrpc":"2.0" or not. A line that is not
// JSON is answered with a parse error (-32700, id null) and a JSON value
// that is not a message with an invalid-request error (-32600, with the
// value's id when it is a string or a number, null otherwise). Batches
// (lines starting with '[') are not supported: they are answered with an
// invalid-request error (id null) without being decoded. A line longer
// than Options.MaxLineBytes is skipped and answered with an
// invalid-request error (id null) saying so. Reading then goes on, so one
// bad line never ends the connection. Blank lines are skipped; the last
// line needs no newline.
//
// Request ids are answered exactly as they were sent, including those
// jsonrpc2.ID cannot hold (negative or fractional numbers, say), which
// reach the handler in an encoded form; WireID returns their text. Every
// message is built with memory within a small multiple of its line.
// encoding/json finds the members that make a message (id, method, params,
// meta, result, error), so their names match whatever their case and the
// last of several members of one name counts. Params, meta and result are
// handed on as they were sent, without being decoded into values.
// Request.ExtraFields are not filled in.
//
// Writing: each message is one line, laid out as Options.WithVersion says,
// the error member as code, data, message. Nothing is HTML-escaped: '<',
// '>', '&', U+2028 and U+2029 are written as they are.
type Stream struct {
	r       *bufio.Reader
	in      io.Reader
	opts    Options
	maxLine int // the longest line read
	log     *slog.Logger
	endOnce sync.Once
	line    []byte // the line being read, reused while it is small

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
	limit := opts.MaxLineBytes
	if limit <= 0 {
		limit = DefaultMaxLineBytes
	}
	return &Stream{r: bufio.NewReaderSize(in, readChunk), in: in, opts: opts, maxLine: limit, log: log, w: out}
}

// ReadObject reads the next message into v, which must be a pointer,
// answering and skipping lines that are not messages.
func (s *Stream) ReadObject(v any) error {
	for {
		line, kind, err := s.readLine()
		taken, werr := s.take(line, kind, v)
		if cap(s.line) > keepLineBytes {
			s.line = nil
		}
		if taken {
			return nil
		}
		if werr != nil {
			return werr
		}
		if err != nil {
			if s.opts.AtEnd != nil {
				s.endOnce.Do(s.opts.AtEnd)
			}
			return err
		}
	}
}

// lineKind says how much of a line readLine kept.
type lineKind int

const (
	// lineWhole: the whole line was kept.
	lineWhole lineKind = iota
	// lineTooLong: the line was longer than the limit and skipped.
	lineTooLong
	// lineBatch: the line starts with '[' and was skipped.
	lineBatch
)

// readLine reads one line, without its newline, into s.line. A line longer
// than s.maxLine and a batch are read to their end in pieces of the read
// buffer and dropped. The error is that of reading; the line (or what there
// is of it) comes with it.
func (s *Stream) readLine() ([]byte, lineKind, error) {
	// A line longer than the read buffer arrives in pieces, which are
	// joined once its length is known: growing one buffer as they come
	// would allocate several times the line.
	var pieces [][]byte
	n := 0
	kind, started := lineWhole, false
	for {
		chunk, err := s.r.ReadSlice('\n')
		if err == nil {
			chunk = chunk[:len(chunk)-1]
		}
		if !started {
			if i := bytes.IndexFunc(chunk, func(r rune) bool { return !isBlank(r) }); i >= 0 {
				started = true
				if chunk[i] == '[' {
					kind = lineBatch
				}
			}
		}
		if kind == lineWhole && n+len(chunk) > s.maxLine {
			kind = lineTooLong
		}
		if kind != lineWhole {
			pieces, n = nil, 0
		} else if err == bufio.ErrBufferFull {
			pieces = append(pieces, bytes.Clone(chunk))
			n += len(chunk)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		s.line = s.line[:0]
		if kind == lineWhole {
			if cap(s.line) < n+len(chunk) {
				s.line = make([]byte, 0, n+len(chunk))
			}
			for _, p := range pieces {
				s.line = append(s.line, p...)
			}
			s.line = append(s.line, chunk...)
		}
		return s.line, kind, err
	}
}

// isBlank reports whether r is white space that may come before the first
// character of a line.
func isBlank(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\v', '\f':
		return true
	}
	return false
}

// take stores the message of a line in v and reports true, or answers a
// line that is not a message and returns the error of writing the answer.
func (s *Stream) take(line []byte, kind lineKind, v any) (bool, error) {
	switch kind {
	case lineTooLong:
		s.log.Warn("skipping a line longer than the limit", "limit", s.maxLine)
		msg := fmt.Sprintf("Invalid request: the line exceeded %d bytes and was skipped", s.maxLine)
		return false, s.writeError(json.RawMessage(nullJSON), jsonrpc2.CodeInvalidRequest, msg)
	case lineBatch:
		return false, s.refuseBatch()
	}
	line = bytes.TrimSpace(line)
	switch {
	case len(line) == 0:
		return false, nil
	case line[0] == '[':
		return false, s.refuseBatch()
	}
	m, err := readMembers(line)
	if _, notJSON := errors.AsType[*json.SyntaxError](err); notJSON {
		s.log.Warn("ignoring a line that is not JSON", "error", err)
		msg := "Parse error"
		if s.opts.DetailedParseErrors {
			msg += ": " + err.Error()
		}
		return false, s.writeError(json.RawMessage(nullJSON), jsonrpc2.CodeParseError, msg)
	}
	if err == nil {
		err = m.storeIn(line, v)
	}
	if err != nil {
		s.log.Warn("ignoring JSON that is not a JSON-RPC message", "error", err)
		return false, s.writeError(m.echoID(), jsonrpc2.CodeInvalidRequest, "Invalid request")
	}
	return true, nil
}

// refuseBatch answers a batch, which is not supported.
func (s *Stream) refuseBatch() error {
	s.log.Warn("ignoring a batch: batches are not supported")
	return s.writeError(json.RawMessage(nullJSON), jsonrpc2.CodeInvalidRequest, "Invalid request")
}

// nullJSON is the JSON null literal.
const nullJSON = "null"

// writeError writes an error response with a raw id.
func (s *Stream) writeError(id json.RawMessage, code int64, message string) error {
	errJSON, err := protocol.Marshal(wireError{Code: code, Message: message})
	if err != nil {
		return fmt.Errorf("encode error: %w", err)
	}
	return s.writeMembers([]member{{name: "error", value: errJSON}, {name: "id", value: id, verbatim: true}})
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
	// EmittedAtMs is the one member beyond JSON-RPC's that is passed on:
	// the time the app-server's v2 notifications carry, added to a
	// jsonrpc2 request with jsonrpc2.ExtraField. It follows params.
	EmittedAtMs json.RawMessage `json:"emittedAtMs"`
}

// member is one "name":value pair of an outgoing object.
type member struct {
	name  string
	value []byte
	// verbatim values are written as they are; the others have the
	// escapes of '<', '>', '&', U+2028 and U+2029 undone.
	verbatim bool
}

// WriteObject writes one message as one line.
func (s *Stream) WriteObject(obj any) error {
	var raw []byte
	var err error
	if mj, ok := obj.(json.Marshaler); ok {
		// jsonrpc2's messages encode themselves: their bytes are taken as
		// they come, without the encoder's copy and check of them.
		raw, err = mj.MarshalJSON()
	} else {
		raw, err = protocol.Marshal(obj)
	}
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	m, err := readEnvelope(raw)
	if err != nil {
		return fmt.Errorf("read back message: %w", err)
	}
	var members []member
	switch {
	case m.Method != nil:
		method, err := protocol.Marshal(*m.Method)
		if err != nil {
			return fmt.Errorf("encode method: %w", err)
		}
		members = append(members, member{name: "method", value: method})
		if len(m.ID) > 0 {
			members = append(members, member{name: "id", value: m.ID})
		}
		if len(m.Params) > 0 {
			members = append(members, member{name: "params", value: m.Params})
		}
		if len(m.EmittedAtMs) > 0 {
			members = append(members, member{name: "emittedAtMs", value: m.EmittedAtMs})
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
		members = append(members, member{name: "error", value: errJSON}, responseIDMember(m.ID))
	default:
		members = append(members, responseIDMember(m.ID), member{name: "result", value: orNull(m.Result)})
	}
	return s.writeMembers(members)
}

// writeMembers writes an object of members as one line, adding the version
// member and ordering the members when the options ask for it.
func (s *Stream) writeMembers(members []member) error {
	if s.opts.WithVersion {
		members = append(members, member{name: "jsonrpc", value: []byte(`"2.0"`)})
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
		if m.verbatim {
			buf.Write(m.value)
		} else {
			buf.Write(unescape(m.value))
		}
	}
	buf.WriteString("}\n")
	return s.writeLine(buf.Bytes())
}

// responseIDMember returns the id member of a response whose id jsonrpc2
// encoded as raw: the id as the client sent it.
func responseIDMember(raw json.RawMessage) member {
	value, verbatim := responseID(orNull(raw))
	return member{name: "id", value: value, verbatim: verbatim}
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
