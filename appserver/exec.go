package appserver

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/exec"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/sandbox"
)

// Error messages of execOneOffCommand, worded as the reference server's.
const (
	// emptyCommandMessage answers a request without a command.
	emptyCommandMessage = "command must not be empty"
	// timedOutMessage answers a command killed by its timeout.
	timedOutMessage = "exec failed: sandbox error: command timed out"
)

// execOneOffCommand runs one command outside any conversation, under the
// configured sandbox policy or the one given in the request, and answers
// with its exit code and output. The command runs in its own goroutine, so
// the server goes on serving other requests meanwhile; the reply is sent
// when it ends.
func (s *Server) execOneOffCommand(ctx context.Context, p protocol.ExecOneOffCommandParams, r rpcserver.Reply[protocol.ExecOneOffCommandResponse]) {
	if len(p.Command) == 0 {
		r.Fail(ctx, invalidRequest(emptyCommandMessage))
		return
	}
	cfg, err := s.eng.LoadConfig(config.Request{})
	if err != nil {
		r.Fail(ctx, internalError("error loading config: %v", err))
		return
	}
	policy := cfg.SandboxPolicy
	if p.SandboxPolicy != nil {
		policy = *p.SandboxPolicy
	}
	timeout := exec.DefaultTimeout
	if p.TimeoutMs != nil && *p.TimeoutMs > 0 {
		timeout = time.Duration(*p.TimeoutMs) * time.Millisecond
	}
	params := s.commandParams(cfg, p.Command, p.Cwd, policy)
	params.Timeout = timeout

	life := s.lifetime()
	started := s.goTracked(func() {
		resp, err := runOneOff(life, params)
		if err != nil {
			s.log.Warn("one-off command failed", "command", params.Command, "error", err)
		}
		r.Answer(life, resp, err)
	})
	if !started {
		r.Fail(ctx, shuttingDown())
	}
}

// commandParams returns how to run a command outside any conversation:
// in cwd (taken relative to the configured directory; the configured
// directory when nil or empty), under policy evaluated for the configured
// directory, with the environment the configuration gives commands.
func (s *Server) commandParams(cfg *config.Config, command []string, cwd *string, policy protocol.SandboxPolicy) exec.Params {
	dir := cfg.Cwd
	if cwd != nil && *cwd != "" {
		dir = *cwd
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(cfg.Cwd, dir)
		}
	}
	return exec.Params{
		Command: command,
		Cwd:     filepath.Clean(dir),
		// The policy is evaluated for the configured directory, as the
		// reference does; the command may run anywhere below or beside it.
		SandboxCwd: cfg.Cwd,
		Env:        exec.BuildEnv(cfg.ShellEnvironmentPolicy, os.Environ()),
		Sandbox:    policy,
		SelfExe:    s.eng.SelfExe,
		Protect:    sandbox.CodexHomeProtection(s.eng.CodexHome),
	}
}

// runOneOff runs a one-off command and turns its result into the answer.
func runOneOff(ctx context.Context, params exec.Params) (protocol.ExecOneOffCommandResponse, error) {
	res, err := exec.Run(ctx, params, nil)
	if err != nil {
		return protocol.ExecOneOffCommandResponse{}, internalError("exec failed: %v", err)
	}
	if res.TimedOut {
		return protocol.ExecOneOffCommandResponse{}, internalError("%s", timedOutMessage)
	}
	return protocol.ExecOneOffCommandResponse{ExitCode: res.ExitCode, Stdout: res.Stdout, Stderr: res.Stderr}, nil
}
