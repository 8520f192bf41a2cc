package schemagen

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/codex-go/codex/internal/schemagen/schemafiles"
	"github.com/codex-go/codex/protocol"
)

// defsPrefix starts every reference to a definition of the same document.
const defsPrefix = "#/$defs/"

// eventMsgDescription describes the union of event messages.
const eventMsgDescription = `One event of a conversation; "type" names the event.`

// object is a decoded JSON object.
type object = map[string]any

// eventMsgType is the interface of event messages; its name is the name of
// the definition of their union.
func eventMsgType() reflect.Type { return reflect.TypeFor[protocol.EventMsg]() }

// Generate reflects every row of Table into schema documents, plus
// index.json. root is the module root: the doc comments of the Go packages
// under it become the documents' descriptions. The values of string
// enumerations come from their value lists (protocol.Enum).
func Generate(root string) (schemafiles.Files, error) {
	return generate(root, Table())
}

// generate reflects rows into schema documents.
func generate(root string, rows []Row) (schemafiles.Files, error) {
	if err := checkRows(rows); err != nil {
		return nil, err
	}
	var roots []reflect.Type
	for _, r := range rows {
		for _, t := range []reflect.Type{r.Params, r.Result} {
			if t != nil {
				roots = append(roots, t)
			}
		}
	}
	roots = append(roots, supportTypes()...)

	manual := handWritten()
	types, err := namedTypes(roots, manual)
	if err != nil {
		return nil, err
	}
	src, err := loadSource(root, types)
	if err != nil {
		return nil, err
	}
	defs, err := reflectDefinitions(roots, types, src, manual)
	if err != nil {
		return nil, err
	}
	makePointersNullable(defs, types, manual)
	if err := addExtraProperties(defs, src); err != nil {
		return nil, err
	}
	for name, def := range defs {
		if _, ok := def["description"]; !ok {
			if t, ok := types[name]; ok && src.comments[qualified(t)] != "" {
				def["description"] = src.comments[qualified(t)]
			}
		}
	}
	addEventUnion(defs, rows)
	if err := checkReferences(defs); err != nil {
		return nil, err
	}

	files := schemafiles.Files{}
	for _, r := range rows {
		for _, doc := range []struct {
			file   string
			t      reflect.Type
			result bool
		}{{r.ParamsFile(), r.Params, false}, {r.ResultFile(), r.Result, true}} {
			if doc.t == nil {
				continue
			}
			body, err := schemafiles.Encode(document(defs, doc.file, r.title(doc.result), doc.t.Name()))
			if err != nil {
				return nil, fmt.Errorf("encode %s: %w", doc.file, err)
			}
			files[doc.file] = body
		}
	}
	index, err := schemafiles.Encode(buildIndex(rows))
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", schemafiles.IndexFile, err)
	}
	files[schemafiles.IndexFile] = index
	return files, nil
}

// checkRows rejects rows that lack a type their kind needs and rows whose
// documents would collide.
func checkRows(rows []Row) error {
	seen := map[string]bool{}
	for _, r := range rows {
		needsResult := r.Kind == KindClientRequest || r.Kind == KindServerRequest
		switch {
		case r.Name == "":
			return fmt.Errorf("table row of kind %s has no name", r.Kind)
		case needsResult && r.Result == nil:
			return fmt.Errorf("request %s has no response type", r.Name)
		case !needsResult && r.Result != nil:
			return fmt.Errorf("%s %s cannot have a response type", r.Kind, r.Name)
		case !needsResult && r.Params == nil:
			return fmt.Errorf("%s %s has no type", r.Kind, r.Name)
		}
		for _, t := range []reflect.Type{r.Params, r.Result} {
			if t != nil && (t.Kind() == reflect.Pointer || t.Name() == "") {
				return fmt.Errorf("%s %s: type %s must be a named non-pointer type", r.Kind, r.Name, t)
			}
		}
		for _, f := range []string{r.ParamsFile(), r.ResultFile()} {
			if f == "" {
				continue
			}
			if seen[f] {
				return fmt.Errorf("two table rows write %s", f)
			}
			seen[f] = true
		}
	}
	return nil
}

// namedTypes maps the name of every named type reachable from roots
// (through struct fields, pointers, slices and maps) to the type. The fields
// of types with a hand-written schema are not followed.
func namedTypes(roots []reflect.Type, manual map[reflect.Type]string) (map[string]reflect.Type, error) {
	out := map[string]reflect.Type{}
	var visit func(t reflect.Type) error
	visit = func(t reflect.Type) error {
		for {
			// A type with a hand-written schema is named whatever its kind.
			if _, hand := manual[t]; hand {
				break
			}
			if k := t.Kind(); k != reflect.Pointer && k != reflect.Slice && k != reflect.Map && k != reflect.Array {
				break
			}
			if t == reflect.TypeFor[json.RawMessage]() {
				return nil
			}
			t = t.Elem()
		}
		if t.Name() == "" || t.PkgPath() == "" {
			return nil
		}
		if prev, ok := out[t.Name()]; ok {
			if prev != t {
				return fmt.Errorf("two types are named %s: %s and %s", t.Name(), qualified(prev), qualified(t))
			}
			return nil
		}
		out[t.Name()] = t
		if _, ok := manual[t]; ok || t.Kind() != reflect.Struct {
			return nil
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if f.IsExported() && f.Tag.Get("json") != "-" {
				if err := visit(f.Type); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, t := range roots {
		if err := visit(t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// qualified is the package path and name of t, as the comment map keys it.
func qualified(t reflect.Type) string { return t.PkgPath() + "." + t.Name() }

// reflectDefinitions reflects every root and returns the union of their
// definitions, decoded, plus the definitions of the hand-written types and
// string enums among types.
func reflectDefinitions(roots []reflect.Type, types map[string]reflect.Type, src source, manual map[reflect.Type]string) (map[string]object, error) {
	isEnum := func(t reflect.Type) bool { return enumValues(t) != nil }
	r := &jsonschema.Reflector{
		Anonymous:  true,
		CommentMap: src.comments,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			switch _, hand := manual[t]; {
			case t == eventMsgType() || t == reflect.TypeFor[protocol.MarshalEventMsg]():
				return &jsonschema.Schema{Ref: defsPrefix + eventMsgType().Name()}
			case hand || isEnum(t):
				return &jsonschema.Schema{Ref: defsPrefix + t.Name()}
			}
			return nil
		},
	}
	defs := map[string]object{}
	encoded := map[string]string{}
	for _, t := range roots {
		s := r.ReflectFromType(t)
		for name, def := range s.Definitions {
			raw, err := json.Marshal(def)
			if err != nil {
				return nil, fmt.Errorf("encode schema of %s: %w", name, err)
			}
			if prev, ok := encoded[name]; ok {
				if prev != string(raw) {
					return nil, fmt.Errorf("definition %s differs between reflections", name)
				}
				continue
			}
			encoded[name] = string(raw)
			var obj object
			if err := schemafiles.Decode(raw, &obj); err != nil {
				return nil, fmt.Errorf("decode schema of %s: %w", name, err)
			}
			defs[name] = obj
		}
	}
	for name, t := range types {
		if literal, ok := manual[t]; ok {
			def, err := mustObject(literal)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			defs[name] = def
		} else if values := enumValues(t); values != nil {
			enum := make([]any, len(values))
			for i, v := range values {
				enum[i] = v
			}
			defs[name] = object{"type": "string", "enum": enum}
		}
	}
	return defs, nil
}

// enumValues is the value list of t when t is a string enumeration (a
// string type implementing protocol.Enum), else nil.
func enumValues(t reflect.Type) []string {
	if t.Kind() != reflect.String || !t.Implements(reflect.TypeFor[protocol.Enum]()) {
		return nil
	}
	return reflect.Zero(t).Interface().(protocol.Enum).EnumValues()
}

// makePointersNullable lets every pointer field of a reflected struct be
// null, as encoding/json writes a nil pointer without omitempty and accepts
// null for any pointer.
func makePointersNullable(defs map[string]object, types map[string]reflect.Type, manual map[reflect.Type]string) {
	for name, t := range types {
		def, ok := defs[name]
		if _, hand := manual[t]; !ok || hand || t.Kind() != reflect.Struct {
			continue
		}
		props, _ := def["properties"].(object)
		for _, f := range reflect.VisibleFields(t) {
			if f.Type.Kind() != reflect.Pointer || !f.IsExported() || f.Anonymous {
				continue
			}
			key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if key == "" {
				key = f.Name
			}
			if prop, ok := props[key].(object); ok {
				props[key] = nullable(prop)
			}
		}
	}
}

// nullable returns a schema that also accepts null, keeping the description
// on the outside.
func nullable(s object) object {
	if t, ok := s["type"].(string); ok {
		s["type"] = []any{t, "null"}
		return s
	}
	out := object{}
	if d, ok := s["description"]; ok {
		out["description"] = d
		delete(s, "description")
	}
	out["anyOf"] = []any{s, object{"type": "null"}}
	return out
}

// addExtraProperties adds the properties that custom MarshalJSON methods
// write to the definitions of their types.
func addExtraProperties(defs map[string]object, src source) error {
	for _, p := range extraProperties() {
		def, ok := defs[p.Type.Name()]
		if !ok {
			continue
		}
		prop, err := mustObject(p.Schema)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", p.Type.Name(), p.Field, err)
		}
		if d := src.comments[qualified(p.Type)+"."+p.Field]; d != "" {
			prop["description"] = d
		}
		props, _ := def["properties"].(object)
		if props == nil {
			props = object{}
			def["properties"] = props
		}
		props[p.Name] = prop
		if p.Required {
			required, _ := def["required"].([]any)
			def["required"] = append(required, p.Name)
		}
	}
	return nil
}

// addEventUnion tags every event definition with its "type" and defines
// EventMsg as the union of all of them.
func addEventUnion(defs map[string]object, rows []Row) {
	var members []any
	for _, r := range rows {
		if r.Kind != KindEvent {
			continue
		}
		def := defs[r.Params.Name()]
		props, _ := def["properties"].(object)
		if props == nil {
			props = object{}
			def["properties"] = props
		}
		props["type"] = object{"const": r.Name, "description": "The event type."}
		required := []any{"type"}
		if old, ok := def["required"].([]any); ok {
			required = append(required, old...)
		}
		def["required"] = required
		members = append(members, object{"$ref": defsPrefix + r.Params.Name()})
	}
	defs[eventMsgType().Name()] = object{"description": eventMsgDescription, "oneOf": members}
}

// checkReferences fails when a definition refers to one that does not exist.
func checkReferences(defs map[string]object) error {
	names := make([]string, 0, len(defs))
	for name := range defs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, ref := range references(defs[name]) {
			if _, ok := defs[ref]; !ok {
				return fmt.Errorf("definition %s refers to %s, which no table type reaches; add its Go type to supportTypes", name, ref)
			}
		}
	}
	return nil
}

// references lists the definitions v refers to, sorted and without repeats.
func references(v any) []string {
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case object:
			if ref, ok := v["$ref"].(string); ok && strings.HasPrefix(ref, defsPrefix) {
				seen[strings.TrimPrefix(ref, defsPrefix)] = true
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// document is the schema document at file describing definition root: a
// reference to the root and every definition it needs.
func document(defs map[string]object, file, title, root string) object {
	needed := object{}
	queue := []string{root}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if _, ok := needed[name]; ok {
			continue
		}
		needed[name] = defs[name]
		queue = append(queue, references(defs[name])...)
	}
	return object{
		"$schema": schemafiles.Draft,
		"$id":     schemafiles.BaseID + file,
		"title":   title,
		"$ref":    defsPrefix + root,
		"$defs":   needed,
	}
}
