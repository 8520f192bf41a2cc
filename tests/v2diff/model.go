package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/codex-go/codex/tests/fakemodel"
)

// modelTurn builds the reply to one Responses API request.
type modelTurn func(c modelCall) fakemodel.Reply

// modelCall is one Responses API request being answered.
type modelCall struct {
	// offered holds the names of the tools the request offers the model.
	offered map[string]bool
	// log records what the reply makes the model do.
	log *modelLog
}

// modelLog records what a binary asked of its fake model.
type modelLog struct {
	mu sync.Mutex
	// requests lists every request as "METHOD /path".
	requests []string
	// tools lists, per model call, the tool the script made the model call.
	tools []string
	// offered holds the tool names of the first model call.
	offered []string
}

// add records a request.
func (l *modelLog) add(r string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests = append(l.requests, r)
}

// used records the tool a reply calls.
func (l *modelLog) used(tool string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tools = append(l.tools, tool)
}

// snapshot returns copies of the recorded lists.
func (l *modelLog) snapshot() (requests, tools, offered []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.requests...), append([]string(nil), l.tools...), append([]string(nil), l.offered...)
}

// scriptHandler answers the n-th POST to a .../responses path with
// turns[n], past the end with a 500, and every other request (model lists,
// websocket upgrades, ...) with a 404, so that such side requests do not
// shift the script.
func scriptHandler(log *modelLog, turns []modelTurn) fakemodel.Handler {
	var mu sync.Mutex
	calls := 0
	return func(r fakemodel.Recorded, _ int) fakemodel.Reply {
		log.add(r.Method + " " + r.Path)
		if r.Method != http.MethodPost || !strings.HasSuffix(r.Path, "/responses") {
			return fakemodel.Reply{Status: http.StatusNotFound, Body: `{"error":{"message":"not found","type":"not_found"}}`}
		}
		offered := offeredTools(r.JSON)
		mu.Lock()
		n := calls
		calls++
		mu.Unlock()
		if n == 0 {
			log.mu.Lock()
			for name := range offered {
				log.offered = append(log.offered, name)
			}
			log.mu.Unlock()
		}
		if n >= len(turns) {
			return fakemodel.Error(http.StatusInternalServerError, fmt.Sprintf("no scripted reply for model call %d", n))
		}
		return turns[n](modelCall{offered: offered, log: log})
	}
}

// offeredTools returns the names of the tools in a Responses API request.
func offeredTools(body map[string]any) map[string]bool {
	out := map[string]bool{}
	tools, _ := body["tools"].([]any)
	for _, t := range tools {
		m, _ := t.(map[string]any)
		if name, ok := m["name"].(string); ok {
			out[name] = true
		}
	}
	return out
}

// commandTool picks the command tool to call: shell when offered, else
// exec_command when offered, else shell. It records the choice.
func (c modelCall) commandTool() string {
	tool := "shell"
	if !c.offered["shell"] && c.offered["exec_command"] {
		tool = "exec_command"
	}
	c.log.used(tool)
	return tool
}

// messageItem is a message item of the model (role assistant) in the
// Responses API; done says whether it is finished and holds text.
func messageItem(id, text string, done bool) map[string]any {
	item := map[string]any{"type": "message", "id": id, "role": "assistant", "status": "in_progress", "content": []any{}}
	if done {
		item["status"] = "completed"
		item["content"] = []any{map[string]any{"type": "output_text", "text": text, "annotations": []any{}}}
	}
	return item
}

// itemEvent is a response.output_item.added or .done event carrying item.
func itemEvent(event string, item map[string]any) fakemodel.SSE {
	return fakemodel.SSE{Event: event, Data: map[string]any{"type": event, "output_index": 0, "item": item}}
}

// textEvents streams deltas as one message: the item is announced first,
// as the hosted API does, then the deltas, then the finished item.
func textEvents(deltas []string) []fakemodel.SSE {
	events := []fakemodel.SSE{itemEvent(fakemodel.EventOutputItemAdded, messageItem("msg_1", "", false))}
	for _, d := range deltas {
		events = append(events, fakemodel.OutputTextDelta(d))
	}
	return append(events, itemEvent(fakemodel.EventOutputItemDone, messageItem("msg_1", strings.Join(deltas, ""), true)))
}

// wrap puts events between response.created and response.completed.
func wrap(events []fakemodel.SSE) []fakemodel.SSE {
	all := append([]fakemodel.SSE{fakemodel.Created()}, events...)
	return append(all, fakemodel.Completed(fakemodel.ResponseID, fakemodel.DefaultUsage()))
}

// text answers with deltas streamed as one message.
func text(deltas ...string) modelTurn {
	return func(modelCall) fakemodel.Reply {
		return fakemodel.Reply{Events: wrap(textEvents(deltas))}
	}
}

// command makes the model run script with the command tool the binary
// offers: shell {"command": ["bash", "-lc", script]} or exec_command
// {"cmd": script}.
func command(callID, script string) modelTurn {
	return func(c modelCall) fakemodel.Reply {
		tool := c.commandTool()
		var args any = map[string]any{"command": []string{"bash", "-lc", script}}
		if tool == "exec_command" {
			args = map[string]any{"cmd": script}
		}
		b, err := json.Marshal(args)
		if err != nil {
			panic(err)
		}
		call := func(arguments, status string) map[string]any {
			return map[string]any{"type": "function_call", "id": "fc_1", "call_id": callID, "name": tool, "arguments": arguments, "status": status}
		}
		return fakemodel.Reply{Events: wrap([]fakemodel.SSE{
			itemEvent(fakemodel.EventOutputItemAdded, call("", "in_progress")),
			itemEvent(fakemodel.EventOutputItemDone, call(string(b), "completed")),
		})}
	}
}

// slowText streams n one-character deltas, each after delay, and then
// keeps the response open: the turn only ends when the client interrupts.
func slowText(n int, delay time.Duration) modelTurn {
	return func(modelCall) fakemodel.Reply {
		events := []fakemodel.SSE{fakemodel.Created(), itemEvent(fakemodel.EventOutputItemAdded, messageItem("msg_slow", "", false))}
		for range n {
			events = append(events, fakemodel.OutputTextDelta("."))
		}
		return fakemodel.Reply{Events: events, Delay: delay, Stall: true}
	}
}

// httpError answers with an HTTP error status and a provider-style body.
func httpError(status int, message string) modelTurn {
	return func(modelCall) fakemodel.Reply { return fakemodel.Error(status, message) }
}

// failed starts a response and ends it with response.failed.
func failed(code, message string) modelTurn {
	return func(modelCall) fakemodel.Reply {
		return fakemodel.Reply{Events: []fakemodel.SSE{fakemodel.Created(), fakemodel.FailedCode(code, message)}}
	}
}
