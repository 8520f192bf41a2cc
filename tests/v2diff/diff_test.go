package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decode parses a JSON object.
func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m))
	return m
}

func TestShapeKeepsEnumsAndHidesFreeValues(t *testing.T) {
	shape := shapeOf(decode(t, `{"method":"item/started","params":{"item":{"type":"commandExecution","id":"call1","command":"bash -lc 'x'","status":"inProgress","exitCode":0,"durationMs":7,"processId":"42"},"threadId":"0199a213-81c0-7800-8aa1-bbab2a035a53"},"emittedAtMs":1}`))
	assert.Equal(t, `string "commandExecution"`, describe(shape["params.item.type"]))
	assert.Equal(t, `string "inProgress"`, describe(shape["params.item.status"]))
	assert.Equal(t, "string", describe(shape["params.item.id"]))
	assert.Equal(t, "string", describe(shape["params.item.command"]))
	assert.Equal(t, "string (digits)", describe(shape["params.item.processId"]))
	assert.Equal(t, "string (uuid)", describe(shape["params.threadId"]))
	assert.Equal(t, "number 0", describe(shape["params.item.exitCode"]))
	assert.Equal(t, "number", describe(shape["params.item.durationMs"]))
	assert.Equal(t, "number", describe(shape["emittedAtMs"]))
	assert.NotContains(t, shape, "method")
}

func TestKeys(t *testing.T) {
	assert.Equal(t, "item/started(userMessage)", keyOf(decode(t, `{"method":"item/started","params":{"item":{"type":"userMessage"}}}`), ""))
	assert.Equal(t, "thread/status/changed(active:waitingOnApproval)", keyOf(decode(t, `{"method":"thread/status/changed","params":{"status":{"type":"active","activeFlags":["waitingOnApproval"]}}}`), ""))
	assert.Equal(t, "request item/commandExecution/requestApproval", keyOf(decode(t, `{"id":0,"method":"item/commandExecution/requestApproval","params":{}}`), ""))
	assert.Equal(t, "result turn/start", keyOf(decode(t, `{"id":3,"result":{}}`), "turn/start"))
	assert.Equal(t, "error turn/start", keyOf(decode(t, `{"id":3,"error":{"code":1}}`), "turn/start"))
}

func TestFieldDiffsReportTheTopmostDifference(t *testing.T) {
	ours := shapeOf(decode(t, `{"params":{"a":1,"b":null,"c":{"d":"x y"}}}`))
	ref := shapeOf(decode(t, `{"params":{"a":"1","b":{"e":1,"f":2},"c":{"d":"z w","g":true}}}`))
	var got []string
	for _, d := range fieldDiffs(ours, ref) {
		got = append(got, d.String())
	}
	assert.Equal(t, []string{
		"type/value of params.a (ours number, ref string (digits))",
		"type/value of params.b (ours null, ref object [+2 members below])",
		"missing field params.c.g (ref: boolean true)",
	}, got)
}

func TestAlignFindsMissingExtraAndMovedMessages(t *testing.T) {
	msg := func(key string) message { return message{key: key} }
	ours := []message{msg("a"), msg("x"), msg("b"), msg("c")}
	ref := []message{msg("a"), msg("c"), msg("b"), msg("y")}
	var marks string
	for _, r := range align(ours, ref) {
		marks += string(r.mark)
	}
	// a matches, x is ours only, b matches, c moved, y is the reference's only.
	assert.Equal(t, "=<^=^>", marks)
}
