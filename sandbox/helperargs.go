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
)

// helperRequest is what the helper needs to know: the policy, the directory
// the policy is evaluated for and the command to run.
type helperRequest struct {
	policy protocol.SandboxPolicy
	cwd    string
	argv   []string
}

// encodeHelperArgs renders the helper arguments that follow HelperArg.
func encodeHelperArgs(p protocol.SandboxPolicy, cwd string, argv []string) ([]string, error) {
	if len(argv) == 0 {
		return nil, errors.New("sandbox: empty command")
	}
	data, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("sandbox: encode policy: %w", err)
	}
	args := make([]string, 0, 3+len(argv))
	args = append(args, policyFlag+string(data), cwdFlag+cwd, "--")
	return append(args, argv...), nil
}

// parseHelperArgs is the inverse of encodeHelperArgs. It also accepts args
// that still start with HelperArg.
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
		default:
			return req, fmt.Errorf("sandbox helper: unexpected argument %q", a)
		}
	}
	return req, errors.New("sandbox helper: missing -- before the command")
}
