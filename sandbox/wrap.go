package sandbox

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/codex-go/codex/protocol"
)

// SeatbeltExecutable is the macOS program that runs a command under a Seatbelt profile.
const SeatbeltExecutable = "/usr/bin/sandbox-exec"

// Wrap returns the argv to execute so that argv runs under policy p, with
// cwd the directory the policy is evaluated for (normally the command's
// working directory) and prot the paths protected beyond the policy. For
// danger-full-access it is a copy of argv. On Linux it is [self, HelperArg,
// <policy, cwd and protection>..., "--", argv...], where self is the path
// of the codex executable (see SelfExecutable); ready the command with
// Prepare to get the namespaces the helper can use. On macOS it is
// [SeatbeltExecutable, "-p", profile, "-D", "KEY=VALUE"..., "--", argv...].
// On other systems every other policy is an error.
func Wrap(self string, p protocol.SandboxPolicy, cwd string, argv []string, prot Protection) ([]string, error) {
	if len(argv) == 0 {
		return nil, errors.New("sandbox: empty command")
	}
	if !p.Mode.Valid() {
		return nil, fmt.Errorf("sandbox: unknown sandbox mode %q", p.Mode)
	}
	if p.Mode == protocol.SandboxDangerFullAccess {
		return slices.Clone(argv), nil
	}
	return wrapPlatform(self, p, cwd, argv, prot)
}

// wrapHelper builds the argv that runs argv through the Linux helper.
func wrapHelper(self string, p protocol.SandboxPolicy, cwd string, argv []string, prot Protection) ([]string, error) {
	if self == "" {
		return nil, errors.New("sandbox: path of the helper executable is empty")
	}
	if cwd == "" {
		return nil, errors.New("sandbox: empty policy cwd")
	}
	args, err := encodeHelperArgs(p, cwd, argv, prot)
	if err != nil {
		return nil, err
	}
	return append([]string{self, HelperArg}, args...), nil
}

// wrapSeatbelt builds the argv that runs argv under sandbox-exec.
func wrapSeatbelt(p protocol.SandboxPolicy, cwd string, argv []string, getenv func(string) string, prot Protection) []string {
	profile, params := SeatbeltProfile(p, cwd, getenv, prot)
	out := make([]string, 0, 4+2*len(params)+len(argv))
	out = append(out, SeatbeltExecutable, "-p", profile)
	for _, kv := range params {
		out = append(out, "-D", kv)
	}
	out = append(out, "--")
	return append(out, argv...)
}

// CodexHomeProtection is the protection of the configuration directory
// home: commands cannot change it (a changed config.toml could start an MCP
// server outside the sandbox with the next conversation), nor read the
// stored credentials (auth.json). Where the system allows it they see it
// empty (it holds other conversations too); when a writable root lies
// inside it, they may read all but the credentials.
func CodexHomeProtection(home string) Protection {
	if home == "" {
		return Protection{}
	}
	return Protection{
		ReadOnly: []string{home},
		Hidden:   []string{filepath.Join(home, "auth.json")},
		Private:  []string{home},
	}
}
