package sandbox

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLikelyDenied(t *testing.T) {
	tests := []struct {
		name     string
		code     int
		stdout   string
		stderr   string
		expected bool
	}{
		{"success is never denied", 0, "", "Permission denied", false},
		{"shell redirection", 1, "", "sh: 1: cannot create /etc/x: Permission denied", true},
		{"python", 1, "", "PermissionError: [Errno 13] Permission denied: '/x'", true},
		{"eperm on stdout", 2, "socket: Operation not permitted", "", true},
		{"read-only file system", 1, "", "touch: cannot touch 'x': Read-only file system", true},
		{"upper case", 1, "", "PERMISSION DENIED", true},
		{"seccomp kill", 159, "", "", true},
		{"plain failure", 1, "", "error: tests failed", false},
		{"command not found", 127, "", "sh: foo: not found (Permission denied)", false},
		{"killed by signal", 137, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.expected, LikelyDenied(tt.code, tt.stdout, tt.stderr))
		})
	}
}
