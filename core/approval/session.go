package approval

import (
	"strconv"
	"strings"
	"sync"
)

// SessionApprovals remembers the argv the user approved with
// approved_for_session in one conversation. The zero value is empty and
// ready to use; it is safe for concurrent use.
type SessionApprovals struct {
	mu       sync.RWMutex
	approved map[string]struct{}
}

// argvKey encodes argv unambiguously: every word is prefixed by its length,
// so ["a b"] and ["a", "b"] differ.
func argvKey(argv []string) string {
	var b strings.Builder
	for _, w := range argv {
		b.WriteString(strconv.Itoa(len(w)))
		b.WriteByte(':')
		b.WriteString(w)
	}
	return b.String()
}

// Add records argv as approved for the rest of the conversation.
func (s *SessionApprovals) Add(argv []string) {
	key := argvKey(argv)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.approved == nil {
		s.approved = make(map[string]struct{})
	}
	s.approved[key] = struct{}{}
}

// Has reports whether exactly argv was approved for the conversation. A nil
// *SessionApprovals has no approvals.
func (s *SessionApprovals) Has(argv []string) bool {
	if s == nil {
		return false
	}
	key := argvKey(argv)
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.approved[key]
	return ok
}
