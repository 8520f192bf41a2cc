package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/codex-go/codex/jsontotoml"
)

// Override is one dotted-path override, from `-c key=value` or from a JSON
// `config` map. Value is a TOML value (string, bool, int64, float64,
// []any, map[string]any, ...).
type Override struct {
	// Path is the dotted key, e.g. "model_providers.local.base_url". Segments
	// may be quoted TOML-style: `model_providers."my.host".name`.
	Path string
	// Value is set at Path, replacing whatever was there.
	Value any
}

// ParseOverride parses "a.b.c=VALUE". VALUE is read as a TOML value (`1`,
// `true`, `"s"`, `[1,2]`, `{a=1}`), else as JSON, else taken as the literal
// string. It is an error when there is no '=' or the key is empty.
func ParseOverride(s string) (Override, error) {
	key, raw, ok := strings.Cut(s, "=")
	if !ok {
		return Override{}, fmt.Errorf("invalid override %q: expected key=value", s)
	}
	key = strings.TrimSpace(key)
	if key == "" {
		return Override{}, fmt.Errorf("invalid override %q: empty key", s)
	}
	if _, err := splitKeyPath(key); err != nil {
		return Override{}, fmt.Errorf("invalid override %q: %w", s, err)
	}
	return Override{Path: key, Value: parseOverrideValue(strings.TrimSpace(raw))}, nil
}

// parseOverrideValue reads raw as TOML, then JSON, then as a plain string.
func parseOverrideValue(raw string) any {
	var doc map[string]any
	if _, err := toml.Decode("_ = "+raw, &doc); err == nil && len(doc) == 1 {
		if v, ok := doc["_"]; ok {
			return v
		}
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.UseNumber()
	var j any
	if err := dec.Decode(&j); err == nil && !dec.More() {
		if v, err := jsontotoml.Convert(j); err == nil {
			return v
		}
	}
	return raw
}

// OverridesFromJSON turns a JSON object, as decoded by encoding/json, into
// Overrides, one per top-level key (keys may be dotted paths), in key order.
func OverridesFromJSON(m map[string]any) ([]Override, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Override, 0, len(keys))
	for _, k := range keys {
		if _, err := splitKeyPath(k); err != nil {
			return nil, fmt.Errorf("config key %q: %w", k, err)
		}
		v, err := jsontotoml.Convert(m[k])
		if err != nil {
			return nil, fmt.Errorf("config key %q: %w", k, err)
		}
		out = append(out, Override{Path: k, Value: v})
	}
	return out, nil
}

// splitKeyPath splits a dotted key into its segments. Bare segments are
// trimmed; "double" and 'single' quoted segments may contain dots.
func splitKeyPath(path string) ([]string, error) {
	var segs []string
	rest := path
	for {
		rest = strings.TrimLeft(rest, " \t")
		var seg string
		switch {
		case strings.HasPrefix(rest, `"`):
			end := closingQuote(rest)
			if end < 0 {
				return nil, fmt.Errorf("unterminated quoted key in %q", path)
			}
			s, err := strconv.Unquote(rest[:end+1])
			if err != nil {
				return nil, fmt.Errorf("invalid quoted key in %q: %w", path, err)
			}
			seg, rest = s, rest[end+1:]
		case strings.HasPrefix(rest, "'"):
			end := strings.IndexByte(rest[1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated quoted key in %q", path)
			}
			seg, rest = rest[1:end+1], rest[end+2:]
		default:
			i := strings.IndexByte(rest, '.')
			if i < 0 {
				i = len(rest)
			}
			seg, rest = strings.TrimSpace(rest[:i]), rest[i:]
			if seg == "" {
				return nil, fmt.Errorf("empty key segment in %q", path)
			}
		}
		segs = append(segs, seg)
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			return segs, nil
		}
		if rest[0] != '.' {
			return nil, fmt.Errorf("unexpected %q after key segment in %q", rest, path)
		}
		rest = rest[1:]
	}
}

// closingQuote returns the index of the quote ending the double-quoted string
// at the start of s, or -1.
func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// resolvedOverride is an Override with its path split.
type resolvedOverride struct {
	Override
	segs []string
}

func resolveOverrides(ovs []Override) ([]resolvedOverride, error) {
	out := make([]resolvedOverride, 0, len(ovs))
	for _, ov := range ovs {
		segs, err := splitKeyPath(ov.Path)
		if err != nil {
			return nil, fmt.Errorf("config override %q: %w", ov.Path, err)
		}
		out = append(out, resolvedOverride{Override: ov, segs: segs})
	}
	return out, nil
}

// applyOverrides sets every override in tree, in order. Intermediate values
// that are not tables are replaced by tables. Values are copied.
func applyOverrides(tree map[string]any, ovs []resolvedOverride) {
	for _, ov := range ovs {
		m := tree
		for _, s := range ov.segs[:len(ov.segs)-1] {
			next, ok := m[s].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[s] = next
			}
			m = next
		}
		m[ov.segs[len(ov.segs)-1]] = cloneValue(ov.Value)
	}
}

// cloneValue deep-copies tables and arrays of a TOML value.
func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	case []map[string]any:
		out := make([]map[string]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e).(map[string]any)
		}
		return out
	}
	return v
}

// pathsOverlap reports whether one path is a prefix of the other.
func pathsOverlap(a, b []string) bool {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
