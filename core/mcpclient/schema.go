package mcpclient

import (
	"bytes"
	"encoding/json"

	"github.com/codex-go/codex/protocol"
)

// emptyObjectSchema is the schema of a tool taking no arguments.
const emptyObjectSchema = `{"type":"object","properties":{}}`

// maxSchemaDepth bounds how deep a tool's input schema is followed; deeper
// sub-schemas are cut to {} (any value).
const maxSchemaDepth = 64

// modelSchema is the subset of JSON Schema given to the model as a tool's
// parameters. Its fields are written in this order, which is the order in
// which codex-cli 0.171 writes them; properties come out sorted by name.
type modelSchema struct {
	Type                 any                      `json:"type,omitempty"`
	Description          string                   `json:"description,omitempty"`
	Enum                 []any                    `json:"enum,omitempty"`
	Items                *modelSchema             `json:"items,omitempty"`
	MinItems             any                      `json:"minItems,omitempty"`
	Properties           *map[string]*modelSchema `json:"properties,omitempty"`
	Required             any                      `json:"required,omitempty"`
	AdditionalProperties any                      `json:"additionalProperties,omitempty"`
	AnyOf                []*modelSchema           `json:"anyOf,omitempty"`
	OneOf                []*modelSchema           `json:"oneOf,omitempty"`
	AllOf                []*modelSchema           `json:"allOf,omitempty"`
	Ref                  string                   `json:"$ref,omitempty"`
	Defs                 map[string]*modelSchema  `json:"$defs,omitempty"`
	Definitions          map[string]*modelSchema  `json:"definitions,omitempty"`
}

// normalizeSchema reduces a tool's input schema to what the model API
// accepts as function parameters, the way codex-cli 0.171 does:
//
//   - kept: type (a name or a list of names), description, enum (const
//     becomes a one-value enum), items, minItems, properties, required,
//     additionalProperties (true, false or a schema), anyOf, oneOf, allOf,
//     $ref, and $defs / definitions;
//   - dropped: every other keyword ($schema, title, default, examples,
//     format, pattern, minimum, maximum, minLength, maxLength, maxItems,
//     uniqueItems, nullable, ...);
//   - a missing type is inferred: object when properties, required or
//     additionalProperties are present, array when items is, string when
//     enum or const is; a sub-schema with no type, no combinator and no
//     $ref becomes {} (its description goes too);
//   - an object gets properties {} when it has none, an array items
//     {"type":"string"} when it has none; the schema true (or false) becomes
//     {"type":"string"};
//   - at the top, a schema that is not a JSON object becomes
//     {"type":"object","properties":{}}, a missing type becomes object, and
//     properties are always present (even for a non-object type, as the
//     reference writes them).
//
// Schemas nested deeper than maxSchemaDepth are cut to {}.
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
	if _, ok := root["type"]; !ok {
		root["type"] = "object"
	}
	s := reduceSchema(root, 0)
	if s.Properties == nil {
		s.Properties = &map[string]*modelSchema{}
	}
	out, err := protocol.Marshal(s)
	if err != nil {
		return json.RawMessage(emptyObjectSchema)
	}
	return out
}

// reduceSubSchema reduces a schema found inside another, which may be a
// boolean schema.
func reduceSubSchema(v any, depth int) *modelSchema {
	m, ok := v.(map[string]any)
	if !ok {
		return &modelSchema{Type: "string"}
	}
	return reduceSchema(m, depth)
}

// reduceSchema reduces one schema object.
func reduceSchema(m map[string]any, depth int) *modelSchema {
	if depth > maxSchemaDepth {
		return &modelSchema{}
	}
	s := &modelSchema{}
	switch t := m["type"].(type) {
	case string:
		s.Type = t
	case []any:
		s.Type = t
	}
	if d, ok := m["description"].(string); ok {
		s.Description = d
	}
	if e, ok := m["enum"].([]any); ok {
		s.Enum = e
	} else if c, ok := m["const"]; ok {
		s.Enum = []any{c}
	}
	if items, ok := m["items"]; ok {
		s.Items = reduceSubSchema(items, depth+1)
	}
	if n, ok := m["minItems"].(json.Number); ok {
		s.MinItems = n
	}
	if props, ok := m["properties"].(map[string]any); ok {
		reduced := make(map[string]*modelSchema, len(props))
		for name, sub := range props {
			reduced[name] = reduceSubSchema(sub, depth+1)
		}
		s.Properties = &reduced
	}
	if r, ok := m["required"].([]any); ok {
		s.Required = r
	}
	switch ap := m["additionalProperties"].(type) {
	case bool:
		s.AdditionalProperties = ap
	case map[string]any:
		s.AdditionalProperties = reduceSchema(ap, depth+1)
	}
	s.AnyOf = reduceList(m["anyOf"], depth)
	s.OneOf = reduceList(m["oneOf"], depth)
	s.AllOf = reduceList(m["allOf"], depth)
	if ref, ok := m["$ref"].(string); ok {
		s.Ref = ref
	}
	s.Defs = reduceMap(m["$defs"], depth)
	s.Definitions = reduceMap(m["definitions"], depth)

	if s.Type == nil {
		_, hasRequired := m["required"]
		_, hasAdditional := m["additionalProperties"]
		switch {
		case s.Properties != nil || hasRequired || hasAdditional:
			s.Type = "object"
		case s.Items != nil:
			s.Type = "array"
		case s.Enum != nil:
			s.Type = "string"
		case s.AnyOf == nil && s.OneOf == nil && s.AllOf == nil && s.Ref == "":
			return &modelSchema{Defs: s.Defs, Definitions: s.Definitions}
		}
	}
	if hasTypeName(s.Type, "object") && s.Properties == nil {
		s.Properties = &map[string]*modelSchema{}
	}
	if hasTypeName(s.Type, "array") && s.Items == nil {
		s.Items = &modelSchema{Type: "string"}
	}
	return s
}

// reduceList reduces a list of sub-schemas (anyOf, oneOf, allOf).
func reduceList(v any, depth int) []*modelSchema {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]*modelSchema, 0, len(list))
	for _, sub := range list {
		out = append(out, reduceSubSchema(sub, depth+1))
	}
	return out
}

// reduceMap reduces sub-schemas held by name ($defs, definitions).
func reduceMap(v any, depth int) map[string]*modelSchema {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil
	}
	out := make(map[string]*modelSchema, len(m))
	for name, sub := range m {
		out[name] = reduceSubSchema(sub, depth+1)
	}
	return out
}

// hasTypeName reports whether a schema type (a name or a list of names) is,
// or includes, name.
func hasTypeName(t any, name string) bool {
	switch v := t.(type) {
	case string:
		return v == name
	case []any:
		for _, item := range v {
			if item == name {
				return true
			}
		}
	}
	return false
}
