package refschema

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Problem is one way in which a message does not match a definition.
type Problem struct {
	// Path locates the offending value: "$" for the message itself,
	// "$.thread.turns[0].status" inside it.
	Path string
	// Message says what is wrong.
	Message string
}

// String formats the problem as "path: message".
func (p Problem) String() string { return p.Path + ": " + p.Message }

// ValidationError lists the problems Validate found.
type ValidationError struct {
	// Definition is the name of the definition checked against.
	Definition string
	// Problems are the problems found, in the order they were found: an
	// object's properties are visited in name order.
	Problems []Problem
}

// Error lists the problems, one a line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "refschema: does not match %s:", e.Definition)
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

// Option adjusts Validate.
type Option func(*checker)

// AllowUnknownProperties makes Validate accept properties that a
// definition does not declare, unless it sets additionalProperties to
// false. The reference itself sends properties that only its experimental
// schema declares (thread.environments in the thread/start result, for
// one), so a check of its messages against the stable schema needs this.
func AllowUnknownProperties() Option {
	return func(c *checker) { c.allowUnknown = true }
}

// Validate checks a JSON value (a message's params or result) against d.
// It returns a *ValidationError listing the problems found, or nil.
//
// It checks, recursively through objects, arrays and unions: JSON types;
// required properties; properties the definition does not declare (an
// error unless additionalProperties allows them, the definition lists no
// properties at all, or AllowUnknownProperties is given); enum and const
// values; minimum, minLength and the ranges of integer formats (uint8,
// int32, ...). A union whose members are objects told apart by a tag
// property ("type") is checked against the member the tag selects; any
// other oneOf or anyOf passes when one member matches. Other keywords are
// ignored.
func (d *Def) Validate(data []byte, opts ...Option) error {
	v, err := decodeJSON(data)
	if err != nil {
		return fmt.Errorf("refschema: decoding the value: %w", err)
	}
	name := d.Name()
	if name == "" {
		name = "the definition"
	}
	var c checker
	for _, o := range opts {
		o(&c)
	}
	c.check(d.doc, d.node, v, "$", nil)
	if len(c.problems) > 0 {
		return &ValidationError{Definition: name, Problems: c.problems}
	}
	return nil
}

// checker collects the problems of one validation.
type checker struct {
	allowUnknown bool
	problems     []Problem
}

func (c *checker) add(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// check validates v against node. siblings are property names declared
// beside a union that node is a member of: they belong to the enclosing
// object, so node does not count them as unknown.
func (c *checker) check(doc *document, node any, v any, path string, siblings []string) {
	r, err := resolve(doc, node, "")
	if err != nil {
		c.add(path, "%v", err)
		return
	}
	if r.node == nil {
		if !r.boolean {
			c.add(path, "no value is allowed here")
		}
		return
	}
	if v == nil && r.nullable {
		return
	}
	doc, n := r.doc, r.node

	if all, ok := n["allOf"].([]any); ok {
		for _, m := range all {
			c.check(doc, m, v, path, siblings)
		}
	}

	if types := typeList(n["type"]); len(types) > 0 && !slices.ContainsFunc(types, func(t string) bool { return hasType(v, t) }) {
		c.add(path, "got %s, want %s", describe(v), strings.Join(types, " or "))
		return
	}
	if enum, ok := n["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return jsonEqual(e, v) }) {
		c.add(path, "%s is not one of %s", describe(v), listValues(enum))
	}
	if cv, ok := n["const"]; ok && !jsonEqual(cv, v) {
		c.add(path, "%s is not %s", describe(v), describe(cv))
	}

	switch val := v.(type) {
	case string:
		if min, ok := n["minLength"].(json.Number); ok {
			if m, err := min.Int64(); err == nil && int64(utf8.RuneCountInString(val)) < m {
				c.add(path, "string shorter than %d characters", m)
			}
		}
	case json.Number:
		c.checkNumber(n, val, path)
	case map[string]any:
		c.checkObject(doc, n, val, path, siblings)
	case []any:
		if items, ok := n["items"]; ok {
			for i, e := range val {
				c.check(doc, items, e, path+"["+strconv.Itoa(i)+"]", nil)
			}
		}
	}

	if members := union(n); len(members) > 0 {
		c.checkUnion(doc, n, members, v, path, siblings)
	}
}

func (c *checker) checkNumber(n map[string]any, val json.Number, path string) {
	x, ok := new(big.Rat).SetString(val.String())
	if !ok {
		c.add(path, "bad number %s", val)
		return
	}
	if min, ok := n["minimum"].(json.Number); ok {
		if m, ok := new(big.Rat).SetString(min.String()); ok && x.Cmp(m) < 0 {
			c.add(path, "%s is less than the minimum %s", val, min)
		}
	}
	if format, ok := n["format"].(string); ok {
		if lo, hi, ok := formatRange(format); ok {
			if !x.IsInt() || x.Num().Cmp(lo) < 0 || x.Num().Cmp(hi) > 0 {
				c.add(path, "%s does not fit format %s", val, format)
			}
		}
	}
}

// formatRange returns the bounds of an integer format.
func formatRange(format string) (lo, hi *big.Int, ok bool) {
	bits := map[string]int{"int8": 8, "int16": 16, "int32": 32, "int64": 64, "uint8": 8, "uint16": 16, "uint32": 32, "uint64": 64, "uint": 64}
	b, ok := bits[format]
	if !ok {
		return nil, nil, false
	}
	one := big.NewInt(1)
	if strings.HasPrefix(format, "u") {
		hi = new(big.Int).Sub(new(big.Int).Lsh(one, uint(b)), one)
		return big.NewInt(0), hi, true
	}
	hi = new(big.Int).Sub(new(big.Int).Lsh(one, uint(b-1)), one)
	lo = new(big.Int).Neg(new(big.Int).Lsh(one, uint(b-1)))
	return lo, hi, true
}

func (c *checker) checkObject(doc *document, n map[string]any, val map[string]any, path string, siblings []string) {
	for _, name := range stringList(n["required"]) {
		if _, ok := val[name]; !ok {
			c.add(path, "missing required property %q", name)
		}
	}
	props, hasProps := n["properties"].(map[string]any)
	// The members of a union beside the properties check the properties
	// they declare, and count these as known.
	hasUnion := len(union(n)) > 0
	ap, hasAP := n["additionalProperties"]
	for _, name := range sortedKeys(val) {
		sub := joinPath(path, name)
		if p, ok := props[name]; ok {
			c.check(doc, p, val[name], sub, nil)
			continue
		}
		if hasUnion || slices.Contains(siblings, name) {
			continue
		}
		switch {
		case hasAP:
			if b, ok := ap.(bool); ok {
				if !b {
					c.add(sub, "unknown property %q", name)
				}
			} else {
				c.check(doc, ap, val[name], sub, nil)
			}
		case hasProps && !c.allowUnknown:
			c.add(sub, "unknown property %q", name)
		}
	}
}

func (c *checker) checkUnion(doc *document, n map[string]any, members []any, v any, path string, siblings []string) {
	if v == nil && unionHasNull(n) {
		return
	}
	props, _ := n["properties"].(map[string]any)
	inner := append(slices.Clone(siblings), sortedKeys(props)...)

	if obj, ok := v.(map[string]any); ok {
		if tag, values, ok := taggedUnion(doc, members); ok {
			raw, present := obj[tag]
			s, isString := raw.(string)
			i := slices.Index(values, s)
			switch {
			case !present:
				c.add(path, "missing tag property %q (one of %s)", tag, strings.Join(values, ", "))
			case !isString || i < 0:
				c.add(joinPath(path, tag), "%s is not one of %s", describe(raw), strings.Join(values, ", "))
			default:
				c.check(doc, members[i], v, path, inner)
			}
			return
		}
	}

	// Try every member; report the closest miss when none matches. A
	// member whose type does not fit the value is the farthest miss.
	var best []Problem
	bestFits := false
	for _, m := range members {
		sub := checker{allowUnknown: c.allowUnknown}
		sub.check(doc, m, v, path, inner)
		if len(sub.problems) == 0 {
			return
		}
		fits := !(len(sub.problems) == 1 && sub.problems[0].Path == path && strings.HasPrefix(sub.problems[0].Message, "got "))
		if best == nil || (fits && !bestFits) || (fits == bestFits && len(sub.problems) < len(best)) {
			best, bestFits = sub.problems, fits
		}
	}
	c.add(path, "matches none of the %d alternatives; the closest fails with:", len(members))
	c.problems = append(c.problems, best...)
}

func joinPath(path, name string) string { return path + "." + name }

func hasType(v any, t string) bool {
	switch t {
	case "null":
		return v == nil
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		x, ok := new(big.Rat).SetString(n.String())
		return ok && x.IsInt()
	}
	return false
}

// describe names a value for a message: strings and numbers as JSON, other
// values by their type.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case string:
		return strconv.Quote(x)
	case json.Number:
		return x.String()
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

func listValues(list []any) string {
	parts := make([]string, len(list))
	for i, v := range list {
		parts[i] = describe(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// jsonEqual compares two decoded JSON values; numbers compare by value.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		rx, ok1 := new(big.Rat).SetString(x.String())
		ry, ok2 := new(big.Rat).SetString(y.String())
		return ok1 && ok2 && rx.Cmp(ry) == 0
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !jsonEqual(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}
