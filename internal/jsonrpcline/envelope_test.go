package jsonrpcline

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envelopeSamples are messages as jsonrpc2 writes them, and odder ones.
func envelopeSamples() []string {
	return []string{
		`{"method":"turn/started","params":{"threadId":"t","turn":{"id":"x","items":[]}},"emittedAtMs":1764892800123,"jsonrpc":"2.0"}`,
		`{"id":7,"method":"item/commandExecution/requestApproval","params":{"command":"echo \"}{\" \\ ]["},"jsonrpc":"2.0"}`,
		`{"id":"abc","result":{"entries":[{"fileName":"a{b","isFile":true},{"fileName":"c\"d","isFile":false}]},"jsonrpc":"2.0"}`,
		`{"id":null,"error":{"code":-32700,"message":"Parse error: x","data":{"k":[1,2]}},"jsonrpc":"2.0"}`,
		`{"id":3,"result":null,"jsonrpc":"2.0"}`,
		`{"id":3,"result":"\u003cb\u003e & \u2028","jsonrpc":"2.0"}`,
		`{"id":3,"result":[],"jsonrpc":"2.0"}`,
		`{"id":3,"result":-1.5e3,"jsonrpc":"2.0"}`,
		` { "id" : 4 , "result" : { "a" : [ 1 , { } ] } } `,
		`{}`,
		`{"method":null,"error":null,"id":1,"result":true}`,
		`{"id":1,"result":1,"result":2}`,
		`{"m\u0065thod":"x"}`,
		`{"id":1,"result":{"unterminated":`,
		`[1,2]`,
		`{"id":1 "result":2}`,
	}
}

// TestReadEnvelopeAgreesWithEncodingJSON reads each sample with the scan
// and with encoding/json: the members must be the same (or both fail).
func TestReadEnvelopeAgreesWithEncodingJSON(t *testing.T) {
	for _, raw := range envelopeSamples() {
		t.Run(raw, func(t *testing.T) { checkEnvelope(t, []byte(raw)) })
	}
}

func checkEnvelope(t *testing.T, raw []byte) {
	var want envelope
	wantErr := json.Unmarshal(raw, &want)
	got, err := readEnvelope(raw)
	if wantErr != nil {
		require.Error(t, err)
		return
	}
	require.NoError(t, err)
	assert.Equal(t, want.Method, got.Method)
	assert.Equal(t, want.Error, got.Error)
	for _, pair := range [][2]json.RawMessage{{want.ID, got.ID}, {want.Params, got.Params}, {want.Result, got.Result}, {want.EmittedAtMs, got.EmittedAtMs}} {
		assert.Equal(t, compact(t, pair[0]), compact(t, pair[1]))
	}
}

// compact removes insignificant white space, "" for none.
func compact(t *testing.T, raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// FuzzReadEnvelope checks the scan against encoding/json on any input.
func FuzzReadEnvelope(f *testing.F) {
	for _, s := range envelopeSamples() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var any map[string]json.RawMessage
		if json.Unmarshal(raw, &any) != nil {
			return
		}
		checkEnvelope(t, raw)
	})
}
