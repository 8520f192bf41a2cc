package appserver

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

	"github.com/sourcegraph/jsonrpc2"
)

// lineStream is a jsonrpc2.ObjectStream that carries one JSON object per line.
//
// Incoming messages may carry "jsonrpc":"2.0" or not. A line that is not JSON
// is answered with a parse error and a JSON value that is not a message with
// an invalid-request error; in both cases reading goes on, so one bad line
// never ends the connection.
//
// Outgoing messages are written without the "jsonrpc" member, with their keys
// in the order the reference server uses (responses: id, result; errors:
// error, id; requests: method, id, params; notifications: method, params) and
// without HTML escaping of '<', '>' and '&'.
type lineStream struct {
	r      *bufio.Reader
	in     io.Reader
	logger *slog.Logger

	mu     sync.Mutex // serialises writes of Conn and of the reader
	w      io.Writer
	closed bool
}

// newLineStream returns a stream reading messages from in and writing them to out.
func newLineStream(in io.Reader, out io.Writer, logger *slog.Logger) *lineStream {
	return &lineStream{r: bufio.NewReader(in), in: in, w: out, logger: logger}
}

// ReadObject reads the next message into v, answering and skipping lines
// that are not messages.
func (s *lineStream) ReadObject(v any) error {
	for {
		line, err := s.r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) == 0 {
			if err != nil {
				return err
			}
			continue
		}
		// Decode into a fresh value so that a failed attempt leaves nothing
		// behind in v.
		fresh := reflect.New(reflect.TypeOf(v).Elem())
		if uerr := json.Unmarshal(line, fresh.Interface()); uerr == nil {
			reflect.ValueOf(v).Elem().Set(fresh.Elem())
			return nil
		} else if werr := s.reject(line, uerr); werr != nil {
			return werr
		}
		if err != nil {
			return err
		}
	}
}

// reject answers a line that could not be read as a message.
func (s *lineStream) reject(line []byte, cause error) error {
	line = bytes.TrimSpace(line)
	var syntax *json.SyntaxError
	if !json.Valid(line) || errors.As(cause, &syntax) {
		s.logger.Warn("ignoring line that is not JSON", "error", cause)
		return s.writeError(json.RawMessage("null"), jsonrpc2.CodeParseError, "Parse error: "+cause.Error())
	}
	s.logger.Warn("ignoring JSON value that is not a JSON-RPC message", "error", cause)
	return s.writeError(lineID(line), jsonrpc2.CodeInvalidRequest, invalidRequestMessage)
}

// lineID returns the id member of a JSON object if it is a number or a
// string, and null otherwise.
func lineID(line []byte) json.RawMessage {
	var obj struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(line, &obj) != nil || len(obj.ID) == 0 {
		return json.RawMessage("null")
	}
	var id any
	if json.Unmarshal(obj.ID, &id) != nil {
		return json.RawMessage("null")
	}
	switch id.(type) {
	case string, float64:
		return obj.ID
	}
	return json.RawMessage("null")
}

// writeError writes an error response with a raw id.
func (s *lineStream) writeError(id json.RawMessage, code int64, message string) error {
	errObj, err := marshalNoEscape(wireError{Code: code, Message: message})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString(`{"error":`)
	buf.Write(errObj)
	buf.WriteString(`,"id":`)
	buf.Write(id)
	buf.WriteString("}\n")
	return s.writeLine(buf.Bytes())
}

// wireError is the error member of an error response. Its fields are in the
// reference's order.
type wireError struct {
	Code    int64           `json:"code"`
	Data    json.RawMessage `json:"data,omitempty"`
	Message string          `json:"message"`
}

// wireMessage is any outgoing message, read back from its jsonrpc2 encoding.
type wireMessage struct {
	Method *string          `json:"method"`
	ID     json.RawMessage  `json:"id"`
	Params json.RawMessage  `json:"params"`
	Result json.RawMessage  `json:"result"`
	Error  *jsonrpc2.Error  `json:"error"`
	Meta   *json.RawMessage `json:"meta"`
}

// WriteObject writes one message as one line.
func (s *lineStream) WriteObject(obj any) error {
	raw, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	var m wireMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("re-read message: %w", err)
	}
	var buf bytes.Buffer
	switch {
	case m.Method != nil:
		method, _ := json.Marshal(*m.Method)
		buf.WriteString(`{"method":`)
		buf.Write(method)
		if len(m.ID) > 0 {
			buf.WriteString(`,"id":`)
			buf.Write(m.ID)
		}
		if len(m.Params) > 0 {
			buf.WriteString(`,"params":`)
			buf.Write(m.Params)
		}
		buf.WriteByte('}')
	case m.Error != nil:
		e := wireError{Code: m.Error.Code, Message: m.Error.Message}
		if m.Error.Data != nil {
			e.Data = *m.Error.Data
		}
		errObj, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode error: %w", err)
		}
		buf.WriteString(`{"error":`)
		buf.Write(errObj)
		buf.WriteString(`,"id":`)
		buf.Write(orNull(m.ID))
		buf.WriteByte('}')
	default:
		buf.WriteString(`{"id":`)
		buf.Write(orNull(m.ID))
		buf.WriteString(`,"result":`)
		buf.Write(orNull(m.Result))
		buf.WriteByte('}')
	}
	out := unescapeJSON(buf.Bytes())
	return s.writeLine(append(out, '\n'))
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
// unblocks a pending read.
func (s *lineStream) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	if c, ok := s.in.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

func orNull(raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return []byte("null")
	}
	return raw
}

// marshalNoEscape encodes v like json.Marshal but leaves '<', '>' and '&' as they are.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// unescapeJSON rewrites the \u escapes encoding/json always produces for
// '<', '>', '&', U+2028 and U+2029 into the characters themselves, which is
// how other JSON encoders write them. Other escapes are left as they are.
func unescapeJSON(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u`)) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			out = append(out, c)
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) {
			if r, ok := plainEscape(string(b[i+2 : i+6])); ok {
				out = append(out, r...)
				i += 5
				continue
			}
		}
		// Any other escape: copy both bytes so that an escaped backslash is
		// never taken as the start of another escape.
		out = append(out, c, b[i+1])
		i++
	}
	return out
}

// plainEscape returns the character of an escape's hex digits when it may
// be written literally.
func plainEscape(hex string) (string, bool) {
	switch hex {
	case "003c":
		return "<", true
	case "003e":
		return ">", true
	case "0026":
		return "&", true
	case "2028":
		return "\u2028", true
	case "2029":
		return "\u2029", true
	}
	return "", false
}
