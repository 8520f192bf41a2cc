package protocol_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

func TestEventMessagesDecodeFromTheirTag(t *testing.T) {
	for _, m := range protocol.EventMessages() {
		t.Run(m.EventType(), func(t *testing.T) {
			tag := strconv.Quote(m.EventType())
			decoded, err := protocol.DecodeEventMsg([]byte(`{"type":` + tag + `}`))
			require.NoError(t, err)
			assert.Equal(t, reflect.TypeOf(m), reflect.TypeOf(decoded))
			assert.Equal(t, m.EventType(), decoded.EventType())
			encoded, err := protocol.EncodeEventMsg(decoded)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(string(encoded), `{"type":`+tag), string(encoded))
		})
	}
}

func TestEventMessagesAreDistinct(t *testing.T) {
	tags := map[string]bool{}
	types := map[reflect.Type]bool{}
	for _, m := range protocol.EventMessages() {
		tag, typ := m.EventType(), reflect.TypeOf(m)
		assert.NotEmpty(t, tag, typ)
		assert.False(t, tags[tag], "two event messages are tagged %s", tag)
		assert.False(t, types[typ], "%s is listed twice", typ)
		assert.Equal(t, reflect.Struct, typ.Kind(), "%s is listed as a struct value", typ)
		tags[tag], types[typ] = true, true
	}
	assert.NotContains(t, types, reflect.TypeFor[protocol.UnknownEvent]())
}

// TestEventTypeConstantsAreListed checks that the EventType constants are
// exactly the tags of the listed messages, and that every type with an
// EventType method (other than UnknownEvent) is listed.
func TestEventTypeConstantsAreListed(t *testing.T) {
	var constants, methods []string
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil && d.Name.Name == "EventType" {
					if recv, ok := d.Recv.List[0].Type.(*ast.Ident); ok && recv.Name != "UnknownEvent" {
						methods = append(methods, recv.Name)
					}
				}
			case *ast.GenDecl:
				if d.Tok != token.CONST {
					continue
				}
				for _, spec := range d.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if strings.HasPrefix(n.Name, "EventType") {
							lit := vs.Values[i].(*ast.BasicLit)
							v, err := strconv.Unquote(lit.Value)
							require.NoError(t, err)
							constants = append(constants, v)
						}
					}
				}
			}
		}
	}
	var tags, names []string
	for _, m := range protocol.EventMessages() {
		tags = append(tags, m.EventType())
		names = append(names, reflect.TypeOf(m).Name())
	}
	require.NotEmpty(t, constants)
	assert.Equal(t, constants, tags, "the EventType constants and EventMessages are in the same order")
	assert.ElementsMatch(t, methods, names, "every event message type is in EventMessages")
}

func TestDecodeUnknownEvent(t *testing.T) {
	raw := `{"type":"future_event","x":1}`
	m, err := protocol.DecodeEventMsg([]byte(raw))
	require.NoError(t, err)
	u, ok := m.(protocol.UnknownEvent)
	require.True(t, ok, "%T", m)
	assert.Equal(t, "future_event", u.EventType())
	assert.JSONEq(t, raw, string(u.Raw))
}

func TestDecodeEventMsgErrors(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"not an object", `5`, "cannot unmarshal number"},
		{"bad member", `{"type":"agent_message","message":5}`, "event agent_message: "},
		{"bad enum", `{"type":"turn_aborted","reason":"bored"}`, "event turn_aborted: unknown variant `bored`, expected one of `interrupted`, `replaced`, `review_ended`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := protocol.DecodeEventMsg([]byte(tt.raw))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
