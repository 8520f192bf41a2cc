package sandbox

import (
	"errors"
	"fmt"
	"slices"

	"github.com/codex-go/codex/protocol"
)

// SeatbeltExecutable is the macOS program that runs a command under a Seatbelt profile.
const SeatbeltExecutable = "/usr/bin/sandbox-exec"

// Wrap returns the argv to execute so that argv runs under policy p, with
// cwd the directory the policy is evaluated for (normally the command's
// working directory). For danger-full-access it is a copy of argv. On Linux
// it is [self, HelperArg, <policy and cwd>..., "--", argv...], where self is
// the path of the codex executable (os.Executable()); on macOS it is
// [SeatbeltExecutable, "-p", profile, "-D", "KEY=VALUE"..., "--", argv...].
// On other systems every other policy is an error.
func Wrap(self string, p protocol.SandboxPolicy, cwd string, argv []string) ([]string, error) {
	if len(argv) == 0 {
		return nil, errors.New("sandbox: empty command")
	}
	if !p.Mode.Valid() {
		return nil, fmt.Errorf("sandbox: unknown sandbox mode %q", p.Mode)
	}
	if p.Mode == protocol.SandboxDangerFullAccess {
		return slices.Clone(argv), nil
	}
	return wrapPlatform(self, p, cwd, argv)
}

// wrapHelper builds the argv that runs argv through the Linux helper.
func wrapHelper(self string, p protocol.SandboxPolicy, cwd string, argv []string) ([]string, error) {
	if self == "" {
		return nil, errors.New("sandbox: path of the helper executable is empty")
	}
	if cwd == "" {
		return nil, errors.New("sandbox: empty policy cwd")
	}
	args, err := encodeHelperArgs(p, cwd, argv)
	if err != nil {
		return nil, err
	}
	return append([]string{self, HelperArg}, args...), nil
}

// wrapSeatbelt builds the argv that runs argv under sandbox-exec.
func wrapSeatbelt(p protocol.SandboxPolicy, cwd string, argv []string, getenv func(string) string) []string {
	profile, params := SeatbeltProfile(p, cwd, getenv)
	out := make([]string, 0, 4+2*len(params)+len(argv))
	out = append(out, SeatbeltExecutable, "-p", profile)
	for _, kv := range params {
		out = append(out, "-D", kv)
	}
	out = append(out, "--")
	return append(out, argv...)
}
