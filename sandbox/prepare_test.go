package sandbox

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

func TestPrepare(t *testing.T) {
	argv, err := wrapHelper("/bin/codex", protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, "/w", []string{"ls", "-l"}, Protection{})
	require.NoError(t, err)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{"PATH=/bin", "LD_PRELOAD=/w/evil.so", "LD_LIBRARY_PATH=:/w", "GCONV_PATH=/w", "HOME=/root"}
	Prepare(cmd)

	assert.Equal(t, []string{"PATH=/bin", "HOME=/root"}, cmd.Env, "the helper starts without loader variables")
	req, err := parseHelperArgs(cmd.Args[1:])
	require.NoError(t, err)
	assert.Equal(t, []string{"LD_PRELOAD=/w/evil.so", "LD_LIBRARY_PATH=:/w", "GCONV_PATH=/w"}, req.setenv)
	assert.Equal(t, []string{"ls", "-l"}, req.argv)
	assert.Contains(t, cmd.Args, isolateFlag)
	assert.Equal(t, []string{"PATH=/bin", "HOME=/root", "LD_PRELOAD=/w/evil.so", "LD_LIBRARY_PATH=:/w", "GCONV_PATH=/w"},
		commandEnvironment(cmd.Env, req.setenv), "the command gets them back")

	plain := exec.Command("ls", "-l")
	plain.Env = []string{"LD_PRELOAD=/x.so"}
	Prepare(plain)
	assert.Equal(t, []string{"ls", "-l"}, plain.Args, "a command that does not run the helper is left alone")
	assert.Equal(t, []string{"LD_PRELOAD=/x.so"}, plain.Env)
}

func TestLoaderVariable(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"LD_PRELOAD", true}, {"LD_LIBRARY_PATH", true}, {"LD_AUDIT", true}, {"LD_DEBUG_OUTPUT", true},
		{"GCONV_PATH", true}, {"GLIBC_TUNABLES", true}, {"LOCPATH", true}, {"NLSPATH", true},
		{"PATH", false}, {"HOME", false}, {"TMPDIR", false}, {"OLD_PATH", false}, {"LANG", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, LoaderVariable(tt.name), tt.name)
	}
}

func TestParseHelperArgsExtras(t *testing.T) {
	args := []string{
		isolateFlag, reportFlag, setenvFlag + "LD_PRELOAD=/x.so",
		policyFlag + `{"mode":"read-only"}`, cwdFlag + "/w",
		readOnlyFlag + "/home/u/.codex", hiddenFlag + "/home/u/.codex/auth.json", privateFlag + "/home/u/.codex", "--", "true",
	}
	req, err := parseHelperArgs(args)
	require.NoError(t, err)
	assert.True(t, req.report)
	assert.Equal(t, []string{"LD_PRELOAD=/x.so"}, req.setenv)
	assert.Equal(t, Protection{
		ReadOnly: []string{"/home/u/.codex"}, Hidden: []string{"/home/u/.codex/auth.json"}, Private: []string{"/home/u/.codex"},
	}, req.protect)

	for _, bad := range [][]string{
		{"--sandbox-unknown", policyFlag + `{"mode":"read-only"}`, cwdFlag + "/w", "--", "true"},
		{setenvFlag + "NOVALUE", policyFlag + `{"mode":"read-only"}`, cwdFlag + "/w", "--", "true"},
	} {
		_, err := parseHelperArgs(bad)
		assert.Error(t, err, "%v", bad)
	}
}

func TestCodexHomeProtection(t *testing.T) {
	assert.Equal(t, Protection{}, CodexHomeProtection(""))
	assert.Equal(t, Protection{
		ReadOnly: []string{"/h/.codex"}, Hidden: []string{"/h/.codex/auth.json"}, Private: []string{"/h/.codex"},
	}, CodexHomeProtection("/h/.codex"))
}

func TestAbsoluteLoaderPaths(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"LD_LIBRARY_PATH", ":/opt/lib", "/opt/lib"},
		{"LD_LIBRARY_PATH", "/a::/b:.:lib:/c", "/a:/b:/c"},
		{"LD_LIBRARY_PATH", "", ""},
		{"LD_PRELOAD", "/opt/x.so ./y.so libz.so:sub/w.so", "/opt/x.so libz.so"},
		{"PATH", ":/bin", ":/bin"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, AbsoluteLoaderPaths(tt.name, tt.value), "%s=%s", tt.name, tt.value)
	}
}

func TestOutsideEnv(t *testing.T) {
	got := OutsideEnv([]string{"PATH=/bin", "LD_LIBRARY_PATH=:/opt/lib", "LD_PRELOAD=./x.so", "HOME=/h"})
	assert.Equal(t, []string{"PATH=/bin", "LD_LIBRARY_PATH=/opt/lib", "LD_PRELOAD=", "HOME=/h"}, got)
}

func TestWithoutLoaderVariables(t *testing.T) {
	got := WithoutLoaderVariables([]string{"PATH=/bin", "LD_LIBRARY_PATH=/w/lib", "LD_PRELOAD=/x.so", "GCONV_PATH=/w", "HOME=/h"})
	assert.Equal(t, []string{"PATH=/bin", "HOME=/h"}, got)
}
