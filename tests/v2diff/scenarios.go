package main

import (
	"net/http"
	"time"
)

// scenario is one client script and the model script that goes with it.
type scenario struct {
	// name is a short identifier, matched by -run.
	name string
	// about says what the scenario exercises.
	about string
	// thread are the thread/start params besides cwd.
	thread map[string]any
	// prompt is the text of the turn's input.
	prompt string
	// model answers the turn's model calls, in order.
	model []modelTurn
	// decision answers approval requests; empty refuses to handle them.
	decision string
	// interruptAfter, when positive, sends turn/interrupt once this many
	// item/agentMessage/delta notifications arrived.
	interruptAfter int
	// then, when set, is a request sent once the turn completed, naming
	// the thread by "threadId"; it starts a turn of its own (a
	// compaction, a review), which the client waits for.
	then *followUp
	// calls are requests sent one after the other once the turns are
	// over; an error answer is recorded like any other. In their params,
	// "$thread" stands for the thread id and "$work" for the workspace.
	calls []followUp
}

// followUp is a request that starts a second turn.
type followUp struct {
	method string
	params map[string]any
}

// commandScript is what the command scenarios make the model run: it
// writes into the workspace, so it is not a known-safe command.
const commandScript = "echo hi > out.txt; cat out.txt"

// scenarios are the scenarios in the order they run.
var scenarios = []scenario{
	{
		name:   "text",
		about:  "a turn answered with streamed text",
		prompt: "say hello",
		model:  []modelTurn{text("Hello ", "from ", "mock")},
	},
	{
		name:     "approval-accept",
		about:    "approval untrusted, sandbox workspace-write: a command asked about and accepted",
		thread:   map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write"},
		prompt:   "run the command",
		model:    []modelTurn{command("call1", commandScript), text("Hello from mock")},
		decision: "accept",
	},
	{
		name:     "approval-decline",
		about:    "approval untrusted, sandbox workspace-write: a command asked about and declined",
		thread:   map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write"},
		prompt:   "run the command",
		model:    []modelTurn{command("call1", commandScript), text("Hello from mock")},
		decision: "decline",
	},
	{
		name:   "approval-never",
		about:  "approval never, sandbox workspace-write: a command run without asking",
		thread: map[string]any{"approvalPolicy": "never", "sandbox": "workspace-write"},
		prompt: "run the command",
		model:  []modelTurn{command("call1", commandScript), text("Hello from mock")},
	},
	{
		name:           "interrupt",
		about:          "turn/interrupt after three deltas of a slow stream",
		prompt:         "long task",
		model:          []modelTurn{slowText(50, 150*time.Millisecond)},
		interruptAfter: 3,
	},
	{
		name:   "error-http500",
		about:  "the model answers HTTP 500 (no retries configured)",
		prompt: "say hello",
		model:  []modelTurn{httpError(http.StatusInternalServerError, "the model broke")},
	},
	{
		name:   "error-failed",
		about:  "the model's response ends with response.failed",
		prompt: "say hello",
		model:  []modelTurn{failed("server_error", "the model broke")},
	},
	{
		name:   "compact",
		about:  "a text turn, then thread/compact/start: the summary request and a contextCompaction item",
		prompt: "hello",
		model:  []modelTurn{text("First answer"), text("The user said hello.")},
		then:   &followUp{method: "thread/compact/start"},
	},
	{
		name:   "review",
		about:  "review/start of the uncommitted changes, answered in plain text",
		prompt: "hello",
		model:  []modelTurn{text("First answer"), text("Nothing to flag.")},
		then:   &followUp{method: "review/start", params: map[string]any{"target": map[string]any{"type": "uncommittedChanges"}}},
	},
	{
		name:   "methods",
		about:  "a text turn, then the methods of an editor's sidebar, account menu, model picker and settings page",
		prompt: "hello",
		model:  []modelTurn{text("First answer")},
		calls: []followUp{
			{method: "model/list", params: map[string]any{}},
			{method: "modelProvider/list", params: map[string]any{}},
			{method: "account/read", params: map[string]any{}},
			{method: "account/rateLimits/read"},
			{method: "config/read", params: map[string]any{"includeLayers": false, "cwd": "$work"}},
			{method: "configRequirements/read"},
			{method: "experimentalFeature/list", params: map[string]any{}},
			{method: "config/value/write", params: map[string]any{"keyPath": "model_reasoning_effort", "value": "high", "mergeStrategy": "replace"}},
			{method: "thread/name/set", params: map[string]any{"threadId": "$thread", "name": "My thread"}},
			{method: "thread/list", params: map[string]any{}},
			{method: "thread/loaded/list", params: map[string]any{}},
			{method: "thread/read", params: map[string]any{"threadId": "$thread", "includeTurns": true}},
			{method: "thread/turns/list", params: map[string]any{"threadId": "$thread"}},
			{method: "thread/items/list", params: map[string]any{"threadId": "$thread"}},
			{method: "command/exec", params: map[string]any{"command": []any{"bash", "-c", "echo exec-out"}, "cwd": "$work"}},
			{method: "fs/readDirectory", params: map[string]any{"path": "$work"}},
			{method: "fuzzyFileSearch", params: map[string]any{"query": "out", "roots": []any{"$work"}, "cancellationToken": nil}},
			{method: "thread/unsubscribe", params: map[string]any{"threadId": "$thread"}},
			{method: "thread/resume", params: map[string]any{"threadId": "$thread"}},
			{method: "thread/archive", params: map[string]any{"threadId": "$thread"}},
			{method: "thread/list", params: map[string]any{"archived": true}},
			{method: "thread/unarchive", params: map[string]any{"threadId": "$thread"}},
		},
	},
}

// substitute returns v with the strings "$thread" and "$work" replaced
// by the thread id and the workspace, in maps and lists too.
func substitute(v any, thread, work string) any {
	switch x := v.(type) {
	case string:
		switch x {
		case "$thread":
			return thread
		case "$work":
			return work
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = substitute(e, thread, work)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substitute(e, thread, work)
		}
		return out
	}
	return v
}
