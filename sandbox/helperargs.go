package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/codex-go/codex/protocol"
)

// Flags understood by the helper before the "--" that starts the command.
const (
	policyFlag = "--sandbox-policy="
	cwdFlag    = "--sandbox-policy-cwd="
	// readOnlyFlag names a path that stays read-only even below a writable
	// root (repeatable).
	readOnlyFlag = "--sandbox-read-only="
	// hiddenFlag names a file whose content commands must not read
	// (repeatable).
	hiddenFlag = "--sandbox-hidden="
	// privateFlag names a directory commands see empty (repeatable).
	privateFlag = "--sandbox-private="
	// setenvFlag carries a NAME=VALUE loader variable that the helper itself
	// is started without and that the command gets back (repeatable).
	setenvFlag = "--sandbox-setenv="
	// reportFlag makes the helper describe the measures it applied on its
	// standard error before running the command.
	reportFlag = "--sandbox-report"
)

// Protection lists paths that get more protection than the policy alone
// gives them: they stay read-only even inside a writable root, or cannot be
// read at all. It is meant for the configuration directory (CODEX_HOME), so
// that a command can neither change the configuration the next
// conversation starts with nor read the credentials.
type Protection struct {
	// ReadOnly are paths (files or directories) that commands may read but
	// not change, wherever they lie.
	ReadOnly []string
	// Hidden are files whose content commands cannot read.
	Hidden []string
	// Private are directories that commands see empty (and cannot write),
	// unless a writable root lies inside one; ReadOnly and Hidden then
	// protect what they list there.
	Private []string
}

// helperRequest is what the helper needs to know: the policy, the directory
// the policy is evaluated for, the command to run and the extras.
type helperRequest struct {
	policy  protocol.SandboxPolicy
	cwd     string
	argv    []string
	protect Protection
	// setenv are loader variables to give back to the command.
	setenv []string
	// report asks for a description of the applied measures.
	report bool
}

// encodeHelperArgs renders the helper arguments that follow HelperArg.
func encodeHelperArgs(p protocol.SandboxPolicy, cwd string, argv []string, prot Protection) ([]string, error) {
	if len(argv) == 0 {
		return nil, errors.New("sandbox: empty command")
	}
	data, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("sandbox: encode policy: %w", err)
	}
	args := make([]string, 0, 3+len(prot.ReadOnly)+len(prot.Hidden)+len(prot.Private)+len(argv))
	args = append(args, policyFlag+string(data), cwdFlag+cwd)
	for _, p := range prot.ReadOnly {
		if p != "" {
			args = append(args, readOnlyFlag+p)
		}
	}
	for _, p := range prot.Hidden {
		if p != "" {
			args = append(args, hiddenFlag+p)
		}
	}
	for _, p := range prot.Private {
		if p != "" {
			args = append(args, privateFlag+p)
		}
	}
	args = append(args, "--")
	return append(args, argv...), nil
}

// parseHelperArgs is the inverse of encodeHelperArgs (plus the flags Prepare
// adds). It also accepts args that still start with HelperArg.
func parseHelperArgs(args []string) (helperRequest, error) {
	if len(args) > 0 && args[0] == HelperArg {
		args = args[1:]
	}
	var req helperRequest
	var havePolicy, haveCwd bool
	for i, a := range args {
		switch {
		case a == "--":
			if !havePolicy {
				return req, errors.New("sandbox helper: missing " + strings.TrimSuffix(policyFlag, "="))
			}
			if !haveCwd {
				return req, errors.New("sandbox helper: missing " + strings.TrimSuffix(cwdFlag, "="))
			}
			req.argv = args[i+1:]
			if len(req.argv) == 0 {
				return req, errors.New("sandbox helper: no command after --")
			}
			return req, nil
		case strings.HasPrefix(a, policyFlag):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(a, policyFlag)), &req.policy); err != nil {
				return req, fmt.Errorf("sandbox helper: decode policy: %w", err)
			}
			havePolicy = true
		case strings.HasPrefix(a, cwdFlag):
			req.cwd = strings.TrimPrefix(a, cwdFlag)
			if req.cwd == "" {
				return req, errors.New("sandbox helper: empty policy cwd")
			}
			haveCwd = true
		case strings.HasPrefix(a, readOnlyFlag):
			req.protect.ReadOnly = append(req.protect.ReadOnly, strings.TrimPrefix(a, readOnlyFlag))
		case strings.HasPrefix(a, hiddenFlag):
			req.protect.Hidden = append(req.protect.Hidden, strings.TrimPrefix(a, hiddenFlag))
		case strings.HasPrefix(a, privateFlag):
			req.protect.Private = append(req.protect.Private, strings.TrimPrefix(a, privateFlag))
		case strings.HasPrefix(a, setenvFlag):
			kv := strings.TrimPrefix(a, setenvFlag)
			if !strings.Contains(kv, "=") {
				return req, fmt.Errorf("sandbox helper: %s wants NAME=VALUE", strings.TrimSuffix(setenvFlag, "="))
			}
			req.setenv = append(req.setenv, kv)
		case a == reportFlag:
			req.report = true
		case a == isolateFlag:
			// Handled before the Go runtime started (preinit_linux.c).
		default:
			return req, fmt.Errorf("sandbox helper: unexpected argument %q", a)
		}
	}
	return req, errors.New("sandbox helper: missing -- before the command")
}

// insertHelperFlags returns the argv of a wrapped command (self, HelperArg,
// flags..., "--", command...) with flags added right after HelperArg. An argv
// that does not run the helper is returned unchanged.
func insertHelperFlags(argv []string, flags ...string) []string {
	if len(argv) < 2 || argv[1] != HelperArg || len(flags) == 0 {
		return argv
	}
	out := make([]string, 0, len(argv)+len(flags))
	out = append(out, argv[:2]...)
	out = append(out, flags...)
	return append(out, argv[2:]...)
}

// LoaderVariable reports whether the environment variable name changes how
// the dynamic loader or the C library of a program behaves before its own
// code runs (what the C library ignores for set-user-ID programs), such as
// LD_PRELOAD and LD_LIBRARY_PATH. The helper is started without them (the
// command gets them back), and so should any program codex runs outside the
// sandbox in a directory commands can write: an empty or relative
// LD_LIBRARY_PATH entry, or one inside a writable root, would load a
// library a command planted there.
func LoaderVariable(name string) bool {
	if strings.HasPrefix(name, "LD_") {
		return true
	}
	switch name {
	case "GCONV_PATH", "GLIBC_TUNABLES", "LOCPATH", "NLSPATH", "HOSTALIASES",
		"MALLOC_TRACE", "RESOLV_HOST_CONF", "RES_OPTIONS", "LOCALDOMAIN":
		return true
	}
	return false
}

// AbsoluteLoaderPaths returns the value of LD_LIBRARY_PATH or LD_PRELOAD
// without its empty and relative entries, which the loader takes relative
// to the current directory of whatever program it starts: with codex in a
// workspace, a library a sandboxed command planted there would be loaded by
// the next program codex runs outside the sandbox (an MCP server, the
// notify program, git). Library names without a slash in LD_PRELOAD are
// looked up in the library directories and stay.
func AbsoluteLoaderPaths(name, value string) string {
	var kept []string
	switch name {
	case "LD_LIBRARY_PATH":
		for _, dir := range strings.Split(value, ":") {
			if strings.HasPrefix(dir, "/") {
				kept = append(kept, dir)
			}
		}
		return strings.Join(kept, ":")
	case "LD_PRELOAD":
		for _, lib := range strings.FieldsFunc(value, func(r rune) bool { return r == ':' || r == ' ' }) {
			if strings.HasPrefix(lib, "/") || !strings.Contains(lib, "/") {
				kept = append(kept, lib)
			}
		}
		return strings.Join(kept, " ")
	}
	return value
}

// OutsideEnv is environ (entries "NAME=value") for a program codex runs
// outside the sandbox: LD_LIBRARY_PATH and LD_PRELOAD lose their empty and
// relative entries (see AbsoluteLoaderPaths).
func OutsideEnv(environ []string) []string {
	out := make([]string, len(environ))
	for i, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if name == "LD_LIBRARY_PATH" || name == "LD_PRELOAD" {
			kv = name + "=" + AbsoluteLoaderPaths(name, value)
		}
		out[i] = kv
	}
	return out
}

// WithoutLoaderVariables is environ (entries "NAME=value") without the
// loader's variables (see LoaderVariable), for a program codex runs outside
// the sandbox that has no need of them: an LD_LIBRARY_PATH directory inside
// a writable root would let a command plant a library it loads.
func WithoutLoaderVariables(environ []string) []string {
	kept, _ := splitLoaderVariables(environ)
	return kept
}

// splitLoaderVariables divides environ (entries "NAME=value") into the
// loader's variables (see LoaderVariable) and the others, each in order.
func splitLoaderVariables(environ []string) (others, loader []string) {
	others = make([]string, 0, len(environ))
	for _, kv := range environ {
		if name, _, _ := strings.Cut(kv, "="); LoaderVariable(name) {
			loader = append(loader, kv)
		} else {
			others = append(others, kv)
		}
	}
	return others, loader
}

// commandEnvironment is environ with the loader variables that Prepare moved
// out of the helper's environment put back.
func commandEnvironment(environ, setenv []string) []string {
	if len(setenv) == 0 {
		return environ
	}
	env := make([]string, 0, len(environ)+len(setenv))
	env = append(env, environ...)
	return append(env, setenv...)
}
