// Package schemacheck validates app-server messages against a schema tree
// (such as the embedded one of package schema), so that tests can check
// that what goes over the wire is what the schema describes.
package schemacheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/codex-go/codex/internal/schemagen/schemafiles"
	"github.com/codex-go/codex/protocol"
)

// Validator validates messages against the documents of one schema tree.
type Validator struct {
	index   schemafiles.Index
	schemas map[string]*jsonschema.Schema
}

// New compiles every document listed by the index of fsys.
func New(fsys fs.FS) (*Validator, error) {
	raw, err := fs.ReadFile(fsys, schemafiles.IndexFile)
	if err != nil {
		return nil, fmt.Errorf("read schema index: %w", err)
	}
	v := &Validator{schemas: map[string]*jsonschema.Schema{}}
	if err := json.Unmarshal(raw, &v.index); err != nil {
		return nil, fmt.Errorf("decode schema index: %w", err)
	}
	files, err := schemafiles.ReadFiles(fsys)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	for _, p := range files.Paths() {
		if p == schemafiles.IndexFile {
			continue
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(files[p]))
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", p, err)
		}
		if err := c.AddResource(schemafiles.BaseID+p, doc); err != nil {
			return nil, fmt.Errorf("add %s: %w", p, err)
		}
	}
	for _, doc := range v.documents() {
		if _, ok := files[doc.File]; !ok {
			return nil, fmt.Errorf("index lists %s, which does not exist", doc.File)
		}
		s, err := c.Compile(schemafiles.BaseID + doc.File)
		if err != nil {
			return nil, fmt.Errorf("compile %s: %w", doc.File, err)
		}
		v.schemas[doc.File] = s
	}
	return v, nil
}

// documents lists every document of the index.
func (v *Validator) documents() []schemafiles.Document {
	var out []schemafiles.Document
	for _, group := range [][]schemafiles.IndexRequest{v.index.ClientRequests, v.index.ServerRequests} {
		for _, r := range group {
			if r.Params != nil {
				out = append(out, *r.Params)
			}
			out = append(out, r.Response)
		}
	}
	for _, n := range v.index.Notifications {
		out = append(out, n.Params)
	}
	for _, e := range v.index.Events {
		out = append(out, e.Msg)
	}
	for _, t := range v.index.Types {
		out = append(out, t.Schema)
	}
	return out
}

// Index returns the index of the schema tree.
func (v *Validator) Index() schemafiles.Index { return v.index }

// Document validates a JSON value against the document at file.
func (v *Validator) Document(file string, raw []byte) error {
	s, ok := v.schemas[file]
	if !ok {
		return fmt.Errorf("no schema document %s", file)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("decode value for %s: %w", file, err)
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// request finds a request by method.
func request(group []schemafiles.IndexRequest, method string) (schemafiles.IndexRequest, bool) {
	for _, r := range group {
		if r.Method == method {
			return r, true
		}
	}
	return schemafiles.IndexRequest{}, false
}

// params validates the params of a request; absent params are valid only
// for requests that take none.
func (v *Validator) params(r schemafiles.IndexRequest, params json.RawMessage) error {
	if r.Params == nil {
		if len(params) == 0 || string(params) == "null" || string(params) == "{}" {
			return nil
		}
		return fmt.Errorf("%s takes no params, got %s", r.Method, params)
	}
	if len(params) == 0 {
		return fmt.Errorf("%s needs params", r.Method)
	}
	return v.Document(r.Params.File, params)
}

// ClientRequest validates the params of a request sent by the client.
func (v *Validator) ClientRequest(method string, params json.RawMessage) error {
	r, ok := request(v.index.ClientRequests, method)
	if !ok {
		return fmt.Errorf("client request %s is not in the schema", method)
	}
	return v.params(r, params)
}

// ClientResult validates the result of a successful response to a client request.
func (v *Validator) ClientResult(method string, result json.RawMessage) error {
	r, ok := request(v.index.ClientRequests, method)
	if !ok {
		return fmt.Errorf("client request %s is not in the schema", method)
	}
	return v.Document(r.Response.File, result)
}

// ServerRequest validates the params of a request sent by the server.
func (v *Validator) ServerRequest(method string, params json.RawMessage) error {
	r, ok := request(v.index.ServerRequests, method)
	if !ok {
		return fmt.Errorf("server request %s is not in the schema", method)
	}
	return v.params(r, params)
}

// ServerResult validates the client's result for a server request.
func (v *Validator) ServerResult(method string, result json.RawMessage) error {
	r, ok := request(v.index.ServerRequests, method)
	if !ok {
		return fmt.Errorf("server request %s is not in the schema", method)
	}
	return v.Document(r.Response.File, result)
}

// Event validates an event message and returns its type.
func (v *Validator) Event(msg json.RawMessage) (string, error) {
	var tag struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(msg, &tag); err != nil {
		return "", fmt.Errorf("decode event message: %w", err)
	}
	for _, e := range v.index.Events {
		if e.Type == tag.Type {
			return tag.Type, v.Document(e.Msg.File, msg)
		}
	}
	return tag.Type, fmt.Errorf("event type %q is not in the schema", tag.Type)
}

// Notification validates a notification sent by the server. For
// codex/event/<type> it also validates the event message and checks that
// the method names its type.
func (v *Validator) Notification(method string, params json.RawMessage) error {
	if suffix, ok := strings.CutPrefix(method, protocol.NotificationCodexEventPrefix); ok {
		if err := v.notification(protocol.NotificationCodexEventPrefix+"{type}", params); err != nil {
			return err
		}
		var p struct {
			Msg json.RawMessage `json:"msg"`
		}
		if err := json.Unmarshal(params, &p); err != nil {
			return fmt.Errorf("decode %s params: %w", method, err)
		}
		typ, err := v.Event(p.Msg)
		if err != nil {
			return err
		}
		if typ != suffix {
			return fmt.Errorf("method %s carries an event of type %s", method, typ)
		}
		return nil
	}
	return v.notification(method, params)
}

// notification validates params against the notification named method in the index.
func (v *Validator) notification(method string, params json.RawMessage) error {
	for _, n := range v.index.Notifications {
		if n.Method == method {
			return v.Document(n.Params.File, params)
		}
	}
	return fmt.Errorf("notification %s is not in the schema", method)
}

// Line is one JSON-RPC message as read from the wire.
type Line struct {
	// ID is the raw id; empty for notifications.
	ID json.RawMessage `json:"id"`
	// Method is set for requests and notifications.
	Method string `json:"method"`
	// Params are the params of requests and notifications.
	Params json.RawMessage `json:"params"`
	// Result is set for successful responses.
	Result json.RawMessage `json:"result"`
	// Error is set for error responses.
	Error json.RawMessage `json:"error"`
}

// ServerLine validates one line written by the server. methodOf returns the
// method of the client request a response answers, by the response's id.
// Error responses are checked for a code and a message only.
func (v *Validator) ServerLine(raw []byte, methodOf func(id json.RawMessage) (string, bool)) error {
	var l Line
	if err := json.Unmarshal(raw, &l); err != nil {
		return fmt.Errorf("decode line: %w", err)
	}
	switch {
	case l.Method != "" && len(l.ID) > 0:
		return v.ServerRequest(l.Method, l.Params)
	case l.Method != "":
		return v.Notification(l.Method, l.Params)
	case len(l.Error) > 0:
		var e struct {
			Code    *int64  `json:"code"`
			Message *string `json:"message"`
		}
		if err := json.Unmarshal(l.Error, &e); err != nil || e.Code == nil || e.Message == nil {
			return fmt.Errorf("error response without code and message: %s", raw)
		}
		return nil
	case len(l.Result) > 0:
		method, ok := methodOf(l.ID)
		if !ok {
			return fmt.Errorf("response to unknown request id %s", l.ID)
		}
		return v.ClientResult(method, l.Result)
	}
	return fmt.Errorf("line is neither a request, a notification nor a response: %s", raw)
}
