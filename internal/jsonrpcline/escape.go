package jsonrpcline

import "bytes"

// unescape rewrites the \u escapes that encoding/json always writes for
// '<', '>', '&', U+2028 and U+2029 into the characters themselves, which is
// how the reference servers write them. The input is JSON text; every other
// escape is left as it is, and an escaped backslash is never taken for the
// start of an escape.
func unescape(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u`)) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			out = append(out, c)
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) {
			if r, ok := literal(string(b[i+2 : i+6])); ok {
				out = append(out, r...)
				i += 5
				continue
			}
		}
		// Any other escape: both bytes are copied together.
		out = append(out, c, b[i+1])
		i++
	}
	return out
}

// literal returns the character of an escape's four hex digits when the
// character may be written as it is.
func literal(hex string) (string, bool) {
	switch hex {
	case "003c", "003C":
		return "<", true
	case "003e", "003E":
		return ">", true
	case "0026":
		return "&", true
	case "2028":
		return "\u2028", true
	case "2029":
		return "\u2029", true
	}
	return "", false
}
