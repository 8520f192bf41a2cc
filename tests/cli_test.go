package tests

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCLIVersionAndUsageErrors(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "version", args: []string{"--version"}, wantStdout: "codex-cli 0.1.0\n"},
		{name: "version short", args: []string{"-V"}, wantStdout: "codex-cli 0.1.0\n"},
		{name: "bad sandbox", args: []string{"-s", "open", "app-server"}, wantCode: 2, wantStderr: "invalid -s/--sandbox"},
		{name: "bad approval after the command", args: []string{"app-server", "-a", "sometimes"}, wantCode: 2, wantStderr: "invalid -a/--ask-for-approval"},
		{name: "bad override", args: []string{"-c", "novalue", "app-server"}, wantCode: 2, wantStderr: "invalid -c/--config"},
		{name: "unknown flag", args: []string{"--bogus"}, wantCode: 2, wantStderr: "unknown flag: --bogus"},
		{name: "unknown command", args: []string{"bogus"}, wantCode: 2, wantStderr: `unknown command "bogus"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(codexBin, tt.args...)
			cmd.Env = append(filteredEnv(), "CODEX_HOME="+t.TempDir())
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var exitErr *exec.ExitError
			if errors.As(err, &exitErr) {
				code = exitErr.ExitCode()
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.wantCode, code, stderr.String())
			if tt.wantStdout != "" {
				assert.Equal(t, tt.wantStdout, stdout.String())
			}
			if tt.wantStderr != "" {
				assert.True(t, strings.Contains(stderr.String(), tt.wantStderr), stderr.String())
				assert.Empty(t, stdout.String())
			}
		})
	}
}
