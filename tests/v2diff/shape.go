package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// message is a server message reduced to what the comparison looks at.
type message struct {
	// key names the message: its method, "request <method>" for a server
	// request, "result <method>" or "error <method>" for a response, with
	// the item type in parentheses for item/started and item/completed.
	key string
	// shape maps each member path to the set of its JSON types (and values,
	// for enum-like strings and booleans), e.g. "params.turn.status" to
	// {`string "completed"`}.
	shape map[string]map[string]bool
	// raw is the message as written.
	raw string
}

// noise says why a server message is environment noise of the reference
// (or of ours) that the comparison leaves out, or "" when it is not.
func noise(method string, params map[string]any) string {
	switch {
	case method == "configWarning":
		if s, _ := params["summary"].(string); strings.Contains(strings.ToLower(s), "bubblewrap") {
			return method + " (bubblewrap)"
		}
	case method == "remoteControl/status/changed", method == "account/rateLimits/updated",
		method == "skills/changed", method == "app/list/updated",
		strings.HasPrefix(method, "plugin/"), strings.HasPrefix(method, "plugins/"),
		method == "mcpServer/startupStatus/updated":
		return method
	}
	return ""
}

// serverMessages returns the server's messages of a transcript, without
// noise, and counts the noise left out by reason.
func serverMessages(entries []entry) (msgs []message, ignored map[string]int) {
	ignored = map[string]int{}
	for _, e := range entries {
		if e.Dir != "s2c" {
			continue
		}
		var top map[string]any
		if err := json.Unmarshal(e.Msg, &top); err != nil {
			continue
		}
		method, _ := top["method"].(string)
		params, _ := top["params"].(map[string]any)
		if why := noise(method, params); why != "" {
			ignored[why]++
			continue
		}
		msgs = append(msgs, message{key: keyOf(top, e.Answers), shape: shapeOf(top), raw: string(e.Msg)})
	}
	return msgs, ignored
}

// keyOf names a message; answers is the method of the request a response
// answers.
func keyOf(top map[string]any, answers string) string {
	method, _ := top["method"].(string)
	_, hasID := top["id"]
	switch {
	case method == "" && top["error"] != nil:
		return "error " + answers
	case method == "":
		return "result " + answers
	case hasID:
		return "request " + method
	}
	params, _ := top["params"].(map[string]any)
	if item, ok := params["item"].(map[string]any); ok {
		if t, ok := item["type"].(string); ok {
			return fmt.Sprintf("%s(%s)", method, t)
		}
	}
	if status, ok := params["status"].(map[string]any); ok && method == "thread/status/changed" {
		// The status is what the notification is about: two of them in
		// different states are different messages.
		t, _ := status["type"].(string)
		var flags []string
		list, _ := status["activeFlags"].([]any)
		for _, f := range list {
			flags = append(flags, fmt.Sprint(f))
		}
		if len(flags) > 0 {
			t += ":" + strings.Join(flags, ",")
		}
		return fmt.Sprintf("%s(%s)", method, t)
	}
	return method
}

// shapeOf returns the member paths of a message with their types. The
// method is left out (it is in the key).
func shapeOf(top map[string]any) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for k, v := range top {
		if k == "method" {
			continue
		}
		walk(out, k, k, v)
	}
	return out
}

// walk records the type of v at path, and below it its members; key is the
// member name v is found under (for array elements, the array's).
func walk(out map[string]map[string]bool, path, key string, v any) {
	add := func(d string) {
		if out[path] == nil {
			out[path] = map[string]bool{}
		}
		out[path][d] = true
	}
	switch v := v.(type) {
	case nil:
		add("null")
	case bool:
		add(fmt.Sprintf("boolean %v", v))
	case float64:
		if countKeys[key] {
			add(fmt.Sprintf("number %v", v))
		} else {
			add("number")
		}
	case string:
		switch {
		case enumLike(key, v):
			add(fmt.Sprintf("string %q", v))
		case uuidLike.MatchString(v):
			add("string (uuid)")
		case digits.MatchString(v):
			add("string (digits)")
		default:
			add("string")
		}
	case map[string]any:
		add("object")
		for k, m := range v {
			walk(out, path+"."+k, k, m)
		}
	case []any:
		add("array")
		for _, m := range v {
			walk(out, path+"[]", key, m)
		}
	default:
		add(fmt.Sprintf("%T", v))
	}
}

// identifier matches strings that look like enum values: one word of
// letters, digits and a few separators, starting with a letter.
var identifier = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.:-]{0,39}$`)

// uuidLike matches UUIDs, so that an id made up by the server can be told
// from one taken over from the model.
var uuidLike = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// digits matches numbers written as strings.
var digits = regexp.MustCompile(`^-?[0-9]+$`)

// freeKeys are members whose string values differ naturally between runs
// or binaries (ids, text, paths, commands, versions), so only their type is
// compared.
var freeKeys = map[string]bool{
	"id": true, "userAgent": true, "codexHome": true, "cwd": true, "path": true,
	"command": true, "cmd": true, "argv": true, "proposedExecpolicyAmendment": true,
	"execpolicy_amendment": true, "text": true, "delta": true, "aggregatedOutput": true,
	"output": true, "formattedOutput": true, "stdout": true, "stderr": true,
	"message": true, "summary": true, "details": true, "preview": true, "reason": true,
	"cliVersion": true, "version": true, "serverName": true, "title": true, "name": true,
	"diff": true, "additionalDetails": true,
}

// countKeys are numeric members whose values follow from the script alone
// (token counts, exit codes, request ids, the context window of the
// model), so their values are compared too; other numbers (times,
// durations, process ids) only by type.
var countKeys = map[string]bool{
	"inputTokens": true, "cachedInputTokens": true, "cacheWriteInputTokens": true,
	"outputTokens": true, "reasoningOutputTokens": true, "totalTokens": true,
	"modelContextWindow": true, "exitCode": true, "requestId": true, "code": true,
}

// enumLike reports whether the string value s of member key is compared by
// value rather than only by type.
func enumLike(key, s string) bool {
	if freeKeys[key] {
		return false
	}
	for _, suffix := range []string{"Id", "Ids", "ID", "At", "Ms", "Path", "Home", "Dir"} {
		if strings.HasSuffix(key, suffix) {
			return false
		}
	}
	return identifier.MatchString(s)
}

// describe renders a set of types as a sorted, |-separated list.
func describe(set map[string]bool) string {
	if set == nil {
		return "absent"
	}
	var ds []string
	for d := range set {
		ds = append(ds, d)
	}
	sort.Strings(ds)
	return strings.Join(ds, " | ")
}

// container reports whether a set of types includes an object or array,
// that is whether members below the path can exist.
func container(set map[string]bool) bool {
	return set["object"] || set["array"]
}
