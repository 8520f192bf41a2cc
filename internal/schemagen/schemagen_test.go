package schemagen

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

// pendingMethods are the mcp-server notifications and requests, which the
// app-server schema does not cover.
func pendingMethods() map[string]bool {
	return map[string]bool{
		protocol.NotificationMcpCodexEvent:         true,
		protocol.NotificationMcpCancelled:          true,
		protocol.NotificationMcpElicitationRequest: true,
	}
}

// protocolSource parses the non-test files of package protocol.
func protocolSource(t *testing.T) []*ast.File {
	t.Helper()
	root, err := FindModuleRoot(".")
	require.NoError(t, err)
	dir := filepath.Join(root, "protocol")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
			f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
			require.NoError(t, err)
			files = append(files, f)
		}
	}
	return files
}

func TestTableHasEveryEvent(t *testing.T) {
	var declared []string
	for _, f := range protocolSource(t) {
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Name.Name != "EventType" {
				continue
			}
			recv, ok := fn.Recv.List[0].Type.(*ast.Ident)
			require.True(t, ok, "EventType has a value receiver")
			if recv.Name != "UnknownEvent" {
				declared = append(declared, recv.Name)
			}
		}
	}
	var listed []string
	for _, r := range Table() {
		if r.Kind == KindEvent {
			listed = append(listed, r.Params.Name())
			assert.Equal(t, r.Name, reflect.New(r.Params).Elem().Interface().(protocol.EventMsg).EventType())
		}
	}
	require.NotEmpty(t, declared)
	assert.ElementsMatch(t, declared, listed, "every protocol event type needs a table row")
}

func TestTableHasEveryMethod(t *testing.T) {
	var methods []string
	for _, f := range protocolSource(t) {
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.CONST {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "Method") && !strings.HasPrefix(n.Name, "Notification") {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					require.True(t, ok, n.Name)
					v, err := strconv.Unquote(lit.Value)
					require.NoError(t, err)
					methods = append(methods, v)
				}
			}
		}
	}
	inTable := map[string]bool{}
	for _, r := range Table() {
		if r.Kind != KindEvent && r.Kind != KindType {
			inTable[r.Name] = true
		}
	}
	require.NotEmpty(t, methods)
	pending := pendingMethods()
	for _, m := range methods {
		if m == protocol.NotificationCodexEventPrefix {
			m += "{type}"
		}
		if pending[m] {
			assert.False(t, inTable[m], "%s has a table row: remove it from pendingMethods", m)
			continue
		}
		assert.True(t, inTable[m], "%s has no table row", m)
	}
}

func TestCheckRows(t *testing.T) {
	params := reflect.TypeFor[protocol.InitializeParams]()
	result := reflect.TypeFor[protocol.InitializeResponse]()
	tests := []struct {
		name string
		rows []Row
		err  string
	}{
		{name: "valid", rows: []Row{{Kind: KindClientRequest, Name: "a", Params: params, Result: result}}},
		{name: "request without params", rows: []Row{{Kind: KindClientRequest, Name: "a", Result: result}}},
		{name: "no name", rows: []Row{{Kind: KindClientRequest, Params: params, Result: result}}, err: "has no name"},
		{name: "request without response", rows: []Row{{Kind: KindServerRequest, Name: "a", Params: params}}, err: "has no response type"},
		{name: "notification with response", rows: []Row{{Kind: KindNotification, Name: "a", Params: params, Result: result}}, err: "cannot have a response type"},
		{name: "event without type", rows: []Row{{Kind: KindEvent, Name: "a"}}, err: "has no type"},
		{name: "pointer type", rows: []Row{{Kind: KindNotification, Name: "a", Params: reflect.PointerTo(params)}}, err: "named non-pointer"},
		{name: "same file twice", rows: []Row{{Kind: KindNotification, Name: "a", Params: params}, {Kind: KindNotification, Name: "a", Params: result}}, err: "two table rows write notification/a.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkRows(tt.rows)
			if tt.err == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}

func TestCheckReferences(t *testing.T) {
	defs := map[string]object{
		"A": {"properties": object{"b": object{"$ref": "#/$defs/B"}}},
		"B": {"oneOf": []any{object{"$ref": "#/$defs/C"}}},
	}
	err := checkReferences(defs)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "B refers to C")
	defs["C"] = object{"type": "string"}
	assert.NoError(t, checkReferences(defs))
	assert.Equal(t, []string{"B"}, references(defs["A"]))
}

func TestGenerateIsDeterministic(t *testing.T) {
	root, err := FindModuleRoot(".")
	require.NoError(t, err)
	first, err := Generate(root)
	require.NoError(t, err)
	second, err := Generate(root)
	require.NoError(t, err)
	assert.Empty(t, first.Diff(second))
	assert.Contains(t, string(first["event/task_started.json"]), `"description": "TaskStartedEvent opens a turn."`)
}

func TestDocumentsCarryOnlyWhatTheyNeed(t *testing.T) {
	root, err := FindModuleRoot(".")
	require.NoError(t, err)
	files, err := Generate(root)
	require.NoError(t, err)
	agent := string(files["event/agent_message.json"])
	assert.Contains(t, agent, `"AgentMessageEvent"`)
	assert.NotContains(t, agent, `"TaskStartedEvent"`)
	assert.NotContains(t, agent, `"EventMsg"`)
	notif := string(files["codex_event_notification.json"])
	for _, r := range Table() {
		if r.Kind == KindEvent {
			assert.Contains(t, notif, `"#/$defs/`+r.Params.Name()+`"`)
		}
	}
}

// valueStrings converts an enumeration's value list to strings.
func valueStrings[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

func TestSchemaEnumsEqualValueLists(t *testing.T) {
	root, err := FindModuleRoot(".")
	require.NoError(t, err)
	files, err := Generate(root)
	require.NoError(t, err)
	inSchema := map[string][]string{}
	for _, p := range files.Paths() {
		var doc struct {
			Defs map[string]struct {
				Type string   `json:"type"`
				Enum []string `json:"enum"`
			} `json:"$defs"`
		}
		require.NoError(t, json.Unmarshal(files[p], &doc), p)
		for name, def := range doc.Defs {
			if def.Enum == nil {
				continue
			}
			assert.Equal(t, "string", def.Type, "%s in %s", name, p)
			if prev, ok := inSchema[name]; ok {
				assert.Equal(t, prev, def.Enum, "%s differs in %s", name, p)
			}
			inSchema[name] = def.Enum
		}
	}

	tests := []struct {
		name   string
		values []string
	}{
		{"AskForApproval", valueStrings(protocol.AskForApprovalValues())},
		{"SandboxMode", valueStrings(protocol.SandboxModeValues())},
		{"ReasoningEffort", valueStrings(protocol.ReasoningEffortValues())},
		{"ReasoningSummary", valueStrings(protocol.ReasoningSummaryValues())},
		{"Verbosity", valueStrings(protocol.VerbosityValues())},
		{"ReviewDecision", valueStrings(protocol.ReviewDecisionValues())},
		{"TurnAbortReason", valueStrings(protocol.TurnAbortReasonValues())},
		{"InputMessageKind", valueStrings(protocol.InputMessageKindValues())},
		{"ElicitationAction", valueStrings(protocol.ElicitationActionValues())},
	}
	listed := map[string]bool{}
	for _, tt := range tests {
		listed[tt.name] = true
		t.Run(tt.name, func(t *testing.T) {
			require.Contains(t, inSchema, tt.name)
			assert.Equal(t, tt.values, inSchema[tt.name])
		})
	}
	for name := range inSchema {
		assert.True(t, listed[name], "the schema has an enum %s that this test does not check", name)
	}
}

func TestInputItemSchemaTagsEqualValueList(t *testing.T) {
	schema, err := mustObject(inputItemSchema)
	require.NoError(t, err)
	var tags []string
	for _, variant := range schema["oneOf"].([]any) {
		props := variant.(object)["properties"].(object)
		tags = append(tags, props["type"].(object)["const"].(string))
	}
	assert.Equal(t, valueStrings(protocol.InputItemTypeValues()), tags)
}

func TestEventRowsFollowEventMessages(t *testing.T) {
	var rows []Row
	for _, r := range Table() {
		if r.Kind == KindEvent {
			rows = append(rows, r)
		}
	}
	msgs := protocol.EventMessages()
	require.Len(t, rows, len(msgs))
	for i, m := range msgs {
		assert.Equal(t, m.EventType(), rows[i].Name)
		assert.Equal(t, reflect.TypeOf(m), rows[i].Params)
	}
}

func TestFindModuleRoot(t *testing.T) {
	root, err := FindModuleRoot(".")
	require.NoError(t, err)
	assert.FileExists(t, filepath.Join(root, "go.mod"))
	nested, err := FindModuleRoot(filepath.Join(root, "internal", "schemagen"))
	require.NoError(t, err)
	assert.Equal(t, root, nested)

	_, err = FindModuleRoot(t.TempDir())
	assert.Error(t, err)
}
