package mcpclient

import (
	"crypto/sha1"
	"encoding/hex"
	"strconv"
	"strings"
)

const (
	// maxToolNameLen is the longest tool name the model API accepts.
	maxToolNameLen = 64
	// nameDelimiter separates the server and tool parts of a qualified name.
	nameDelimiter = "__"
	// hashedPrefixLen is how much of a name a hashed name keeps: the rest
	// of maxToolNameLen is the 40 hex digits of a SHA-1.
	hashedPrefixLen = maxToolNameLen - 2*sha1.Size
)

// toolKey names a tool on a server.
type toolKey struct {
	server string
	tool   string
}

// qualifiedNames assigns model-facing names to tools, in the given order,
// which should be sorted by server then tool so that the assignment is
// stable. A name is "<server>__<tool>" with every character outside
// [a-zA-Z0-9_-] replaced by '_'. A name longer than maxToolNameLen, or one
// already taken, becomes its first 24 characters followed by the SHA-1 (40
// hex digits) of the unsanitised "<server>__<tool>", which is how codex-cli
// 0.45 shortens long names; a name still taken hashes the full name with
// "#1", "#2"... appended.
func qualifiedNames(keys []toolKey) []string {
	used := make(map[string]bool, len(keys))
	names := make([]string, len(keys))
	for i, k := range keys {
		full := k.server + nameDelimiter + k.tool
		base := sanitizeName(full)
		name := base
		if len(name) > maxToolNameLen {
			name = hashedName(base, full, 0)
		}
		for salt := 0; used[name]; salt++ {
			name = hashedName(base, full, salt)
		}
		used[name] = true
		names[i] = name
	}
	return names
}

// sanitizeName replaces every character outside [a-zA-Z0-9_-] by '_'.
func sanitizeName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// hashedName returns the first hashedPrefixLen characters of base followed
// by the SHA-1 of full (and of "#salt", when salt is not zero). base must
// be ASCII.
func hashedName(base, full string, salt int) string {
	input := full
	if salt != 0 {
		input += "#" + strconv.Itoa(salt)
	}
	sum := sha1.Sum([]byte(input))
	return base[:min(len(base), hashedPrefixLen)] + hex.EncodeToString(sum[:])
}
