package mcpclient

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sha1Hex is the SHA-1 of s in hex.
func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestQualifiedNames(t *testing.T) {
	long := strings.Repeat("x", 70)
	tests := []struct {
		name string
		keys []toolKey
		want []string
	}{
		{
			name: "plain names",
			keys: []toolKey{{"fs", "read_file"}, {"fs", "write-file"}, {"git", "Status2"}},
			want: []string{"fs__read_file", "fs__write-file", "git__Status2"},
		},
		{
			name: "odd characters become underscores",
			keys: []toolKey{{"my.server", "do it/now"}, {"srv", "héllo"}},
			want: []string{"my_server__do_it_now", "srv__h_llo"},
		},
		{
			name: "exactly 64 characters are kept",
			keys: []toolKey{{"s", strings.Repeat("t", 61)}},
			want: []string{"s__" + strings.Repeat("t", 61)},
		},
		{
			// Names codex-cli 0.45 gave these tools, with the servers
			// "weird" and "a_server_with_a_rather_long_name_indeed_yes".
			name: "longer names: 24 characters and the SHA-1 of the full name",
			keys: []toolKey{
				{"a_server_with_a_rather_long_name_indeed_yes", "very_long_tool_name_that_goes_on_and_on_and_on_for_quite_a_while_longer"},
				{"a_server_with_a_rather_long_name_indeed_yes", long},
				{"weird", "very_long_tool_name_that_goes_on_and_on_and_on_for_quite_a_while_longer"},
				{"weird", long},
			},
			want: []string{
				"a_server_with_a_rather_lba7cb1a058fce32e7ff0833544ce8f23c13b02aa",
				"a_server_with_a_rather_l856ca4d216933d63ce4de1d13736931516b07dea",
				"weird__very_long_tool_na50076a63d1335100e97ef3095ebcd1daad741329",
				"weird__xxxxxxxxxxxxxxxxx9b25146188d4f04278166066e8f8350ae562a00b",
			},
		},
		{
			name: "a later duplicate is hashed",
			keys: []toolKey{{"srv", "a b"}, {"srv", "a.b"}, {"srv", "a_b"}},
			want: []string{"srv__a_b", "srv__a_b" + sha1Hex("srv__a.b"), "srv__a_b" + sha1Hex("srv__a_b")},
		},
		{
			name: "server and tool split differently",
			keys: []toolKey{{"a", "b__c"}, {"a__b", "c"}},
			want: []string{"a__b__c", "a__b__c" + sha1Hex("a__b__c")},
		},
		{
			name: "a duplicate of a hashed name is salted",
			keys: []toolKey{{"s", "t_"}, {"s", "t_" + sha1Hex("s__t.")}, {"s", "t."}},
			want: []string{
				"s__t_",
				"s__t_" + sha1Hex("s__t."),
				"s__t_" + sha1Hex("s__t.#1"),
			},
		},
		{
			name: "long duplicates stay within 64 characters",
			keys: []toolKey{{"srv", long + "."}, {"srv", long + "/"}},
			want: []string{
				("srv__" + long)[:24] + sha1Hex("srv__"+long+"."),
				("srv__" + long)[:24] + sha1Hex("srv__"+long+"/"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := qualifiedNames(tt.keys)
			assert.Equal(t, tt.want, got)
			for _, name := range got {
				assert.LessOrEqual(t, len(name), maxToolNameLen)
				assert.Regexp(t, `^[a-zA-Z0-9_-]+$`, name)
			}
			// The assignment is stable.
			assert.Equal(t, got, qualifiedNames(tt.keys))
		})
	}
}

func TestNormalizeSchema(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"missing", ``, `{"type":"object","properties":{}}`},
		{"null", `null`, `{"type":"object","properties":{}}`},
		{"not an object", `[1]`, `{"type":"object","properties":{}}`},
		{"invalid", `{"type":`, `{"type":"object","properties":{}}`},
		{"empty object", `{}`, `{"type":"object","properties":{}}`},
		{"no properties", `{"type":"object"}`, `{"type":"object","properties":{}}`},
		{"top-level type kept", `{"type":"string"}`, `{"type":"string","properties":{}}`},
		{
			"unknown keywords dropped, const as enum",
			`{"$schema":"x","title":"T","type":"object","properties":{"c":{"const":1,"default":1},"n":{"type":"integer","minimum":0,"nullable":true}}}`,
			`{"type":"object","properties":{"c":{"type":"string","enum":[1]},"n":{"type":"integer"}}}`,
		},
		{
			"nested object and array fixed",
			`{"type":"object","properties":{"o":{"type":"object"},"a":{"type":"array"},"l":{"type":["array","null"]}}}`,
			`{"type":"object","properties":{"o":{"type":"object","properties":{}},"a":{"type":"array","items":{"type":"string"}},"l":{"type":["array","null"],"items":{"type":"string"}}}}`,
		},
		{
			"types inferred, an untyped schema emptied",
			`{"properties":{"p":{"properties":{"x":{"type":"string"}}},"q":{"items":{"type":"number"}},"r":{"description":"anything"}}}`,
			`{"type":"object","properties":{"p":{"type":"object","properties":{"x":{"type":"string"}}},"q":{"type":"array","items":{"type":"number"}},"r":{}}}`,
		},
		{
			"combinators left untyped, their branches fixed",
			`{"type":"object","properties":{"u":{"anyOf":[{"type":"object"},{"type":"string"}]}}}`,
			`{"type":"object","properties":{"u":{"anyOf":[{"type":"object","properties":{}},{"type":"string"}]}}}`,
		},
		{
			"definitions, items and true schemas",
			`{"type":"object","properties":{"t":true,"a":{"type":"array","items":{"type":"object"}}},"$defs":{"d":{"type":"object"}}}`,
			`{"type":"object","properties":{"t":{"type":"string"},"a":{"type":"array","items":{"type":"object","properties":{}}}},"$defs":{"d":{"type":"object","properties":{}}}}`,
		},
		{
			"additionalProperties schema fixed, false kept",
			`{"type":"object","properties":{"m":{"type":"object","additionalProperties":{"type":"array"}}},"additionalProperties":false}`,
			`{"type":"object","properties":{"m":{"type":"object","properties":{},"additionalProperties":{"type":"array","items":{"type":"string"}}}},"additionalProperties":false}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := normalizeSchema(json.RawMessage(tt.in))
			assert.JSONEq(t, tt.want, string(got))
		})
	}
}

func TestNormalizeSchemaWritesReferenceOrder(t *testing.T) {
	in := `{
		"type": "object",
		"properties": {"zeta": {"type": "string", "description": "<b> & </b>"}, "alpha": {"type": "integer"}},
		"required": ["zeta"]
	}`
	got := normalizeSchema(json.RawMessage(in))
	// Keywords in the reference's order, properties sorted, no HTML escaping.
	assert.Equal(t, `{"type":"object","properties":{"alpha":{"type":"integer"},"zeta":{"type":"string","description":"<b> & </b>"}},"required":["zeta"]}`, string(got))
}

func TestParseArguments(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for no arguments
		err  string
	}{
		{in: "", want: ""},
		{in: "  \n", want: ""},
		{in: "null", want: ""},
		{in: `{}`, want: `{}`},
		{in: ` { "a" : [1, 2] } `, want: `{"a":[1,2]}`},
		{in: `{"a":`, err: "failed to parse tool call arguments as JSON"},
		{in: `not json`, err: "failed to parse tool call arguments as JSON"},
		{in: `[1]`, err: "tool call arguments must be a JSON object, got [1]"},
		{in: `"text"`, err: `tool call arguments must be a JSON object, got "text"`},
		{in: `{} {}`, err: "failed to parse tool call arguments as JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseArguments(tt.in)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

func TestOutputText(t *testing.T) {
	tests := []struct {
		name   string
		result string
		want   string
	}{
		{"texts joined", `{"content":[{"type":"text","text":"one"},{"type":"text","text":"two"}]}`, "one\ntwo"},
		{"empty", `{"content":[]}`, ""},
		{"structured only", `{"content":[],"structuredContent":{"sum": 5}}`, `{"sum":5}`},
		{"structured with text", `{"content":[{"type":"text","text":"5"}],"structuredContent":{"sum":5}}`, "5"},
		{"error result", `{"content":[{"type":"text","text":"bad"}],"isError":true}`, "bad"},
		{"image", `{"content":[{"type":"image","data":"AAAA","mimeType":"image/png"}]}`, "[image content (image/png), 4 bytes of base64 data not shown]"},
		{"audio", `{"content":[{"type":"audio","data":"AAAAAAAA","mimeType":"audio/wav"}]}`, "[audio content (audio/wav), 8 bytes of base64 data not shown]"},
		{"text resource", `{"content":[{"type":"resource","resource":{"uri":"file:///a","text":"file body"}}]}`, "file body"},
		{"blob resource", `{"content":[{"type":"resource","resource":{"uri":"file:///b","mimeType":"application/zip","blob":"AAAA"}}]}`, "[resource file:///b (application/zip), 4 bytes of base64 data not shown]"},
		{"resource link", `{"content":[{"type":"resource_link","uri":"file:///c", "name":"c"}]}`, `{"type":"resource_link","uri":"file:///c","name":"c"}`},
		{"not JSON", `oops`, "oops"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, OutputText(json.RawMessage(tt.result)))
		})
	}
}

func TestNormalizeResult(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{in: `{"content":[{"type":"text","text":"\u003cok\u003e \u0026"}]}`, want: `{"content":[{"type":"text","text":"<ok> &"}]}`},
		{in: `{"isError":true}`, want: `{"content":[],"isError":true}`},
		{in: `{"content":null}`, want: `{"content":[]}`},
		{in: `[1]`, err: true},
		{in: `null`, err: true},
		{in: `"x"`, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := normalizeResult(json.RawMessage(tt.in))
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

func TestUnescapeHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":"\u003cb\u003e"}`, `{"a":"<b>"}`},
		{`{"a":"\u003C\u003E\u0026"}`, `{"a":"<>&"}`},
		{`{"a":"\\u003c"}`, `{"a":"\\u003c"}`},
		{`{"a":"\\\u003c"}`, `{"a":"\\<"}`},
		{`{"a":"\"\u0026\""}`, `{"a":"\"&\""}`},
		{`{"a":"\u00e9\u0041"}`, `{"a":"\u00e9\u0041"}`},
		{`{"\u0026":1}`, `{"&":1}`},
		{`{"a":"plain"}`, `{"a":"plain"}`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := unescapeHTML([]byte(tt.in))
			assert.Equal(t, tt.want, string(got))
			assert.True(t, json.Valid(got))
		})
	}
}

func TestServerEnv(t *testing.T) {
	environ := []string{
		"PATH=/bin", "HOME=/home/u", "USER=u", "LANG=C", "TMPDIR=/tmp",
		"OPENAI_API_KEY=secret", "GITHUB_TOKEN=t", "NOT_AN_ENTRY", "=odd", "TERM=xterm",
	}
	assert.Equal(t, []string{"HOME=/home/u", "LANG=C", "PATH=/bin", "TERM=xterm", "TMPDIR=/tmp", "USER=u"},
		serverEnv(environ, nil))
	assert.Equal(t, []string{"API_TOKEN=x", "HOME=/elsewhere", "LANG=C", "PATH=/bin", "TERM=xterm", "TMPDIR=/tmp", "USER=u"},
		serverEnv(environ, map[string]string{"API_TOKEN": "x", "HOME": "/elsewhere"}))
	assert.Empty(t, serverEnv(nil, nil))
}

func TestTailBuffer(t *testing.T) {
	t.Run("last lines", func(t *testing.T) {
		b := newTailBuffer(1024)
		for i := range 30 {
			_, _ = fmt.Fprintf(b, "line %d\n", i)
		}
		assert.Equal(t, "line 27\nline 28\nline 29", b.Tail(3, 1000))
	})
	t.Run("byte limit drops the cut line", func(t *testing.T) {
		b := newTailBuffer(1024)
		_, _ = b.Write([]byte("first line\nsecond\n\n"))
		assert.Equal(t, "second", b.Tail(10, 10))
	})
	t.Run("a single long line is cut", func(t *testing.T) {
		b := newTailBuffer(1024)
		_, _ = b.Write([]byte(strings.Repeat("a", 50) + "end"))
		assert.Equal(t, "aaaaaaaend", b.Tail(10, 10))
	})
	t.Run("no cut inside a character", func(t *testing.T) {
		b := newTailBuffer(1024)
		_, _ = b.Write([]byte("ééééé"))
		assert.Equal(t, "éé", b.Tail(10, 5))
	})
	t.Run("only the last bytes are kept", func(t *testing.T) {
		b := newTailBuffer(16)
		for i := range 100 {
			_, _ = fmt.Fprintf(b, "%02d\n", i)
		}
		assert.LessOrEqual(t, len(b.buf), 32)
		assert.Equal(t, "96\n97\n98\n99", b.Tail(4, 100))
		assert.Equal(t, "95\n96\n97\n98\n99", b.Tail(100, 100))
	})
	t.Run("empty", func(t *testing.T) {
		assert.Equal(t, "", newTailBuffer(16).Tail(5, 100))
	})
}

func TestToolSpec(t *testing.T) {
	tool := Tool{QualifiedName: "srv__t", Description: "Does <things> & more", InputSchema: json.RawMessage(`{"type":"object","properties":{}}`)}
	assert.Equal(t, `{"type":"function","name":"srv__t","description":"Does <things> & more","strict":false,"parameters":{"type":"object","properties":{}}}`, string(tool.Spec()))
	tool.InputSchema = json.RawMessage(`{broken`)
	assert.Equal(t, `{"type":"function","name":"srv__t","description":"Does <things> & more","strict":false,"parameters":{"type":"object","properties":{}}}`, string(tool.Spec()))
}
