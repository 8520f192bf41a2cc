package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Enum is implemented by the string enumerations of this package. Each of
// them has a single list of its values (such as AskForApprovalValues) from
// which validation, JSON and text decoding and the JSON Schema are derived;
// EnumValues makes that list available to code that only holds a value or a
// reflect.Type of the enumeration.
type Enum interface {
	// EnumValues lists the accepted values in their declared order.
	EnumValues() []string
}

// UnknownVariantError reports a value outside the values of an enumeration.
// Its message is worded like the reference implementation's decoding errors,
// such as "unknown variant `bogus`, expected one of `a`, `b`, `c`".
type UnknownVariantError struct {
	// Value is the rejected value.
	Value string
	// Expected are the accepted values, in their declared order.
	Expected []string
}

// Error implements error.
func (e *UnknownVariantError) Error() string {
	quoted := make([]string, len(e.Expected))
	for i, v := range e.Expected {
		quoted[i] = "`" + v + "`"
	}
	var expected string
	switch len(quoted) {
	case 0:
		return fmt.Sprintf("unknown variant `%s`, there are no variants", e.Value)
	case 1:
		expected = quoted[0]
	case 2:
		expected = quoted[0] + " or " + quoted[1]
	default:
		expected = "one of " + strings.Join(quoted, ", ")
	}
	return fmt.Sprintf("unknown variant `%s`, expected %s", e.Value, expected)
}

// enumStrings converts the values of an enumeration to plain strings.
func enumStrings[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// decodeEnumText stores text in *dst when it is one of values.
func decodeEnumText[T ~string](text []byte, dst *T, values []T) error {
	v := T(text)
	if !slices.Contains(values, v) {
		return &UnknownVariantError{Value: string(text), Expected: enumStrings(values)}
	}
	*dst = v
	return nil
}

// decodeEnumJSON stores the JSON string data in *dst when it is one of
// values. null leaves *dst as it is, as encoding/json does for other types;
// a value that is not a string is an *json.UnmarshalTypeError naming T.
func decodeEnumJSON[T ~string](data []byte, dst *T, values []T) error {
	if string(data) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		if typeErr, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
			typeErr.Type = reflect.TypeFor[T]()
			return typeErr
		}
		return err
	}
	return decodeEnumText([]byte(s), dst, values)
}

// parseEnum converts a user-facing string to a value of an enumeration. The
// error names the enumeration with noun and lists the accepted values in
// prose.
func parseEnum[T ~string](s, noun string, values []T) (T, error) {
	v := T(s)
	if slices.Contains(values, v) {
		return v, nil
	}
	names := enumStrings(values)
	expected := strings.Join(names, ", ")
	if n := len(names); n > 1 {
		expected = strings.Join(names[:n-1], ", ") + " or " + names[n-1]
	}
	return "", fmt.Errorf("unknown %s %q (expected %s)", noun, s, expected)
}
