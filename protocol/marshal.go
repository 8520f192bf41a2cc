package protocol

import (
	"bytes"
	"encoding/json"
)

// Marshal encodes v as JSON without escaping <, > and &, as the reference
// does, so that text such as "<environment_context>" stays readable on the
// wire and in rollout files.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}
