package approval

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSessionApprovals(t *testing.T) {
	var s SessionApprovals
	argv := []string{"bash", "-lc", "echo hi > out.txt"}
	assert.False(t, s.Has(argv), "empty set")

	s.Add(argv)
	assert.True(t, s.Has(argv))
	assert.True(t, s.Has([]string{"bash", "-lc", "echo hi > out.txt"}), "equal copy")

	tests := []struct {
		name string
		argv []string
	}{
		{"prefix", []string{"bash", "-lc"}},
		{"longer", []string{"bash", "-lc", "echo hi > out.txt", "x"}},
		{"different script", []string{"bash", "-lc", "echo hi > out2.txt"}},
		{"words merged", []string{"bash -lc", "echo hi > out.txt"}},
		{"nil", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.False(t, s.Has(tc.argv))
		})
	}

	// Word boundaries are part of the key.
	s.Add([]string{"a b", "c"})
	assert.True(t, s.Has([]string{"a b", "c"}))
	assert.False(t, s.Has([]string{"a", "b c"}))
	assert.False(t, s.Has([]string{"a", "b", "c"}))
	s.Add([]string{"1:x"})
	assert.False(t, s.Has([]string{"1", "x"}))
	assert.False(t, s.Has([]string{"x"}))

	// Adding twice is harmless; an empty argv can be recorded too.
	s.Add(argv)
	assert.True(t, s.Has(argv))
	s.Add(nil)
	assert.True(t, s.Has([]string{}))
}

func TestSessionApprovalsNil(t *testing.T) {
	var s *SessionApprovals
	assert.False(t, s.Has([]string{"ls"}))
}

func TestSessionApprovalsConcurrent(t *testing.T) {
	var s SessionApprovals
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 100 {
				argv := []string{"cmd", fmt.Sprint(i), fmt.Sprint(j)}
				s.Add(argv)
				assert.True(t, s.Has(argv))
			}
		}()
	}
	wg.Wait()
	for i := range 8 {
		for j := range 100 {
			assert.True(t, s.Has([]string{"cmd", fmt.Sprint(i), fmt.Sprint(j)}))
		}
	}
}
