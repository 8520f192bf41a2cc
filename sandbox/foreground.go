package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/codex-go/codex/protocol"
)

// Environment variables that tell a command it runs under the sandbox.
const (
	// EnvNetworkDisabled is set to "1" when the policy closes the network.
	EnvNetworkDisabled = "CODEX_SANDBOX_NETWORK_DISABLED"
	// EnvSandbox names the sandbox backend ("seatbelt" on macOS).
	EnvSandbox = "CODEX_SANDBOX"
	// EnvNoNamespaces, set to any value in the environment of codex, keeps
	// the Linux sandbox from creating namespaces (for systems where they
	// misbehave); the rest of the sandbox still applies.
	EnvNoNamespaces = "CODEX_SANDBOX_NO_NAMESPACES"
)

// CommandEnv returns base (KEY=VALUE entries) with the variables that tell a
// command it runs under p on this system: EnvNetworkDisabled=1 when p closes
// the network and, on macOS, EnvSandbox=seatbelt for every policy but
// danger-full-access. Entries of base with those names are replaced.
func CommandEnv(base []string, p protocol.SandboxPolicy) []string {
	return commandEnv(base, p, runtime.GOOS)
}

// commandEnv is CommandEnv for the system goos.
func commandEnv(base []string, p protocol.SandboxPolicy, goos string) []string {
	var add []string
	if !p.HasFullNetworkAccess() {
		add = append(add, EnvNetworkDisabled+"=1")
	}
	if goos == "darwin" && p.Mode != protocol.SandboxDangerFullAccess {
		add = append(add, EnvSandbox+"=seatbelt")
	}
	out := make([]string, 0, len(base)+len(add))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if name == EnvNetworkDisabled || name == EnvSandbox {
			continue
		}
		out = append(out, kv)
	}
	return append(out, add...)
}

// FindCommand looks name up the way a shell started in dir would: in $PATH
// unless it contains a slash, relative to dir if it is a relative path. When
// it cannot be run, HelperExitCode of the error is ExitCommandNotFound or
// ExitCannotExecute, as for the helper.
func FindCommand(name, dir string) (string, error) {
	if strings.Contains(name, "/") && !filepath.IsAbs(name) && dir != "" {
		name = filepath.Join(dir, name)
	}
	path, err := exec.LookPath(name)
	if err == nil || errors.Is(err, exec.ErrDot) {
		return path, nil
	}
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		return "", &helperError{code: ExitCommandNotFound, err: fmt.Errorf("sandbox: command %q not found", name)}
	}
	return "", &helperError{code: ExitCannotExecute, err: fmt.Errorf("sandbox: command %q cannot be executed: %w", name, err)}
}

// envLookup returns a getenv over the KEY=VALUE entries of env; the last
// entry of a name wins.
func envLookup(env []string) func(string) string {
	return func(key string) string {
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
				return v
			}
		}
		return ""
	}
}
