package jsonrpcline

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/codex-go/codex/protocol"
)

// jsonrpc2.ID holds either an unsigned 64-bit number or a string, so some
// request ids cannot travel through it as they were sent: negative numbers,
// numbers with a fraction or an exponent, numbers beyond 64 bits, and
// strings written with escapes that would be written differently when the
// answer is encoded. A Stream hands such an id to the connection as a
// string id made of wirePrefix and the id's JSON text (in hex after hexMark
// when it is not valid UTF-8), and writes that text back as the id of the
// response. A string id whose value begins with
// wirePrefix travels the same way, so a client's own string can never be
// taken for a carried id.

// wirePrefix begins the jsonrpc2 string id that carries an id's JSON text.
// It is a NUL character, which a JSON string can hold only escaped.
const wirePrefix = "\x00"

// hexMark follows wirePrefix when the text that follows is in hex: texts
// that are not valid UTF-8 would not survive encoding/json otherwise. The
// JSON text of an id never starts with it.
const hexMark = "x"

// requestID returns the jsonrpc2.ID a request id with JSON text raw gets:
// an ordinary number or string id when jsonrpc2.ID carries it as sent, the
// carried text otherwise. raw must be valid JSON; ids that are not a string
// or a number are an error.
func requestID(raw []byte) (jsonrpc2.ID, error) {
	switch c := raw[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return jsonrpc2.ID{}, err
		}
		if !strings.HasPrefix(s, wirePrefix) && writtenAsSent(raw, s) {
			return jsonrpc2.ID{Str: s, IsString: true}, nil
		}
	case c == '-' || '0' <= c && c <= '9':
		if n, err := strconv.ParseUint(string(raw), 10, 64); err == nil && strconv.FormatUint(n, 10) == string(raw) {
			return jsonrpc2.ID{Num: n}, nil
		}
	default:
		return jsonrpc2.ID{}, fmt.Errorf("unexpected ID type: %.20s", raw)
	}
	if !utf8.Valid(raw) {
		return jsonrpc2.ID{Str: wirePrefix + hexMark + hex.EncodeToString(raw), IsString: true}, nil
	}
	return jsonrpc2.ID{Str: wirePrefix + string(raw), IsString: true}, nil
}

// writtenAsSent reports whether the string s, sent as the JSON text raw,
// is written back as exactly raw.
func writtenAsSent(raw []byte, s string) bool {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		// Without escapes the text is the string itself, which the
		// writer leaves as it is.
		return true
	}
	return bytes.Equal(stringText(s), raw)
}

// stringText returns the JSON text a Stream writes for the string s.
func stringText(s string) []byte {
	b, err := protocol.Marshal(s)
	if err != nil { // a string always encodes
		return []byte(strconv.Quote(s))
	}
	return unescape(b)
}

// carriedText returns the JSON text of the request id that id carries, and
// false when id is an ordinary one.
func carriedText(id jsonrpc2.ID) (string, bool) {
	if !id.IsString {
		return "", false
	}
	text, ok := strings.CutPrefix(id.Str, wirePrefix)
	if !ok {
		return "", false
	}
	if digits, ok := strings.CutPrefix(text, hexMark); ok {
		b, err := hex.DecodeString(digits)
		if err != nil {
			return "", false
		}
		text = string(b)
	}
	if !isIDText(text) {
		return "", false
	}
	return text, true
}

// isIDText reports whether text is the JSON text of one string or number.
func isIDText(text string) bool {
	if text == "" {
		return false
	}
	switch c := text[0]; {
	case c == '"', c == '-', '0' <= c && c <= '9':
		return json.Valid([]byte(text))
	}
	return false
}

// WireID returns the JSON text of a request id as the client sent it, for
// an id that a Stream read. A handler that repeats a request id inside a
// message (in params, say) uses it, since the id of jsonrpc2.Request may
// carry the text in an encoded form. Ids a Stream did not read come back as
// jsonrpc2 encodes them: numbers in decimal, strings quoted.
func WireID(id jsonrpc2.ID) json.RawMessage {
	if text, ok := carriedText(id); ok {
		return json.RawMessage(text)
	}
	if !id.IsString {
		return strconv.AppendUint(nil, id.Num, 10)
	}
	return stringText(id.Str)
}

// ParseWireID returns the jsonrpc2.ID that a request sent with the id raw
// gets from a Stream, so that an id the client repeats elsewhere (the
// request a cancellation names, say) can be compared with the ids of
// requests: ParseWireID(WireID(id)) is id. raw must be a JSON string or
// number.
func ParseWireID(raw []byte) (jsonrpc2.ID, error) {
	raw = bytes.TrimSpace(raw)
	if !json.Valid(raw) {
		return jsonrpc2.ID{}, errors.New("request id is not JSON")
	}
	return requestID(raw)
}

// responseID returns the id member to write for the id of an outgoing
// response, encoded as raw: the text the client sent when the id carries
// it, with verbatim set, or raw itself.
func responseID(raw []byte) (value []byte, verbatim bool) {
	if !bytes.HasPrefix(raw, []byte(`"\u0000`)) {
		return raw, false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return raw, false
	}
	if text, ok := carriedText(jsonrpc2.ID{Str: s, IsString: true}); ok {
		return []byte(text), true
	}
	return raw, false
}
