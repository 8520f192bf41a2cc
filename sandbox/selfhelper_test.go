package sandbox

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codex-go/codex/core/patch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunRequestedHelperIgnoresOtherCommandLines(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"prog"},
		{"prog", "app-server"},
		{"prog", "--flag", HelperArg},
		{"prog", "sandbox", "linux", "--", "true"},
	} {
		var out bytes.Buffer
		code, ok := runRequestedHelper(args, strings.NewReader(""), &out, &out)
		assert.False(t, ok, "%q", args)
		assert.Equal(t, 0, code)
		assert.Empty(t, out.String())
	}
}

func TestRunRequestedHelperRunsThePatchWriter(t *testing.T) {
	dir := t.TempDir()
	p, err := patch.Parse("*** Begin Patch\n*** Add File: a.txt\n+hello\n*** End Patch")
	require.NoError(t, err)
	plan, err := patch.Verify(p, dir)
	require.NoError(t, err)
	data, err := plan.Encode()
	require.NoError(t, err)

	var stdout, stderr bytes.Buffer
	code, ok := runRequestedHelper([]string{"prog", patch.ApplyArg}, bytes.NewReader(data), &stdout, &stderr)
	require.True(t, ok)
	require.Equal(t, 0, code, stderr.String())
	assert.Contains(t, stdout.String(), "A a.txt\n")
	written, err := os.ReadFile(filepath.Join(dir, "a.txt"))
	require.NoError(t, err)
	assert.Equal(t, "hello\n", string(written))

	stdout.Reset()
	stderr.Reset()
	code, ok = runRequestedHelper([]string{"prog", patch.ApplyArg}, strings.NewReader("not a plan"), &stdout, &stderr)
	require.True(t, ok)
	assert.Equal(t, patch.ApplyExitBadPlan, code)
	assert.NotEmpty(t, stderr.String())
}

func TestRunRequestedHelperRunsTheSandboxHelper(t *testing.T) {
	// Arguments the helper refuses before restricting anything: it reports
	// them and fails instead of running a command.
	var stdout, stderr bytes.Buffer
	code, ok := runRequestedHelper([]string{"prog", HelperArg, "--no-such-flag"}, strings.NewReader(""), &stdout, &stderr)
	require.True(t, ok)
	assert.Equal(t, ExitHelperFailed, code)
	assert.NotEmpty(t, stderr.String())
	assert.Empty(t, stdout.String())
}
