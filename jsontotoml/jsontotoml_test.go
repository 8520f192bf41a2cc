package jsontotoml

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func decode(t *testing.T, s string, useNumber bool) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	if useNumber {
		dec.UseNumber()
	}
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

func TestConvert(t *testing.T) {
	tests := []struct {
		name string
		json string
		want any
	}{
		{"string", `"hi"`, "hi"},
		{"true", `true`, true},
		{"false", `false`, false},
		{"integer", `42`, int64(42)},
		{"negative integer", `-7`, int64(-7)},
		{"integral float", `3.0`, int64(3)},
		{"exponent integral", `1e3`, int64(1000)},
		{"fraction", `2.5`, 2.5},
		{"huge", `1e300`, 1e300},
		{"empty array", `[]`, []any{}},
		{"mixed array", `[1, "a", true, 1.5]`, []any{int64(1), "a", true, 1.5}},
		{"empty object", `{}`, map[string]any{}},
		{"nested", `{"a": {"b": [1, {"c": "d"}]}, "e": 0.25}`, map[string]any{
			"a": map[string]any{"b": []any{int64(1), map[string]any{"c": "d"}}},
			"e": 0.25,
		}},
	}
	for _, tt := range tests {
		for _, useNumber := range []bool{false, true} {
			t.Run(tt.name, func(t *testing.T) {
				got, err := Convert(decode(t, tt.json, useNumber))
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			})
		}
	}
}

func TestConvertLargeIntegerWithNumber(t *testing.T) {
	got, err := Convert(decode(t, `9007199254740993`, true))
	require.NoError(t, err)
	assert.Equal(t, int64(9007199254740993), got)
}

func TestConvertNullErrors(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantMsg string
	}{
		{"top level", `null`, "null is not representable in TOML"},
		{"object key", `{"a": null}`, `key "a": null is not representable in TOML`},
		{"nested key", `{"a": {"b": null}}`, `key "a.b": null`},
		{"array element", `{"a": [1, null]}`, `key "a[1]": null`},
		{"quoted key", `{"x.y": {"z w": null}}`, `key "\"x.y\".\"z w\"": null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Convert(decode(t, tt.json, false))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrNull)
			assert.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}

func TestConvertUnsupported(t *testing.T) {
	_, err := Convert(struct{}{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unsupported")

	_, err = Convert(map[string]any{"k": []int{1}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `key "k"`)
}

func TestConvertedValueEncodesAsTOML(t *testing.T) {
	v, err := Convert(decode(t, `{"model": "gpt-5", "n": 3, "tools": {"web_search": true}, "list": [1, 2]}`, false))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, toml.NewEncoder(&buf).Encode(v))
	var back map[string]any
	_, err = toml.Decode(buf.String(), &back)
	require.NoError(t, err)
	assert.Equal(t, v, back)
}
