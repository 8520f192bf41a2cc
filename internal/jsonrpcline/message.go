package jsonrpcline

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/sourcegraph/jsonrpc2"
)

// A Stream builds the messages it hands to a jsonrpc2 connection itself
// rather than letting jsonrpc2 decode the line: jsonrpc2 decodes a
// request's params into maps and slices of interfaces and encodes them
// again, which costs dozens of times the size of the line. Here the line is
// decoded once, into the raw text of the members that make a message; the
// params are handed on as they were sent.

// members holds the JSON text of the members of an incoming object that
// make a message, as sent. Names match regardless of case, and the last
// of several members of one name counts, as when jsonrpc2 tells a request
// from a response. An absent member is nil; one that is null is "null".
type members struct {
	ID     json.RawMessage `json:"id"`
	Method json.RawMessage `json:"method"`
	Params json.RawMessage `json:"params"`
	Meta   json.RawMessage `json:"meta"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// readMembers reads the members of line. The error is a *json.SyntaxError
// when line is not JSON: encoding/json checks the syntax of the whole text
// before it stores anything. Other JSON than an object or null is another
// error.
func readMembers(line []byte) (members, error) {
	var m members
	err := json.Unmarshal(line, &m)
	return m, err
}

// present reports whether a member is there and not null.
func present(value json.RawMessage) bool {
	return value != nil && string(value) != nullJSON
}

// echoID returns the id to answer a line that is not a message with: its id
// member when that is a string or a number, as sent, and null otherwise.
func (m *members) echoID() json.RawMessage {
	if len(m.ID) > 0 {
		switch c := m.ID[0]; {
		case c == '"', c == '-', '0' <= c && c <= '9':
			return m.ID
		}
	}
	return json.RawMessage(nullJSON)
}

// storeIn stores the message the members describe in v. line is the valid
// JSON text they were read from. The message type of jsonrpc2 connections and
// *jsonrpc2.Request are built from the members; any other v gets line
// decoded by encoding/json.
func (m *members) storeIn(line []byte, v any) error {
	if r, ok := v.(*jsonrpc2.Request); ok {
		req, err := m.request()
		if err != nil {
			return err
		}
		*r = *req
		return nil
	}
	req, resp, ok := messageFields(v)
	if !ok {
		// Zeroed first, so that a failed attempt leaves nothing of an
		// earlier message behind.
		reflect.ValueOf(v).Elem().SetZero()
		return json.Unmarshal(line, v)
	}
	*req, *resp = nil, nil
	isRequest := present(m.Method)
	isResponse := m.Result != nil || present(m.Error)
	switch {
	case isRequest && !isResponse:
		r, err := m.request()
		if err != nil {
			return err
		}
		*req = r
	case isResponse && !isRequest:
		r, err := m.response()
		if err != nil {
			return err
		}
		*resp = r
	default:
		return errors.New("jsonrpc2: unable to determine message type (request or response)")
	}
	return nil
}

// request builds the request the members describe: the method must be a
// string; an absent or null id makes a notification. Request.ExtraFields
// stays empty.
func (m *members) request() (*jsonrpc2.Request, error) {
	if !present(m.Method) {
		return nil, errors.New("missing method field")
	}
	if m.Method[0] != '"' {
		return nil, errors.New("jsonrpc2: method must be a string")
	}
	req := &jsonrpc2.Request{Params: raw(m.Params), Meta: raw(m.Meta)}
	if err := json.Unmarshal(m.Method, &req.Method); err != nil {
		return nil, fmt.Errorf("method: %w", err)
	}
	if !present(m.ID) {
		req.Notif = true
		return req, nil
	}
	id, err := requestID(m.ID)
	if err != nil {
		return nil, fmt.Errorf("failed to unmarshal ID: %w", err)
	}
	req.ID = id
	return req, nil
}

// response builds the response the members describe, as
// jsonrpc2.Response.UnmarshalJSON does: there a null meta is nil.
func (m *members) response() (*jsonrpc2.Response, error) {
	resp := &jsonrpc2.Response{Result: raw(m.Result)}
	if present(m.Meta) {
		resp.Meta = raw(m.Meta)
	}
	if m.ID != nil {
		if err := json.Unmarshal(m.ID, &resp.ID); err != nil {
			return nil, fmt.Errorf("id: %w", err)
		}
	}
	if present(m.Error) {
		resp.Error = new(jsonrpc2.Error)
		if err := json.Unmarshal(m.Error, resp.Error); err != nil {
			return nil, fmt.Errorf("error: %w", err)
		}
	}
	return resp, nil
}

// raw returns a member's value as a message field: nil when it is absent.
func raw(value json.RawMessage) *json.RawMessage {
	if value == nil {
		return nil
	}
	return &value
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
