// Package jsontotoml converts values decoded from JSON into values that the
// TOML encoder and the config loader accept: tables become map[string]any,
// arrays []any, integral numbers int64 and other numbers float64.
package jsontotoml

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrNull is reported (wrapped) when a JSON null is found: TOML has no null.
var ErrNull = errors.New("null is not representable in TOML")

// Convert turns a JSON value, as produced by encoding/json when decoding into
// an any (map[string]any, []any, float64 or json.Number, string, bool, nil),
// into a TOML-compatible value. A null anywhere is an error naming the key
// path where it was found.
func Convert(v any) (any, error) {
	return convert(v, "")
}

func convert(v any, path string) (any, error) {
	switch x := v.(type) {
	case nil:
		if path == "" {
			return nil, ErrNull
		}
		return nil, fmt.Errorf("key %q: %w", path, ErrNull)
	case string, bool, int64:
		return x, nil
	case int:
		return int64(x), nil
	case float64:
		return convertFloat(x), nil
	case json.Number:
		return convertNumber(x, path)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := convert(e, joinKey(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := convert(e, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	default:
		if path == "" {
			return nil, fmt.Errorf("unsupported JSON value of type %T", v)
		}
		return nil, fmt.Errorf("key %q: unsupported JSON value of type %T", path, v)
	}
}

// convertFloat returns an int64 for integral values that fit, else the float.
func convertFloat(f float64) any {
	if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
		return int64(f)
	}
	return f
}

func convertNumber(n json.Number, path string) (any, error) {
	if i, err := n.Int64(); err == nil {
		return i, nil
	}
	f, err := n.Float64()
	if err != nil {
		if path == "" {
			return nil, fmt.Errorf("invalid number %q: %w", n.String(), err)
		}
		return nil, fmt.Errorf("key %q: invalid number %q: %w", path, n.String(), err)
	}
	return convertFloat(f), nil
}

// joinKey appends a table key to a dotted path, quoting keys that contain
// characters a bare TOML key may not.
func joinKey(path, key string) string {
	if !isBare(key) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func isBare(key string) bool {
	if key == "" {
		return false
	}
	return strings.IndexFunc(key, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) < 0
}
