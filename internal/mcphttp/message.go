package mcphttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// message is one JSON-RPC message, with the members the transport routes
// by. Raw is the message as one compact line of JSON.
type message struct {
	Raw     []byte
	Version string
	ID      json.RawMessage // absent (nil) for notifications
	Method  string
	Params  json.RawMessage
	Result  json.RawMessage
	Error   json.RawMessage
}

// wireMessage is how a message is decoded.
type wireMessage struct {
	Version string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   json.RawMessage `json:"error"`
}

// isRequest reports whether m is a request: a method and an id.
func (m *message) isRequest() bool { return m.Method != "" && hasID(m.ID) }

// isResponse reports whether m answers a request.
func (m *message) isResponse() bool { return m.Method == "" }

// hasID reports whether an id member was sent and is not null.
func hasID(id json.RawMessage) bool { return len(id) > 0 && string(id) != "null" }

// idKey is the key requests are routed by: the id's compact JSON text,
// which the server writes back exactly as it was sent.
func idKey(id json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, id) != nil {
		return string(id)
	}
	return b.String()
}

// parseMessage decodes one message and checks that it is one.
func parseMessage(raw json.RawMessage) (*message, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, err
	}
	var w wireMessage
	if err := json.Unmarshal(b.Bytes(), &w); err != nil {
		return nil, errors.New("a message must be a JSON object")
	}
	m := &message{Raw: b.Bytes(), Version: w.Version, ID: w.ID, Method: w.Method, Params: w.Params, Result: w.Result, Error: w.Error}
	if w.Version != "2.0" {
		return nil, errors.New(`a message must carry "jsonrpc": "2.0"`)
	}
	if hasID(w.ID) && w.ID[0] != '"' && (w.ID[0] < '0' || w.ID[0] > '9') && w.ID[0] != '-' {
		return nil, fmt.Errorf("a request id must be a string or a number, not %.20s", w.ID)
	}
	if w.Method == "" && w.Result == nil && w.Error == nil {
		return nil, errors.New("a message must be a request, a notification or a response")
	}
	if w.Method == "" && !hasID(w.ID) {
		return nil, errors.New("a response must carry the id of its request")
	}
	return m, nil
}

// parseBody decodes a POST body: one message or a batch of them. batch
// reports which it was.
func parseBody(body []byte) (msgs []*message, batch bool, err error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, false, errors.New("the body is empty")
	}
	if !json.Valid(body) {
		return nil, false, errors.New("the body is not JSON")
	}
	var raws []json.RawMessage
	if body[0] == '[' {
		batch = true
		if err := json.Unmarshal(body, &raws); err != nil {
			return nil, true, err
		}
		if len(raws) == 0 {
			return nil, true, errors.New("the batch is empty")
		}
	} else {
		raws = []json.RawMessage{body}
	}
	for _, raw := range raws {
		m, err := parseMessage(raw)
		if err != nil {
			return nil, batch, err
		}
		msgs = append(msgs, m)
	}
	return msgs, batch, nil
}

// metaOf returns params._meta's requestId and progressToken, when present.
func metaOf(params json.RawMessage) (requestID, progressToken json.RawMessage) {
	if len(params) == 0 || params[0] != '{' {
		return nil, nil
	}
	var p struct {
		Meta struct {
			RequestID     json.RawMessage `json:"requestId"`
			ProgressToken json.RawMessage `json:"progressToken"`
		} `json:"_meta"`
		ProgressToken json.RawMessage `json:"progressToken"`
	}
	if json.Unmarshal(params, &p) != nil {
		return nil, nil
	}
	token := p.Meta.ProgressToken
	if token == nil {
		token = p.ProgressToken
	}
	return p.Meta.RequestID, token
}

// errorResponse is a JSON-RPC error answering id (null when nil).
func errorResponse(id json.RawMessage, code int, msg string) []byte {
	if !hasID(id) {
		id = json.RawMessage("null")
	}
	b, err := json.Marshal(struct {
		Version string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}{Version: "2.0", ID: id, Error: struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, msg}})
	if err != nil {
		panic(err) // fixed types: cannot fail
	}
	return b
}
