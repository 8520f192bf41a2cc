package jsonrpcline

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sourcegraph/jsonrpc2"
)

// errShape is returned by splitMembers for input it does not read; the
// caller then decodes with encoding/json.
var errShape = errors.New("not a plain JSON object")

// readEnvelope reads the members of an outgoing message. The message is
// what encoding/json wrote, so its top level is split by a scan that
// only finds where each member's value ends (no copy, no decoding of the
// values): a large result is read once instead of decoded into a copy.
// Input the scan does not take is decoded with encoding/json.
func readEnvelope(raw []byte) (envelope, error) {
	var m envelope
	err := splitMembers(raw, func(name string, value []byte) error {
		null := string(value) == "null"
		// As encoding/json does, names match whatever their case.
		switch strings.ToLower(name) {
		case "method":
			m.Method = nil
			if !null {
				var s string
				if err := json.Unmarshal(value, &s); err != nil {
					return err
				}
				m.Method = &s
			}
		case "id":
			m.ID = value
		case "params":
			m.Params = value
		case "result":
			m.Result = value
		case "emittedatms":
			m.EmittedAtMs = value
		case "error":
			m.Error = nil
			if !null {
				var e jsonrpc2.Error
				if err := json.Unmarshal(value, &e); err != nil {
					return err
				}
				m.Error = &e
			}
		}
		return nil
	})
	if err == nil {
		return m, nil
	}
	m = envelope{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, err
	}
	return m, nil
}

// splitMembers calls member for each name and value of the JSON object b,
// in order. Names with escapes are not read (errShape).
func splitMembers(b []byte, member func(name string, value []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errShape
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return trailing(b, i+1)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return errShape
		}
		end := i + 1
		for end < len(b) && b[end] != '"' {
			if b[end] == '\\' {
				return errShape
			}
			end++
		}
		if end >= len(b) {
			return errShape
		}
		name := string(b[i+1 : end])
		i = skipSpace(b, end+1)
		if i >= len(b) || b[i] != ':' {
			return errShape
		}
		start := skipSpace(b, i+1)
		stop, err := valueEnd(b, start)
		if err != nil {
			return err
		}
		if err := member(name, b[start:stop]); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		i = skipSpace(b, stop)
		if i >= len(b) {
			return errShape
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return trailing(b, i+1)
		default:
			return errShape
		}
	}
}

// valueEnd returns where the JSON value starting at b[i] ends.
func valueEnd(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errShape
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := stringEnd(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errShape
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
		j++
	}
	if j == i {
		return 0, errShape
	}
	return j, nil
}

// stringEnd returns where the JSON string starting at b[i] ends.
func stringEnd(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errShape
}

// skipSpace returns the index of the first byte from i that is not JSON
// white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// trailing accepts only white space after the object.
func trailing(b []byte, i int) error {
	if skipSpace(b, i) != len(b) {
		return errShape
	}
	return nil
}
