package config

import (
	"errors"

	"github.com/BurntSushi/toml"
)

// locator fails on purpose when decoded, which makes the TOML decoder report
// the position of the key it was decoding.
type locator struct{}

// UnmarshalTOML implements toml.Unmarshaler.
func (locator) UnmarshalTOML(any) error { return errors.New("locate key") }

// keyLine returns the line where path is defined in the TOML text, or of its
// deepest defined ancestor; 0 when unknown.
func keyLine(text string, path []string) int {
	if text == "" || len(path) == 0 {
		return 0
	}
	var level map[string]toml.Primitive
	md, err := toml.Decode(text, &level)
	if err != nil {
		return 0
	}
	line := 0
	for _, k := range path {
		p, ok := level[k]
		if !ok {
			break
		}
		line = primitiveLine(&md, p)
		var next map[string]toml.Primitive
		if err := md.PrimitiveDecode(p, &next); err != nil {
			break
		}
		level = next
	}
	return line
}

func primitiveLine(md *toml.MetaData, p toml.Primitive) int {
	var pe toml.ParseError
	if errors.As(md.PrimitiveDecode(p, locator{}), &pe) {
		return pe.Position.Line
	}
	return 0
}
