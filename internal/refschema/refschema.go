// Package refschema reads the JSON Schema that the reference codex CLI
// publishes for the v2 app-server protocol, committed under
// testdata/reference-v2/schema at the module root (see
// scripts/refresh-v2-reference.sh), and checks messages against it.
//
// It is meant for tests: look up a method's params and result definitions,
// describe a definition's shape (property names, required names, enum
// values), and validate a params or result object.
//
// The schema is read as the reference writes it: ClientRequest.json lists
// the client's requests, ServerNotification.json the server's
// notifications and ServerRequest.json the server's requests, each as a
// oneOf whose entries pair a method name with a params definition. The
// result of a request is in a file of its own, named after the result type
// (v2/ThreadStartResponse.json for thread/start).
package refschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Index files of the schema directory.
const (
	clientRequestFile      = "ClientRequest.json"
	serverNotificationFile = "ServerNotification.json"
	serverRequestFile      = "ServerRequest.json"
	bundleFile             = "codex_app_server_protocol.v2.schemas.json"
)

// resultTypes names the result type of the client requests whose result
// type is not named after the params type (FooParams → FooResponse). The
// schema files do not pair methods with results; the reference's protocol
// definitions do, and these are the pairs that the naming rule misses.
// The schema has no result type for modelProvider/default/set.
var resultTypes = map[string]string{
	"account/gatewayOAuth/cancel":              "GatewayOAuthCancelResponse",
	"account/logout":                           "LogoutAccountResponse",
	"account/securitySetup/read":               "GetAccountSecuritySetupResponse",
	"account/workspaceMessages/read":           "GetWorkspaceMessagesResponse",
	"config/batchWrite":                        "ConfigWriteResponse",
	"config/mcpServer/reload":                  "McpServerRefreshResponse",
	"config/value/write":                       "ConfigWriteResponse",
	"configRequirements/read":                  "ConfigRequirementsReadResponse",
	"externalAgentConfig/import/readHistories": "ExternalAgentConfigImportHistoriesReadResponse",
	"windowsSandbox/readiness":                 "WindowsSandboxReadinessResponse",
}

// typeDirs are the directories, relative to the schema directory, that
// hold one file per type, in the order they are searched.
var typeDirs = []string{"v2", ".", "v1"}

// Schema is a loaded reference schema directory. It is safe for concurrent
// use.
type Schema struct {
	dir string

	clientRequests      []entry
	serverNotifications []entry
	serverRequests      []entry

	mu   sync.Mutex
	docs map[string]*document // by slash path relative to dir; nil: no such file
}

// entry is one oneOf member of an index file: a method and its params.
type entry struct {
	method         string
	params         *Def // nil when the entry has no params property
	paramsRequired bool
}

// document is one parsed schema file. Its content is never modified after
// parsing.
type document struct {
	path string
	root any
}

// Endpoint is one method of the protocol: its params definition and, for
// requests, its result definition.
type Endpoint struct {
	// Method is the method name, such as "thread/start".
	Method string
	// Params is the definition of the params member. It is nil when the
	// schema gives the method no params member.
	Params *Def
	// ParamsRequired reports whether the params member must be present.
	ParamsRequired bool
	// Result is the definition of the result of a request. It is nil for
	// notifications, and for requests whose result type the reference
	// does not publish.
	Result *Def
}

// Load reads the reference schema in dir, a directory written by
// `codex app-server generate-json-schema`.
func Load(dir string) (*Schema, error) {
	s := &Schema{dir: dir, docs: map[string]*document{}}
	var err error
	if s.clientRequests, err = s.loadIndex(clientRequestFile); err != nil {
		return nil, err
	}
	if s.serverNotifications, err = s.loadIndex(serverNotificationFile); err != nil {
		return nil, err
	}
	if s.serverRequests, err = s.loadIndex(serverRequestFile); err != nil {
		return nil, err
	}
	return s, nil
}

var committed = sync.OnceValues(func() (*Schema, error) {
	dir, err := committedDir()
	if err != nil {
		return nil, err
	}
	return Load(dir)
})

// Committed returns the reference schema committed to this repository,
// testdata/reference-v2/schema at the module root. It is loaded once and
// shared.
func Committed() (*Schema, error) {
	return committed()
}

// committedDir finds testdata/reference-v2/schema: in the module root
// two levels above this source file when its path is known, else in the
// nearest directory, from the working directory up, that has it.
func committedDir() (string, error) {
	rel := filepath.Join("testdata", "reference-v2", "schema")
	var tried []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dir := filepath.Join(filepath.Dir(file), "..", "..", rel)
		if isDir(dir) {
			return dir, nil
		}
		tried = append(tried, dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		dir := filepath.Join(d, rel)
		if isDir(dir) {
			return dir, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	tried = append(tried, filepath.Join(wd, "...", rel))
	return "", fmt.Errorf("refschema: no committed schema directory (looked at %s)", strings.Join(tried, ", "))
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// doc returns the parsed file at the slash path rel, or nil when there is
// no such file.
func (s *Schema) doc(rel string) (*document, error) {
	rel = path.Clean(rel)
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.docs[rel]; ok {
		return d, nil
	}
	data, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		s.docs[rel] = nil
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("refschema: %w", err)
	}
	root, err := decodeJSON(data)
	if err != nil {
		return nil, fmt.Errorf("refschema: %s: %w", rel, err)
	}
	d := &document{path: rel, root: root}
	s.docs[rel] = d
	return d, nil
}

// decodeJSON decodes one JSON value, keeping numbers as json.Number.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// loadIndex reads the oneOf entries of an index file.
func (s *Schema) loadIndex(name string) ([]entry, error) {
	d, err := s.doc(name)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, fmt.Errorf("refschema: %s not found in %s", name, s.dir)
	}
	root, _ := d.root.(map[string]any)
	oneOf, _ := root["oneOf"].([]any)
	if len(oneOf) == 0 {
		return nil, fmt.Errorf("refschema: %s has no oneOf list", name)
	}
	var out []entry
	for i, raw := range oneOf {
		m, _ := raw.(map[string]any)
		props, _ := m["properties"].(map[string]any)
		method := singleString(props["method"])
		if method == "" {
			return nil, fmt.Errorf("refschema: %s: oneOf[%d] has no single method name", name, i)
		}
		e := entry{method: method}
		if p, ok := props["params"]; ok {
			e.params = &Def{doc: d, node: p}
			e.paramsRequired = slices.Contains(stringList(m["required"]), "params")
		}
		out = append(out, e)
	}
	return out, nil
}

// singleString returns the value of a schema that admits exactly one
// string (an enum of one, or a const), or "".
func singleString(node any) string {
	m, _ := node.(map[string]any)
	if c, ok := m["const"].(string); ok {
		return c
	}
	if e, _ := m["enum"].([]any); len(e) == 1 {
		s, _ := e[0].(string)
		return s
	}
	return ""
}

func methodNames(entries []entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.method
	}
	return out
}

func find(entries []entry, method string) (entry, bool) {
	for _, e := range entries {
		if e.method == method {
			return e, true
		}
	}
	return entry{}, false
}

// Methods returns the methods a client may call (ClientRequest.json), in
// the reference's order.
func (s *Schema) Methods() []string { return methodNames(s.clientRequests) }

// Notifications returns the notifications the server may send
// (ServerNotification.json), in the reference's order.
func (s *Schema) Notifications() []string { return methodNames(s.serverNotifications) }

// ServerRequests returns the requests the server may send to the client
// (ServerRequest.json), in the reference's order.
func (s *Schema) ServerRequests() []string { return methodNames(s.serverRequests) }

// Request returns a client request method: its params definition from
// ClientRequest.json and its result definition.
func (s *Schema) Request(method string) (*Endpoint, error) {
	e, ok := find(s.clientRequests, method)
	if !ok {
		return nil, fmt.Errorf("refschema: %q is not a client request of the reference", method)
	}
	ep := &Endpoint{Method: method, Params: e.params, ParamsRequired: e.paramsRequired}
	name, ok := resultTypes[method]
	if !ok && e.params != nil {
		if p := e.params.Name(); strings.HasSuffix(p, "Params") {
			name = strings.TrimSuffix(p, "Params") + "Response"
		}
	}
	if name != "" {
		d, err := s.typeFile(name)
		if err != nil {
			return nil, err
		}
		ep.Result = d
	}
	return ep, nil
}

// Notification returns a server notification method and its params
// definition from ServerNotification.json.
func (s *Schema) Notification(method string) (*Endpoint, error) {
	e, ok := find(s.serverNotifications, method)
	if !ok {
		return nil, fmt.Errorf("refschema: %q is not a server notification of the reference", method)
	}
	return &Endpoint{Method: method, Params: e.params, ParamsRequired: e.paramsRequired}, nil
}

// ServerRequest returns a server request method: its params definition
// from ServerRequest.json and the definition of the client's result.
func (s *Schema) ServerRequest(method string) (*Endpoint, error) {
	e, ok := find(s.serverRequests, method)
	if !ok {
		return nil, fmt.Errorf("refschema: %q is not a server request of the reference", method)
	}
	ep := &Endpoint{Method: method, Params: e.params, ParamsRequired: e.paramsRequired}
	if e.params != nil {
		if p := e.params.Name(); strings.HasSuffix(p, "Params") {
			d, err := s.typeFile(strings.TrimSuffix(p, "Params") + "Response")
			if err != nil {
				return nil, err
			}
			ep.Result = d
		}
	}
	return ep, nil
}

// typeFile returns the root of the file of the named type, or nil when
// there is none.
func (s *Schema) typeFile(name string) (*Def, error) {
	for _, dir := range typeDirs {
		d, err := s.doc(path.Join(dir, name+".json"))
		if err != nil {
			return nil, err
		}
		if d != nil {
			return &Def{doc: d, node: d.root, name: name}, nil
		}
	}
	return nil, nil
}

// Definition returns the named definition: the type's own file when it
// has one (v2/<name>.json, <name>.json, v1/<name>.json), else the
// definition of that name in ClientRequest.json, ServerNotification.json,
// ServerRequest.json or the file holding every v2 definition.
func (s *Schema) Definition(name string) (*Def, error) {
	if name == "" || strings.ContainsAny(name, `/\`) {
		return nil, fmt.Errorf("refschema: bad definition name %q", name)
	}
	d, err := s.typeFile(name)
	if err != nil || d != nil {
		return d, err
	}
	for _, file := range []string{clientRequestFile, serverNotificationFile, serverRequestFile, bundleFile} {
		doc, err := s.doc(file)
		if err != nil {
			return nil, err
		}
		if doc == nil {
			continue
		}
		root, _ := doc.root.(map[string]any)
		defs, _ := root["definitions"].(map[string]any)
		if node, ok := defs[name]; ok {
			return &Def{doc: doc, node: node, name: name}, nil
		}
	}
	return nil, fmt.Errorf("refschema: no definition %q", name)
}

// Shape describes the named definition; see Definition and Def.Shape.
func (s *Schema) Shape(name string) (Shape, error) {
	d, err := s.Definition(name)
	if err != nil {
		return Shape{}, err
	}
	return d.Shape(), nil
}

// ValidateParams checks the params member of a message (nil or empty when
// the message has none) against the endpoint's params definition; see
// Def.Validate.
func (e *Endpoint) ValidateParams(params []byte, opts ...Option) error {
	if len(bytes.TrimSpace(params)) == 0 {
		if e.ParamsRequired {
			return fmt.Errorf("refschema: %s: params are required", e.Method)
		}
		return nil
	}
	if e.Params == nil {
		return fmt.Errorf("refschema: %s takes no params", e.Method)
	}
	return e.Params.Validate(params, opts...)
}

// ValidateResult checks the result member of a response against the
// endpoint's result definition; see Def.Validate.
func (e *Endpoint) ValidateResult(result []byte, opts ...Option) error {
	if e.Result == nil {
		return fmt.Errorf("refschema: the reference publishes no result type for %s", e.Method)
	}
	return e.Result.Validate(result, opts...)
}

func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
