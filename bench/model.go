package main

import (
	"fmt"
	"strings"

	"github.com/codex-go/codex/tests/fakemodel"
)

// Markers in a user message that select the fake provider's reply; any
// other message is answered with a short text.
const (
	// markShell asks for one shell call (`bash -lc "echo hi"`); the request
	// carrying its output is answered with a short text.
	markShell = "[bench:shell]"
	// markStream asks for a text answer streamed as streamDeltas deltas.
	markStream = "[bench:stream]"
)

// streamDeltas is the number of output_text.delta events of the long
// streamed answer.
const streamDeltas = 10_000

// shortAnswer is the text of every other reply.
const shortAnswer = "Hello from mock"

// shellArguments are the arguments of the shell call the provider asks for.
const shellArguments = `{"command":["bash","-lc","echo hi"]}`

// modelHandler returns the fake provider's handler for every benchmark. The
// reply is chosen from the last input item of the request: a user message
// with a marker gets the reply the marker names; anything else, including
// the output of a tool call, gets shortAnswer.
func modelHandler() fakemodel.Handler {
	stream := fakemodel.TextDeltas(streamDeltaTexts(streamDeltas))
	return func(rec fakemodel.Recorded, n int) fakemodel.Reply {
		typ, text := lastInput(rec.JSON)
		if typ != "message" {
			return fakemodel.Text(shortAnswer)
		}
		switch {
		case strings.Contains(text, markStream):
			return stream
		case strings.Contains(text, markShell):
			return fakemodel.FunctionCall(fmt.Sprintf("call_%d", n), "shell", shellArguments)
		default:
			return fakemodel.Text(shortAnswer)
		}
	}
}

// streamDeltaTexts returns n small deltas ("w0 ", "w1 ", ...).
func streamDeltaTexts(n int) []string {
	deltas := make([]string, n)
	for i := range deltas {
		deltas[i] = fmt.Sprintf("w%d ", i)
	}
	return deltas
}

// lastInput returns the type of the last item of a Responses API request's
// input and, for a message, its text. Both are "" when the body has no
// input items.
func lastInput(body map[string]any) (typ, text string) {
	input, _ := body["input"].([]any)
	if len(input) == 0 {
		return "", ""
	}
	item, _ := input[len(input)-1].(map[string]any)
	typ, _ = item["type"].(string)
	content, _ := item["content"].([]any)
	var b strings.Builder
	for _, c := range content {
		part, _ := c.(map[string]any)
		if s, ok := part["text"].(string); ok {
			b.WriteString(s)
		}
	}
	return typ, b.String()
}
