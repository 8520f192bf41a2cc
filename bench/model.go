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
	stream := announced(fakemodel.TextDeltas(streamDeltaTexts(streamDeltas)))
	short := announced(fakemodel.Text(shortAnswer))
	return func(rec fakemodel.Recorded, n int) fakemodel.Reply {
		typ, text := lastInput(rec.JSON)
		if typ != "message" {
			return short
		}
		switch {
		case strings.Contains(text, markStream):
			return stream
		case strings.Contains(text, markShell):
			return fakemodel.FunctionCall(fmt.Sprintf("call_%d", n), "shell", shellArguments)
		default:
			return short
		}
	}
}

// announced returns reply, a text reply of fakemodel, with its answer
// message announced by a response.output_item.added event before the first
// text delta, as the Responses API does. codex-cli 0.171 drops text deltas
// that belong to no announced message; 0.45 and ours do not need it.
func announced(reply fakemodel.Reply) fakemodel.Reply {
	added := fakemodel.SSE{Event: fakemodel.EventOutputItemAdded, Data: map[string]any{
		"type":         fakemodel.EventOutputItemAdded,
		"output_index": 0,
		"item": map[string]any{
			"type": "message", "id": answerItemID, "role": "assistant",
			"status": "in_progress", "content": []any{},
		},
	}}
	events := make([]fakemodel.SSE, 0, len(reply.Events)+1)
	for i, ev := range reply.Events {
		if ev.Event == fakemodel.EventOutputTextDelta {
			events = append(append(events, added), reply.Events[i:]...)
			reply.Events = events
			return reply
		}
		events = append(events, ev)
	}
	return reply
}

// answerItemID is the id fakemodel gives the answer message of a text
// reply.
const answerItemID = "msg_1"

// streamAnswer is the text of the long streamed answer: its deltas joined.
func streamAnswer() string {
	return strings.Join(streamDeltaTexts(streamDeltas), "")
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
