package protocol_test

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

// enumType is what every string enumeration of the package provides.
type enumType interface {
	~string
	protocol.Enum
	Valid() bool
}

// enumCase exercises one enumeration through closures, so that one table
// covers enumerations of different Go types.
type enumCase struct {
	// typeName is the Go type's name.
	typeName string
	// list is the enumeration's value list, as strings.
	list []string
	// wire pins the values the wire contract expects, in order.
	wire []string
	// enumValues is the result of the EnumValues method.
	enumValues []string
	// valid calls Valid on a value.
	valid func(s string) bool
	// decodeJSON decodes a JSON value as a struct member "v" of the type,
	// starting from a field holding the first value of the list.
	decodeJSON func(data string) (string, error)
	// decodePointerJSON decodes a JSON value as a pointer member "v";
	// ok is false when the pointer stayed nil.
	decodePointerJSON func(data string) (got string, ok bool, err error)
	// decodeTOML decodes a config.toml text with BurntSushi/toml into a
	// struct with a member "v" of the type.
	decodeTOML func(text string) (string, error)
}

// caseOf builds the enumCase of T from its value list.
func caseOf[T enumType](typeName string, list []T, wire ...string) enumCase {
	strs := make([]string, len(list))
	for i, v := range list {
		strs[i] = string(v)
	}
	var zero T
	return enumCase{
		typeName:   typeName,
		list:       strs,
		wire:       wire,
		enumValues: zero.EnumValues(),
		valid:      func(s string) bool { return T(s).Valid() },
		decodeJSON: func(data string) (string, error) {
			w := struct {
				V T `json:"v"`
			}{V: list[0]}
			err := json.Unmarshal([]byte(`{"v":`+data+`}`), &w)
			return string(w.V), err
		},
		decodePointerJSON: func(data string) (string, bool, error) {
			var w struct {
				V *T `json:"v"`
			}
			err := json.Unmarshal([]byte(`{"v":`+data+`}`), &w)
			if w.V == nil {
				return "", false, err
			}
			return string(*w.V), true, err
		},
		decodeTOML: func(text string) (string, error) {
			var w struct {
				V T `toml:"v"`
			}
			_, err := toml.Decode(text, &w)
			return string(w.V), err
		},
	}
}

// enumCases lists every string enumeration of the package.
func enumCases() []enumCase {
	return []enumCase{
		caseOf("AskForApproval", protocol.AskForApprovalValues(), "untrusted", "on-failure", "on-request", "never"),
		caseOf("SandboxMode", protocol.SandboxModeValues(), "read-only", "workspace-write", "danger-full-access"),
		caseOf("ReasoningEffort", protocol.ReasoningEffortValues(), "minimal", "low", "medium", "high"),
		caseOf("ReasoningSummary", protocol.ReasoningSummaryValues(), "auto", "concise", "detailed", "none"),
		caseOf("Verbosity", protocol.VerbosityValues(), "low", "medium", "high"),
		caseOf("ReviewDecision", protocol.ReviewDecisionValues(), "approved", "approved_for_session", "denied", "abort"),
		caseOf("TurnAbortReason", protocol.TurnAbortReasonValues(), "interrupted", "replaced", "review_ended"),
		caseOf("InputMessageKind", protocol.InputMessageKindValues(), "plain", "user_instructions", "environment_context"),
		caseOf("InputItemType", protocol.InputItemTypeValues(), "text", "image", "localImage"),
		caseOf("ElicitationAction", protocol.ElicitationActionValues(), "accept", "decline", "cancel"),
	}
}

// unknownVariant is the message expected for value rejected by c.
func (c enumCase) unknownVariant(value string) string {
	quoted := make([]string, len(c.wire))
	for i, v := range c.wire {
		quoted[i] = "`" + v + "`"
	}
	return "unknown variant `" + value + "`, expected one of " + strings.Join(quoted, ", ")
}

func TestEnumValueLists(t *testing.T) {
	for _, c := range enumCases() {
		t.Run(c.typeName, func(t *testing.T) {
			assert.Equal(t, c.wire, c.list)
			assert.Equal(t, c.list, c.enumValues)
			seen := map[string]bool{}
			for _, v := range c.list {
				assert.False(t, seen[v], "%s is listed twice", v)
				seen[v] = true
				assert.True(t, c.valid(v), v)
			}
			for _, bad := range []string{"", "bogus", strings.ToUpper(c.list[0]), c.list[0] + " "} {
				assert.False(t, c.valid(bad), "%q", bad)
			}
		})
	}
}

func TestEnumDecodeJSON(t *testing.T) {
	for _, c := range enumCases() {
		t.Run(c.typeName, func(t *testing.T) {
			for _, v := range c.list {
				got, err := c.decodeJSON(strconv.Quote(v))
				require.NoError(t, err, v)
				assert.Equal(t, v, got)
				got, ok, err := c.decodePointerJSON(strconv.Quote(v))
				require.NoError(t, err, v)
				assert.True(t, ok)
				assert.Equal(t, v, got)
			}

			for _, bad := range []string{"bogus", "", strings.ToUpper(c.list[0])} {
				_, err := c.decodeJSON(strconv.Quote(bad))
				require.EqualError(t, err, c.unknownVariant(bad))
				var uv *protocol.UnknownVariantError
				require.ErrorAs(t, err, &uv)
				assert.Equal(t, bad, uv.Value)
				assert.Equal(t, c.list, uv.Expected)
				_, _, err = c.decodePointerJSON(strconv.Quote(bad))
				assert.EqualError(t, err, c.unknownVariant(bad))
			}

			got, err := c.decodeJSON("null")
			require.NoError(t, err)
			assert.Equal(t, c.list[0], got, "null leaves the value as it is")
			_, ok, err := c.decodePointerJSON("null")
			require.NoError(t, err)
			assert.False(t, ok)

			for _, data := range []string{"5", "true", `["x"]`, `{}`} {
				_, err := c.decodeJSON(data)
				typeErr, ok := errors.AsType[*json.UnmarshalTypeError](err)
				require.True(t, ok, "%s: %v", data, err)
				assert.Equal(t, "v", typeErr.Field)
				assert.Equal(t, "protocol."+c.typeName, typeErr.Type.String())
			}
		})
	}
}

func TestEnumDecodeText(t *testing.T) {
	for _, c := range enumCases() {
		t.Run(c.typeName, func(t *testing.T) {
			for _, v := range c.list {
				got, err := c.decodeTOML("v = " + strconv.Quote(v) + "\n")
				require.NoError(t, err, v)
				assert.Equal(t, v, got)
			}
			_, err := c.decodeTOML("# settings\nv = \"bogus\"\n")
			require.Error(t, err)
			var pe toml.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, 2, pe.Position.Line)
			assert.Equal(t, "v", pe.LastKey)
			assert.Equal(t, c.unknownVariant("bogus"), pe.Message)
		})
	}
}

// TestBadEnumsInRequestsFailDecoding checks that a request or response
// carrying a value outside an enumeration fails to decode, with the wording
// of the reference's decoding errors.
func TestBadEnumsInRequestsFailDecoding(t *testing.T) {
	const (
		approvals = "expected one of `untrusted`, `on-failure`, `on-request`, `never`"
		modes     = "expected one of `read-only`, `workspace-write`, `danger-full-access`"
		efforts   = "expected one of `minimal`, `low`, `medium`, `high`"
		summaries = "expected one of `auto`, `concise`, `detailed`, `none`"
		items     = "expected one of `text`, `image`, `localImage`"
		turn      = `"conversationId":"c","items":[],"cwd":"/","approvalPolicy":"never","sandboxPolicy":{"mode":"read-only"},"model":"m","summary":"auto"`
	)
	tests := []struct {
		name string
		data string
		into any
		want string
	}{
		{"newConversation approvalPolicy", `{"approvalPolicy":"bogus"}`, new(protocol.NewConversationParams), "unknown variant `bogus`, " + approvals},
		{"newConversation sandbox", `{"sandbox":"everything"}`, new(protocol.NewConversationParams), "unknown variant `everything`, " + modes},
		{"resumeConversation overrides", `{"path":"p","overrides":{"sandbox":"open"}}`, new(protocol.ResumeConversationParams), "unknown variant `open`, " + modes},
		{"sendUserMessage item type", `{"conversationId":"c","items":[{"type":"video","data":{}}]}`, new(protocol.SendUserMessageParams), "unknown variant `video`, " + items},
		{"sendUserTurn approvalPolicy", `{` + turn + `,"approvalPolicy":"sometimes"}`, new(protocol.SendUserTurnParams), "unknown variant `sometimes`, " + approvals},
		{"sendUserTurn empty approvalPolicy", `{` + turn + `,"approvalPolicy":""}`, new(protocol.SendUserTurnParams), "unknown variant ``, " + approvals},
		{"sendUserTurn summary", `{` + turn + `,"summary":"short"}`, new(protocol.SendUserTurnParams), "unknown variant `short`, " + summaries},
		{"sendUserTurn effort", `{` + turn + `,"effort":"extreme"}`, new(protocol.SendUserTurnParams), "unknown variant `extreme`, " + efforts},
		{"sendUserTurn sandbox policy mode", `{` + turn + `,"sandboxPolicy":{"mode":"open"}}`, new(protocol.SendUserTurnParams), "unknown variant `open`, " + modes},
		{"setDefaultModel reasoningEffort", `{"model":"m","reasoningEffort":"max"}`, new(protocol.SetDefaultModelParams), "unknown variant `max`, " + efforts},
		{"execOneOffCommand sandbox policy mode", `{"command":["true"],"sandboxPolicy":{"mode":"open"}}`, new(protocol.ExecOneOffCommandParams), "unknown variant `open`, " + modes},
		{"approval decision", `{"decision":"maybe"}`, new(protocol.ApprovalResponse), "unknown variant `maybe`, expected one of `approved`, `approved_for_session`, `denied`, `abort`"},
		{"sandbox policy without mode", `{}`, new(protocol.SandboxPolicy), `unknown sandbox policy mode ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.EqualError(t, json.Unmarshal([]byte(tt.data), tt.into), tt.want)
		})
	}
}

func TestUnknownVariantError(t *testing.T) {
	tests := []struct {
		expected []string
		want     string
	}{
		{nil, "unknown variant `x`, there are no variants"},
		{[]string{"a"}, "unknown variant `x`, expected `a`"},
		{[]string{"a", "b"}, "unknown variant `x`, expected `a` or `b`"},
		{[]string{"a", "b", "c"}, "unknown variant `x`, expected one of `a`, `b`, `c`"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			err := &protocol.UnknownVariantError{Value: "x", Expected: tt.expected}
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestParseEnums(t *testing.T) {
	parseApproval := func(s string) (string, error) {
		v, err := protocol.ParseAskForApproval(s)
		return string(v), err
	}
	parseSandbox := func(s string) (string, error) {
		v, err := protocol.ParseSandboxMode(s)
		return string(v), err
	}
	tests := []struct {
		name    string
		parse   func(string) (string, error)
		in      string
		wantErr string
	}{
		{"approval untrusted", parseApproval, "untrusted", ""},
		{"approval on-failure", parseApproval, "on-failure", ""},
		{"approval on-request", parseApproval, "on-request", ""},
		{"approval never", parseApproval, "never", ""},
		{"approval unknown", parseApproval, "sometimes", `unknown approval policy "sometimes" (expected untrusted, on-failure, on-request or never)`},
		{"approval empty", parseApproval, "", `unknown approval policy "" (expected untrusted, on-failure, on-request or never)`},
		{"sandbox read-only", parseSandbox, "read-only", ""},
		{"sandbox workspace-write", parseSandbox, "workspace-write", ""},
		{"sandbox danger-full-access", parseSandbox, "danger-full-access", ""},
		{"sandbox unknown", parseSandbox, "open", `unknown sandbox mode "open" (expected read-only, workspace-write or danger-full-access)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.parse(tt.in)
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.in, got)
		})
	}
}

// TestEnumListsHoldEveryConstant checks that each value list names every
// constant declared with its type, in declaration order, so that a new
// constant cannot be left out of validation, decoding and the schema.
func TestEnumListsHoldEveryConstant(t *testing.T) {
	declared := map[string][]string{}
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
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.CONST {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				typ, ok := vs.Type.(*ast.Ident)
				if !ok {
					continue
				}
				for _, v := range vs.Values {
					if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, err := strconv.Unquote(lit.Value)
						require.NoError(t, err)
						declared[typ.Name] = append(declared[typ.Name], s)
					}
				}
			}
		}
	}
	cases := enumCases()
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.typeName] = true
		assert.Equal(t, declared[c.typeName], c.list, c.typeName)
	}
	for name := range declared {
		assert.True(t, covered[name], "the constants of %s have no value list in enumCases", name)
	}
}
