package refschema

import (
	"fmt"
	"slices"
	"strings"
)

// Def is one schema node of the reference: a named definition, or a node
// inside one (a property's schema, an array's items, a union's variant).
// References ($ref) in it resolve within the file it came from.
type Def struct {
	doc  *document
	node any
	name string // the definition's name when node is a named definition
}

// Shape describes a definition after following $ref, a single-member
// allOf, and a union with null (which makes it nullable).
type Shape struct {
	// Name is the definition's name, or its title when it is an inline
	// schema with one, or "".
	Name string
	// Types are the JSON types the schema names ("object", "string",
	// "integer", ...), without "null".
	Types []string
	// Nullable reports whether null is accepted.
	Nullable bool
	// Properties are the names of the object's properties, sorted. For a
	// union these are only the properties declared beside the union; each
	// variant lists its own.
	Properties []string
	// Required are the names of the required properties, sorted.
	Required []string
	// AdditionalProperties reports whether an object may have properties
	// not in Properties: the schema allows them, or it lists no
	// properties at all. It is false for a union; see its variants.
	AdditionalProperties bool
	// Enum are the string values of an enumeration, including those of
	// the variants of a union that are string enumerations.
	Enum []string
	// Variants describe the members of a oneOf or anyOf union, without
	// the null member of a nullable one.
	Variants []Shape
	// Tag is the property that tells the variants of a union of objects
	// apart ("type" for ThreadItem), when there is one.
	Tag string
	// TagValues are the values of Tag, one for each variant.
	TagValues []string
}

// maxResolve bounds the chains of $ref and wrappers followed at one node.
const maxResolve = 64

// resolved is a node with $ref, single-member allOf and null unions
// followed.
type resolved struct {
	doc      *document
	node     map[string]any // nil for a boolean schema
	boolean  bool           // the value of a boolean schema
	name     string
	nullable bool
}

// resolve follows $ref, single-member allOf and two-member unions with
// null from node.
func resolve(doc *document, node any, name string) (resolved, error) {
	r := resolved{doc: doc, name: name}
	for range maxResolve {
		switch n := node.(type) {
		case bool:
			r.boolean = n
			return r, nil
		case map[string]any:
			if ref, ok := n["$ref"].(string); ok {
				target, refName, err := doc.lookup(ref)
				if err != nil {
					return r, err
				}
				node, r.name = target, refName
				continue
			}
			if all, ok := n["allOf"].([]any); ok && len(all) == 1 && n["properties"] == nil && n["type"] == nil {
				node = all[0]
				continue
			}
			if other, ok := nullUnion(n); ok {
				r.nullable = true
				node = other
				continue
			}
			if slices.Contains(typeList(n["type"]), "null") {
				r.nullable = true
			}
			if r.name == "" {
				r.name, _ = n["title"].(string)
			}
			r.node = n
			return r, nil
		default:
			return r, fmt.Errorf("refschema: %s: schema node is a %T", doc.path, node)
		}
	}
	return r, fmt.Errorf("refschema: %s: $ref chain longer than %d", doc.path, maxResolve)
}

// nullUnion reports whether n is a oneOf or anyOf of two members, one of
// them {"type": "null"}, and returns the other.
func nullUnion(n map[string]any) (any, bool) {
	if n["properties"] != nil || n["type"] != nil {
		return nil, false
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		list, ok := n[key].([]any)
		if !ok || len(list) != 2 {
			continue
		}
		for i, m := range list {
			if isNullSchema(m) {
				return list[1-i], true
			}
		}
	}
	return nil, false
}

func isNullSchema(node any) bool {
	m, ok := node.(map[string]any)
	if !ok {
		return false
	}
	t := typeList(m["type"])
	return len(t) == 1 && t[0] == "null" && m["properties"] == nil
}

// lookup resolves a local reference ("#/definitions/Name") in the
// document and returns the node and the reference's last segment.
func (d *document) lookup(ref string) (any, string, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, "", fmt.Errorf("refschema: %s: unsupported $ref %q", d.path, ref)
	}
	node := d.root
	var last string
	for _, seg := range strings.Split(rest, "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		m, ok := node.(map[string]any)
		if !ok {
			return nil, "", fmt.Errorf("refschema: %s: $ref %q does not resolve", d.path, ref)
		}
		if node, ok = m[seg]; !ok {
			return nil, "", fmt.Errorf("refschema: %s: $ref %q does not resolve", d.path, ref)
		}
		last = seg
	}
	return node, last, nil
}

func typeList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		return stringList(t)
	}
	return nil
}

// union returns the members of n's oneOf and anyOf, without null members.
func union(n map[string]any) []any {
	var out []any
	for _, key := range []string{"oneOf", "anyOf"} {
		list, _ := n[key].([]any)
		for _, m := range list {
			if !isNullSchema(m) {
				out = append(out, m)
			}
		}
	}
	return out
}

// unionHasNull reports whether n's oneOf or anyOf has a null member.
func unionHasNull(n map[string]any) bool {
	for _, key := range []string{"oneOf", "anyOf"} {
		list, _ := n[key].([]any)
		if slices.ContainsFunc(list, isNullSchema) {
			return true
		}
	}
	return false
}

// taggedUnion reports whether the members form a union of objects told
// apart by one property whose schema admits a single string, different in
// every member. It returns the property and each member's value.
func taggedUnion(doc *document, members []any) (string, []string, bool) {
	if len(members) < 2 {
		return "", nil, false
	}
	var candidates []string
	var props []map[string]any
	for i, m := range members {
		r, err := resolve(doc, m, "")
		if err != nil || r.node == nil {
			return "", nil, false
		}
		p, _ := r.node["properties"].(map[string]any)
		props = append(props, p)
		var names []string
		for _, k := range sortedKeys(p) {
			if singleString(p[k]) != "" {
				names = append(names, k)
			}
		}
		if i == 0 {
			candidates = names
		} else {
			candidates = slices.DeleteFunc(candidates, func(c string) bool { return !slices.Contains(names, c) })
		}
	}
	// Prefer "type", the tag serde writes by default.
	if i := slices.Index(candidates, "type"); i > 0 {
		candidates[0], candidates[i] = candidates[i], candidates[0]
	}
	for _, tag := range candidates {
		values := make([]string, len(props))
		for i, p := range props {
			values[i] = singleString(p[tag])
		}
		sorted := slices.Clone(values)
		slices.Sort(sorted)
		if len(slices.Compact(sorted)) == len(values) {
			return tag, values, true
		}
	}
	return "", nil, false
}

// Name returns the name of the definition reached from d by following
// $ref and wrappers, its title when it is an inline schema, or "".
func (d *Def) Name() string {
	r, err := resolve(d.doc, d.node, d.name)
	if err != nil {
		return ""
	}
	return r.name
}

// Shape describes d. A definition that cannot be resolved gives an empty
// Shape.
func (d *Def) Shape() Shape {
	r, err := resolve(d.doc, d.node, d.name)
	if err != nil {
		return Shape{}
	}
	return shapeOf(r)
}

func shapeOf(r resolved) Shape {
	s := Shape{Name: r.name, Nullable: r.nullable}
	n := r.node
	if n == nil {
		s.AdditionalProperties = r.boolean
		return s
	}
	for _, t := range typeList(n["type"]) {
		if t != "null" {
			s.Types = append(s.Types, t)
		}
	}
	props, hasProps := n["properties"].(map[string]any)
	s.Properties = sortedKeys(props)
	s.Required = slices.Sorted(slices.Values(stringList(n["required"])))
	s.Enum = stringList(n["enum"])
	members := union(n)
	if unionHasNull(n) {
		s.Nullable = true
	}
	isObject := hasProps || slices.Contains(s.Types, "object")
	if isObject && len(members) == 0 {
		switch ap := n["additionalProperties"].(type) {
		case bool:
			s.AdditionalProperties = ap
		case map[string]any:
			s.AdditionalProperties = true
		default:
			s.AdditionalProperties = !hasProps
		}
	}
	for _, m := range members {
		mr, err := resolve(r.doc, m, "")
		if err != nil {
			continue
		}
		v := shapeOf(mr)
		if len(v.Properties) == 0 && len(v.Variants) == 0 && len(v.Enum) > 0 {
			s.Enum = append(s.Enum, v.Enum...)
		}
		s.Variants = append(s.Variants, v)
	}
	if tag, values, ok := taggedUnion(r.doc, members); ok {
		s.Tag, s.TagValues = tag, values
	}
	return s
}

// Property returns the schema of the named property of d, an object
// definition; for a union, only properties declared beside it are found.
func (d *Def) Property(name string) (*Def, bool) {
	r, err := resolve(d.doc, d.node, d.name)
	if err != nil || r.node == nil {
		return nil, false
	}
	props, _ := r.node["properties"].(map[string]any)
	p, ok := props[name]
	if !ok {
		return nil, false
	}
	return &Def{doc: r.doc, node: p}, true
}

// Items returns the schema of the elements of d, an array definition.
func (d *Def) Items() (*Def, bool) {
	r, err := resolve(d.doc, d.node, d.name)
	if err != nil || r.node == nil {
		return nil, false
	}
	items, ok := r.node["items"]
	if !ok {
		return nil, false
	}
	return &Def{doc: r.doc, node: items}, true
}

// Variant returns the member of d, a tagged union (see Shape.Tag), whose
// tag has the given value.
func (d *Def) Variant(tagValue string) (*Def, bool) {
	r, err := resolve(d.doc, d.node, d.name)
	if err != nil || r.node == nil {
		return nil, false
	}
	members := union(r.node)
	_, values, ok := taggedUnion(r.doc, members)
	if !ok {
		return nil, false
	}
	i := slices.Index(values, tagValue)
	if i < 0 {
		return nil, false
	}
	return &Def{doc: r.doc, node: members[i]}, true
}
