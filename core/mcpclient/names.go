package mcpclient

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

const (
	// maxToolNameLen is the longest tool name the model API accepts.
	maxToolNameLen = 64
	// nameDelimiter separates the server and tool parts of a qualified name.
	nameDelimiter = "__"
	// hashLen is how many hex digits of the hash end a shortened or
	// disambiguated name.
	hashLen = 8
)

// toolKey names a tool on a server.
type toolKey struct {
	server string
	tool   string
}

// qualifiedNames assigns model-facing names to tools, in the given order,
// which should be sorted by server then tool so that the assignment is
// stable. The names are distinct, made of [a-zA-Z0-9_-] and at most
// maxToolNameLen long.
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

// hashedName returns base, shortened as needed, followed by '_' and a hash
// of the full unsanitised name (and of salt, when not zero), within
// maxToolNameLen characters. base must be ASCII.
func hashedName(base, full string, salt int) string {
	input := full
	if salt != 0 {
		input += "#" + strconv.Itoa(salt)
	}
	sum := sha256.Sum256([]byte(input))
	suffix := "_" + hex.EncodeToString(sum[:])[:hashLen]
	if keep := maxToolNameLen - len(suffix); len(base) > keep {
		base = base[:keep]
	}
	return base + suffix
}
