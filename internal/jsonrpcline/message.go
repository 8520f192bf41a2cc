package jsonrpcline

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/sourcegraph/jsonrpc2"
)

// A Stream builds the messages it hands to a jsonrpc2 connection itself
// rather than letting jsonrpc2 decode the line: jsonrpc2 decodes a
// request's params into maps and slices of interfaces and encodes them
// again, which costs dozens of times the size of the line. The result is
// what jsonrpc2 would have built, except for the ids it cannot carry (see
// id.go) and that Request.ExtraFields stays empty.

// topLevel is what the members of an incoming JSON object say about the
// message. Values are the JSON text of the last member of a name (nil when
// there is none), sliced from the line.
type topLevel struct {
	// Members named exactly so, as jsonrpc2.Request reads them.
	method, id, params, meta []byte
	// Members whose names match ignoring case, as jsonrpc2 reads them to
	// tell a request from a response.
	foldMethod, foldError, foldID []byte
	foldResult                    bool
	// badMethod is set when a member named method (in any case) is
	// neither a string nor null, which jsonrpc2 refuses.
	badMethod bool
}

// readTopLevel reads the members of the JSON object line, which must be
// valid JSON. It reports false when line is not an object.
func readTopLevel(line []byte) (topLevel, bool) {
	var t topLevel
	i := skipSpace(line, 0)
	if line[i] != '{' {
		return t, false
	}
	j := skipSpace(line, i+1)
	if line[j] == '}' {
		return t, true
	}
	for {
		keyEnd := stringEnd(line, j)
		v := memberValue(line, j)
		end := valueEnd(line, v)
		t.note(line[j:keyEnd], line[v:end])
		j = afterValue(line, end)
		if line[j] == '}' {
			return t, true
		}
		j = skipSpace(line, j+1)
	}
}

// longestName bounds the JSON text of a member name that can be one of the
// names topLevel looks at: six characters, each at most six bytes when
// escaped, and the quotes.
const longestName = 6*6 + 2

// note records the member with key token key and value text value.
func (t *topLevel) note(key, value []byte) {
	if len(key) > longestName {
		return
	}
	name := string(decodedKey(key))
	switch name {
	case "method":
		t.method = value
	case "id":
		t.id = value
	case "params":
		t.params = value
	case "meta":
		t.meta = value
	}
	switch {
	case strings.EqualFold(name, "method"):
		t.foldMethod = value
		if value[0] != '"' && !isNull(value) {
			t.badMethod = true
		}
	case strings.EqualFold(name, "id"):
		t.foldID = value
	case strings.EqualFold(name, "result"):
		t.foldResult = true
	case strings.EqualFold(name, "error"):
		t.foldError = value
	}
}

// isNull reports whether value is the JSON null literal.
func isNull(value []byte) bool { return string(value) == nullJSON }

// echoID returns the id to answer a JSON value that is not a message with:
// its id member (by any case) when that is a string or a number, as sent,
// and null otherwise.
func echoID(line []byte) json.RawMessage {
	t, ok := readTopLevel(line)
	if !ok || t.foldID == nil {
		return json.RawMessage(nullJSON)
	}
	switch c := t.foldID[0]; {
	case c == '"', c == '-', '0' <= c && c <= '9':
		return t.foldID
	}
	return json.RawMessage(nullJSON)
}

// decodeInto stores the message of line, which is valid JSON, in v. The
// message type of jsonrpc2 connections, *jsonrpc2.Request and
// *jsonrpc2.Response are built here; any other v is decoded by
// encoding/json.
func decodeInto(line []byte, v any) error {
	switch v := v.(type) {
	case *jsonrpc2.Request:
		req, err := decodeRequest(line)
		if err != nil {
			return err
		}
		*v = *req
		return nil
	case *jsonrpc2.Response:
		return decodeFresh(line, v)
	}
	req, resp, ok := messageFields(v)
	if !ok {
		return decodeFresh(line, v)
	}
	*req, *resp = nil, nil
	t, ok := readTopLevel(line)
	if !ok {
		return errors.New("jsonrpc2: a message must be a JSON object")
	}
	if t.badMethod {
		return errors.New("jsonrpc2: method must be a string")
	}
	isRequest := t.foldMethod != nil && !isNull(t.foldMethod)
	isResponse := t.foldResult || t.foldError != nil && !isNull(t.foldError)
	switch {
	case isRequest && !isResponse:
		r, err := t.request()
		if err != nil {
			return err
		}
		*req = r
	case isResponse && !isRequest:
		r := new(jsonrpc2.Response)
		if err := json.Unmarshal(line, r); err != nil {
			return err
		}
		if r.Error == nil && r.Result == nil {
			r.Result = rawField([]byte(nullJSON))
		}
		*resp = r
	default:
		return errors.New("jsonrpc2: unable to determine message type (request or response)")
	}
	return nil
}

// decodeFresh decodes line into v after zeroing it, so that a failed
// attempt leaves nothing of an earlier message behind.
func decodeFresh(line []byte, v any) error {
	reflect.ValueOf(v).Elem().SetZero()
	return json.Unmarshal(line, v)
}

// decodeRequest reads line, which is valid JSON, as a request.
func decodeRequest(line []byte) (*jsonrpc2.Request, error) {
	t, ok := readTopLevel(line)
	if !ok {
		return nil, errors.New("jsonrpc2: a request must be a JSON object")
	}
	return t.request()
}

// request builds the request the members describe, as
// jsonrpc2.Request.UnmarshalJSON does: "method" must be a string; "params"
// and "meta" are absent (nil), null or a value; an absent or null "id"
// makes a notification.
func (t *topLevel) request() (*jsonrpc2.Request, error) {
	if t.method == nil || t.method[0] != '"' {
		return nil, errors.New("missing method field")
	}
	req := &jsonrpc2.Request{Params: rawField(t.params), Meta: rawField(t.meta)}
	if err := json.Unmarshal(t.method, &req.Method); err != nil {
		return nil, fmt.Errorf("method: %w", err)
	}
	if t.id == nil || isNull(t.id) {
		req.Notif = true
		return req, nil
	}
	id, err := requestID(t.id)
	if err != nil {
		return nil, fmt.Errorf("failed to unmarshal ID: %w", err)
	}
	req.ID = id
	return req, nil
}

// rawField returns a member's value as jsonrpc2 hands it on: nil when it
// is absent, and canonicalized otherwise.
func rawField(value []byte) *json.RawMessage {
	if value == nil {
		return nil
	}
	var raw json.RawMessage
	if isNull(value) {
		raw = json.RawMessage(nullJSON)
	} else {
		raw = canonicalize(value)
	}
	return &raw
}

// messageFields returns the request and response fields of v when v points
// to the message type a jsonrpc2 connection reads into: an unexported
// struct of jsonrpc2 holding exactly a request and a response pointer. The
// fields are unexported, hence the unsafe pointers; the shape is checked
// first, so another version of jsonrpc2 makes this report false and the
// line is decoded by encoding/json as before.
func messageFields(v any) (**jsonrpc2.Request, **jsonrpc2.Response, bool) {
	p := reflect.ValueOf(v)
	if p.Kind() != reflect.Pointer || p.IsNil() {
		return nil, nil, false
	}
	m := p.Elem()
	reqType, respType := reflect.TypeFor[*jsonrpc2.Request](), reflect.TypeFor[*jsonrpc2.Response]()
	if m.Kind() != reflect.Struct || m.NumField() != 2 || m.Type().PkgPath() != reqType.Elem().PkgPath() {
		return nil, nil, false
	}
	req, resp := m.FieldByName("request"), m.FieldByName("response")
	if !req.IsValid() || !resp.IsValid() || req.Type() != reqType || resp.Type() != respType {
		return nil, nil, false
	}
	return (**jsonrpc2.Request)(req.Addr().UnsafePointer()), (**jsonrpc2.Response)(resp.Addr().UnsafePointer()), true
}
