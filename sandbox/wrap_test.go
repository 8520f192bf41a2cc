package sandbox

import (
	"testing"

	"github.com/codex-go/codex/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWrapDangerFullAccessIsUnchanged(t *testing.T) {
	argv := []string{"echo", "hi"}
	got, err := Wrap("/unused", protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}, "/", argv, Protection{})
	require.NoError(t, err)
	assert.Equal(t, argv, got)
	got[0] = "changed"
	assert.Equal(t, "echo", argv[0], "the result is a copy")
}

func TestWrapErrors(t *testing.T) {
	_, err := Wrap("/bin/codex", protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}, "/", nil, Protection{})
	require.ErrorContains(t, err, "empty command")
	_, err = Wrap("/bin/codex", protocol.SandboxPolicy{Mode: "bogus"}, "/", []string{"true"}, Protection{})
	require.ErrorContains(t, err, "unknown sandbox mode")
}

func TestHelperArgsRoundTrip(t *testing.T) {
	policies := []protocol.SandboxPolicy{
		{Mode: protocol.SandboxReadOnly},
		{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/a", "/b c"}, NetworkAccess: true,
			ExcludeTmpdirEnvVar: true, ExcludeSlashTmp: true},
	}
	for _, p := range policies {
		t.Run(string(p.Mode), func(t *testing.T) {
			argv := []string{"sh", "-c", "echo -- $1", "--", "x"}
			prot := Protection{ReadOnly: []string{"/home/u/.codex"}, Hidden: []string{"/home/u/.codex/auth.json"}}
			wrapped, err := wrapHelper("/usr/bin/codex", p, "/work dir", argv, prot)
			require.NoError(t, err)
			require.Equal(t, []string{"/usr/bin/codex", HelperArg}, wrapped[:2])
			assert.Equal(t, argv, wrapped[len(wrapped)-len(argv):])
			assert.Equal(t, "--", wrapped[len(wrapped)-len(argv)-1])

			for _, args := range [][]string{wrapped[2:], wrapped[1:]} {
				req, err := parseHelperArgs(args)
				require.NoError(t, err)
				assert.Equal(t, p, req.policy)
				assert.Equal(t, "/work dir", req.cwd)
				assert.Equal(t, argv, req.argv)
				assert.Equal(t, prot, req.protect)
			}
		})
	}
}

func TestParseHelperArgsErrors(t *testing.T) {
	const policy = policyFlag + `{"mode":"read-only"}`
	const cwd = cwdFlag + "/w"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing", nil, "missing --"},
		{"no separator", []string{policy, cwd, "true"}, `unexpected argument "true"`},
		{"no command", []string{policy, cwd, "--"}, "no command"},
		{"no policy", []string{cwd, "--", "true"}, "missing --sandbox-policy"},
		{"no cwd", []string{policy, "--", "true"}, "missing --sandbox-policy-cwd"},
		{"empty cwd", []string{policy, cwdFlag, "--", "true"}, "empty policy cwd"},
		{"bad json", []string{policyFlag + "{", cwd, "--", "true"}, "decode policy"},
		{"unknown mode", []string{policyFlag + `{"mode":"open"}`, cwd, "--", "true"}, "decode policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseHelperArgs(tt.args)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestWrapSeatbeltArgv(t *testing.T) {
	cwd := resolved(t, t.TempDir())
	p := protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, ExcludeTmpdirEnvVar: true, ExcludeSlashTmp: true}
	got := wrapSeatbelt(p, cwd, []string{"ls", "-l"}, nil, Protection{})
	profile, params := SeatbeltProfile(p, cwd, nil, Protection{})
	require.Equal(t, []string{"WRITABLE_ROOT_0=" + cwd}, params)
	assert.Equal(t, []string{SeatbeltExecutable, "-p", profile, "-D", "WRITABLE_ROOT_0=" + cwd, "--", "ls", "-l"}, got)
}

func TestHelperExitCode(t *testing.T) {
	assert.Equal(t, ExitCommandNotFound, HelperExitCode(&helperError{code: ExitCommandNotFound, err: assert.AnError}))
	assert.Equal(t, ExitHelperFailed, HelperExitCode(assert.AnError))
}
