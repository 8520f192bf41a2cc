package mcpclient

import (
	"bytes"
	"encoding/json"

	"github.com/codex-go/codex/protocol"
)

// emptyObjectSchema is the schema of a tool taking no arguments.
const emptyObjectSchema = `{"type":"object","properties":{}}`

// normalizeSchema turns a tool's input schema into one the model API
// accepts as function parameters: an object schema with properties, where
// every object has properties and every array has items, and a missing type
// is filled in when the keywords used make it plain. A schema needing no
// change is returned as it came (compacted), keeping its key order.
func normalizeSchema(raw json.RawMessage) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if len(bytes.TrimSpace(raw)) == 0 || dec.Decode(&v) != nil {
		return json.RawMessage(emptyObjectSchema)
	}
	root, ok := v.(map[string]any)
	if !ok {
		return json.RawMessage(emptyObjectSchema)
	}
	changed := false
	if t, ok := root["type"].(string); !ok || t != "object" {
		root["type"] = "object"
		changed = true
	}
	if fixSchema(root) {
		changed = true
	}
	if !changed {
		var buf bytes.Buffer
		if json.Compact(&buf, raw) == nil {
			return buf.Bytes()
		}
	}
	out, err := protocol.Marshal(root)
	if err != nil {
		return json.RawMessage(emptyObjectSchema)
	}
	return out
}

// fixSchema normalises a schema object in place and reports whether it
// changed anything.
func fixSchema(s map[string]any) bool {
	changed := false
	if _, ok := s["type"]; !ok && !hasAnyKey(s, "anyOf", "oneOf", "allOf", "$ref", "enum", "const", "not") {
		switch {
		case hasAnyKey(s, "properties", "additionalProperties", "patternProperties", "required"):
			s["type"] = "object"
			changed = true
		case hasAnyKey(s, "items", "prefixItems"):
			s["type"] = "array"
			changed = true
		}
	}
	if hasType(s, "object") {
		if _, ok := s["properties"].(map[string]any); !ok {
			s["properties"] = map[string]any{}
			changed = true
		}
	}
	if hasType(s, "array") {
		if _, ok := s["items"]; !ok {
			s["items"] = map[string]any{}
			changed = true
		}
	}

	// Sub-schemas held by name.
	for _, key := range [...]string{"properties", "patternProperties", "$defs", "definitions"} {
		if m, ok := s[key].(map[string]any); ok {
			for name, sub := range m {
				if fixed, c := fixSubSchema(sub); c {
					m[name] = fixed
					changed = true
				}
			}
		}
	}
	// Sub-schemas held in lists.
	for _, key := range [...]string{"anyOf", "oneOf", "allOf", "prefixItems"} {
		if list, ok := s[key].([]any); ok {
			for i, sub := range list {
				if fixed, c := fixSubSchema(sub); c {
					list[i] = fixed
					changed = true
				}
			}
		}
	}
	// Single sub-schemas; items may also be a list (older drafts).
	for _, key := range [...]string{"items", "additionalProperties", "not", "if", "then", "else"} {
		switch sub := s[key].(type) {
		case map[string]any:
			if fixSchema(sub) {
				changed = true
			}
		case []any:
			for i, item := range sub {
				if fixed, c := fixSubSchema(item); c {
					sub[i] = fixed
					changed = true
				}
			}
		case bool:
			if key == "items" && sub {
				s[key] = map[string]any{}
				changed = true
			}
		}
	}
	return changed
}

// fixSubSchema normalises a schema found inside another: objects are fixed in
// place, the schema true becomes {}. It returns the schema to store and
// whether it changed.
func fixSubSchema(v any) (any, bool) {
	switch s := v.(type) {
	case map[string]any:
		return s, fixSchema(s)
	case bool:
		if s {
			return map[string]any{}, true
		}
	}
	return v, false
}

// hasAnyKey reports whether m has one of keys.
func hasAnyKey(m map[string]any, keys ...string) bool {
	for _, k := range keys {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

// hasType reports whether a schema's type is, or includes, t.
func hasType(s map[string]any, t string) bool {
	switch v := s["type"].(type) {
	case string:
		return v == t
	case []any:
		for _, item := range v {
			if item == t {
				return true
			}
		}
	}
	return false
}
