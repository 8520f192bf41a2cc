package sandbox

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParentFromStat(t *testing.T) {
	tests := []struct {
		stat string
		want int
		ok   bool
	}{
		{"1234 (bash) S 1200 1234 1234 34816 1234 4194560 0 0", 1200, true},
		{"77 (my (odd) name) R 5 77 77 0 -1", 5, true},
		{"88 (two words) S 1 88", 1, true},
		{"", 0, false},
		{"12 (cut", 0, false},
		{"12 (x) S", 0, false},
		{"12 (x) S ppid", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.stat, func(t *testing.T) {
			got, ok := parentFromStat(tt.stat)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}
