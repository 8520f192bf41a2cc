package rpcserver

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// None is the params type of a method that takes no params, and the result
// type of a notification.
type None struct{}

// Method is one row of a server's method table: a method name bound to a
// typed handler of the server S. The generic layer decodes and checks the
// params once, calls the handler and answers with what it returns, so a
// handler deals with typed values only.
//
// Build rows with Request, Deferred and Notification.
type Method[S any] struct {
	// Name is the JSON-RPC method name.
	Name string
	// Params is the type of the params; nil when the method takes none.
	Params reflect.Type
	// Result is the type of the result of a request; nil for a
	// notification.
	Result reflect.Type
	// Required lists the members the params must hold (not null): the JSON
	// names of the fields of Params whose tag has no omitempty.
	Required []string
	// OptionalParams reports that the params may be left out or null: the
	// handler takes a pointer to Params, nil when there are none.
	OptionalParams bool

	// nullable lists the members of Required that may be null: those of
	// type json.RawMessage, which stand for any JSON value.
	nullable []string

	// handler is the typed handler, kept for the completeness check.
	handler any
	// serve decodes the params and runs the handler for one message.
	serve func(s S, ctx context.Context, c *Call, params json.RawMessage)
}

// Handler returns the typed handler of the row (a func value), so that a
// test can check that every handler of a server is in its table.
func (m Method[S]) Handler() any { return m.handler }

// IsNotification reports whether the row is a notification from the
// client, which gets no answer.
func (m Method[S]) IsNotification() bool { return m.Result == nil }

// Request is the row of a method answered with what its handler returns:
// the result, or the error (a *jsonrpc2.Error as it is, any other error as
// an internal error). Use None as P for a method without params, and a
// pointer to the params struct for params that may be left out or null
// (the handler then gets nil).
func Request[S, P, R any](name string, handler func(S, context.Context, P) (R, error)) Method[S] {
	m := Deferred(name, func(s S, ctx context.Context, p P, r Reply[R]) {
		result, err := handler(s, ctx, p)
		r.Answer(ctx, result, err)
	})
	m.handler = handler
	return m
}

// Deferred is the row of a method whose handler answers through reply,
// exactly once, either before it returns or later from a goroutine of its
// own (started with Server.Go). It is for answers that must be ordered
// against other messages (an answer written before the notifications it
// announces) or that wait for something slow while the server goes on
// reading.
func Deferred[S, P, R any](name string, handler func(S, context.Context, P, Reply[R])) Method[S] {
	m := newMethod[S, P](name, handler)
	m.Result = reflect.TypeFor[R]()
	m.serve = func(s S, ctx context.Context, c *Call, raw json.RawMessage) {
		var p P
		if !m.OptionalParams || !absentParams(raw) {
			if err := c.decode(raw, &p, m.Params == nil, m.Required, m.nullable); err != nil {
				c.answer(ctx, nil, err)
				return
			}
		}
		c.deferAnswer()
		handler(s, ctx, p, Reply[R]{call: c})
	}
	return m
}

// Notification is the row of a notification from the client. Params that
// cannot be decoded are logged and the notification is dropped.
func Notification[S, P any](name string, handler func(S, context.Context, P)) Method[S] {
	m := newMethod[S, P](name, handler)
	m.serve = func(s S, ctx context.Context, c *Call, raw json.RawMessage) {
		var p P
		if err := c.decode(raw, &p, m.Params == nil, m.Required, m.nullable); err != nil {
			c.srv.log.Warn("ignoring a notification with bad params", "method", name, "error", err)
			return
		}
		handler(s, ctx, p)
	}
	return m
}

// newMethod returns a row with the name, params and required members of P.
func newMethod[S, P any](name string, handler any) Method[S] {
	m := Method[S]{Name: name, handler: handler}
	t := reflect.TypeFor[P]()
	if t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct {
		// A pointer to the params: they may be left out.
		t = t.Elem()
		m.OptionalParams = true
	}
	if t != reflect.TypeFor[None]() {
		m.Params = t
		m.Required = RequiredMembers(t)
		m.nullable = anyValueMembers(t, m.Required)
	}
	return m
}

// anyValueMembers returns the members among required whose field has type
// json.RawMessage: they must be present but may be null.
func anyValueMembers(t reflect.Type, required []string) []string {
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Type == reflect.TypeFor[json.RawMessage]() && slices.Contains(required, name) {
			names = append(names, name)
		}
	}
	return names
}

// absentParams reports whether a message carries no params, or null.
func absentParams(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// RequiredMembers lists the JSON names of the fields of the struct type t
// that a message must carry: those whose json tag has no omitempty. It is
// the rule the generated JSON Schema follows too. Types that are not
// structs have none.
func RequiredMembers(t reflect.Type) []string {
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		if hasOption(opts, "omitempty") || hasOption(opts, "omitzero") {
			continue
		}
		names = append(names, name)
	}
	return names
}

// hasOption reports whether a comma-separated tag option list holds opt.
func hasOption(opts, opt string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == opt {
			return true
		}
	}
	return false
}

// ParamsPolicy says how strictly params are read.
type ParamsPolicy int

// The params policies.
const (
	// StrictParams requires params to be a JSON object holding every
	// required member, not null unless it may hold any JSON value
	// (json.RawMessage); a method without params accepts none, null or {}.
	// This is the app-server's rule.
	StrictParams ParamsPolicy = iota
	// LenientParams reads absent or null params as the zero value unless
	// the type has required members ("missing params"), and does not check
	// members. This is the MCP server's rule.
	LenientParams
)

// decodeParams reads raw into v under policy. The error describes the
// problem for the "Invalid params: ..." answer.
func decodeParams(policy ParamsPolicy, raw json.RawMessage, v any, noParams bool, required, nullable []string) error {
	absent := len(raw) == 0 || string(raw) == "null"
	if policy == LenientParams {
		if absent {
			if len(required) > 0 {
				return fmt.Errorf("missing params")
			}
			return nil
		}
		if noParams {
			return nil
		}
		return json.Unmarshal(raw, v)
	}
	var members map[string]json.RawMessage
	if noParams {
		if absent {
			return nil
		}
		if err := json.Unmarshal(raw, &members); err != nil || len(members) > 0 {
			return fmt.Errorf("the method takes no params")
		}
		return nil
	}
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return fmt.Errorf("params must be an object")
	}
	for _, name := range required {
		if m, ok := members[name]; !ok || string(m) == "null" && !slices.Contains(nullable, name) {
			return fmt.Errorf("missing field %q", name)
		}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("params: %w", err)
	}
	return nil
}
