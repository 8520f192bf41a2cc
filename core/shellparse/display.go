package shellparse

import "strings"

// The quoting styles a piece of a word can be written in.
const (
	bareOK   = 1 << iota // as is
	singleOK             // inside '...'
	doubleOK             // inside "..."
)

// displayJoin renders a simple command for parsed_cmd the way codex-cli
// 0.45 writes it: words separated by spaces, each word cut into pieces
// written bare when they hold only letters, digits and _-./:@+, otherwise
// in single quotes or, for a piece holding a single quote, in double
// quotes. A "^" starts a new piece that is always single-quoted.
func displayJoin(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = displayQuote(w)
	}
	return strings.Join(parts, " ")
}

// displayQuote quotes one word for displayJoin.
func displayQuote(w string) string {
	if w == "" {
		return "''"
	}
	var b strings.Builder
	for rest := w; rest != ""; {
		n, style := quotePiece(rest)
		piece := rest[:n]
		switch {
		case style&bareOK != 0:
			b.WriteString(piece)
		case style&singleOK != 0:
			b.WriteString("'" + piece + "'")
		default:
			b.WriteString(`"` + piece + `"`)
		}
		rest = rest[n:]
	}
	return b.String()
}

// quotePiece returns the length of the longest prefix of s that one style
// can write, and the styles that can.
func quotePiece(s string) (int, int) {
	allowed := bareOK | singleOK | doubleOK
	i := 0
	if s[0] == '^' {
		allowed, i = singleOK, 1
	}
	for ; i < len(s); i++ {
		c := s[i]
		next := allowed
		switch {
		case c == '^':
			next = 0
		case c >= 0x80:
			next &^= bareOK
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			strings.IndexByte("_-./:@+", c) >= 0:
		case c == '\'':
			next &^= bareOK | singleOK
		case c == '$' || c == '`' || c == '"' || c == '\\' || c == '!':
			next &^= bareOK | doubleOK
		default:
			next &^= bareOK
		}
		if next == 0 {
			break
		}
		allowed = next
	}
	return i, allowed
}
