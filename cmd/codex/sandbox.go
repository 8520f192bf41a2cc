package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/sandbox"
)

// newSandboxCommand builds `codex sandbox` (also `codex debug`) and its
// subcommands, which run one command under the sandbox the model's commands
// get.
func newSandboxCommand(flags *globalFlags, std stdio) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "sandbox",
		Aliases: []string{"debug"},
		Short:   "Run a command under the sandbox used for the model's commands",
		Long: "sandbox runs one command under the same sandbox as the commands the model runs: read-only by default, " +
			"workspace-write (with the [sandbox_workspace_write] settings, the network closed) with --full-auto. " +
			"The working directory is the current directory, or the -C directory. The command's standard streams " +
			"and exit status pass through.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(
		newSandboxRunCommand(flags, std, sandboxBackend{
			name:        "linux",
			alias:       "landlock",
			short:       "Run a command under the Linux sandbox (Landlock and seccomp)",
			goos:        "linux",
			unavailable: "the Linux sandbox (Landlock and seccomp) is only available on Linux",
			logDenials:  true,
			logDenialsHelp: "before the command, list on standard error the protections the sandbox applied " +
				"and those this system lacks",
		}),
		newSandboxRunCommand(flags, std, sandboxBackend{
			name:        "macos",
			alias:       "seatbelt",
			short:       "Run a command under the macOS sandbox (Seatbelt)",
			goos:        "darwin",
			unavailable: "Seatbelt is only available on macOS",
			logDenials:  true,
			logDenialsHelp: "after the command, list the operations the sandbox refused to it and its children " +
				"(from the system log)",
		}),
	)
	return cmd
}

// sandboxBackend describes one subcommand of `codex sandbox`.
type sandboxBackend struct {
	name, alias, short string
	// goos is the only system the backend exists on.
	goos string
	// unavailable is the error text on other systems.
	unavailable string
	// logDenials offers --log-denials, described by logDenialsHelp.
	logDenials     bool
	logDenialsHelp string
}

// sandboxRunFlags are the flags of `codex sandbox linux|macos`.
type sandboxRunFlags struct {
	fullAuto   bool
	logDenials bool
}

// newSandboxRunCommand builds `codex sandbox <backend.name>`.
func newSandboxRunCommand(flags *globalFlags, std stdio, backend sandboxBackend) *cobra.Command {
	var local sandboxRunFlags
	use := backend.name + " [--full-auto] [--] COMMAND [ARG...]"
	if backend.logDenials {
		use = backend.name + " [--full-auto] [--log-denials] [--] COMMAND [ARG...]"
	}
	cmd := &cobra.Command{
		Use:     use,
		Aliases: []string{backend.alias},
		Short:   backend.short,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("no command given to run under the sandbox")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if flags.sandbox != "" {
				return errors.New("-s/--sandbox does not apply to codex sandbox: the policy is read-only, or workspace-write with --full-auto")
			}
			s, err := flags.resolve()
			if err != nil {
				return err
			}
			if runtime.GOOS != backend.goos {
				return failed(errors.New(backend.unavailable))
			}
			home, err := config.FindCodexHome()
			if err != nil {
				return failed(err)
			}
			policy, cwd, err := sandboxPolicy(config.LoadOptions{CodexHome: home, Overrides: s.overrides, Typed: s.typed}, local.fullAuto)
			if err != nil {
				return failed(err)
			}
			return runSandboxed(cmd, std, policy, cwd, home, args, local.logDenials)
		},
	}
	// Everything from the first argument that is not a flag belongs to the
	// command.
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().BoolVar(&local.fullAuto, "full-auto", false,
		"use workspace-write: the working directory, /tmp, $TMPDIR, --add-dir and configured roots are writable; the network stays closed")
	if backend.logDenials {
		cmd.Flags().BoolVar(&local.logDenials, "log-denials", false, backend.logDenialsHelp)
	}
	return cmd
}

// sandboxPolicy loads the configuration and returns the policy of `codex
// sandbox` with the directory it applies to: read-only, or with fullAuto
// workspace-write with the configured [sandbox_workspace_write] settings and
// extra roots but the network closed. A sandbox_mode from the file or the
// overrides is ignored.
func sandboxPolicy(opts config.LoadOptions, fullAuto bool) (protocol.SandboxPolicy, string, error) {
	opts.Typed.SandboxMode = protocol.SandboxReadOnly
	if fullAuto {
		opts.Typed.SandboxMode = protocol.SandboxWorkspaceWrite
	}
	cfg, err := config.Load(opts)
	if err != nil {
		return protocol.SandboxPolicy{}, "", err
	}
	policy := cfg.SandboxPolicy
	policy.NetworkAccess = false
	return policy, cfg.Cwd, nil
}

// runSandboxed runs argv under policy in cwd. The process becomes the
// sandboxed command (see sandbox.ExecSandboxed), so its streams, signals
// and exit status are the command's own; on Linux, logDenials lists the
// protections applied first. On macOS, with denial logging, the command
// runs as a child while the system log is followed.
func runSandboxed(cmd *cobra.Command, std stdio, policy protocol.SandboxPolicy, cwd, home string, argv []string, logDenials bool) error {
	env := sandbox.CommandEnv(os.Environ(), policy)
	prot := sandbox.CodexHomeProtection(home)
	if runtime.GOOS == "linux" {
		err := sandbox.ExecSandboxed(policy, cwd, argv, env, prot, logDenials)
		return &exitError{code: sandbox.HelperExitCode(err), err: err}
	}
	if !logDenials {
		err := sandbox.ExecSandboxed(policy, cwd, argv, env, prot, false)
		return &exitError{code: sandbox.HelperExitCode(err), err: err}
	}

	// sandbox-exec reports a missing command with a status of its own; look
	// it up first to fail as the Linux sandbox does.
	if _, err := sandbox.FindCommand(argv[0], cwd); err != nil {
		return &exitError{code: sandbox.HelperExitCode(err), err: err}
	}
	self, err := os.Executable()
	if err != nil {
		return failed(fmt.Errorf("locate the codex executable: %w", err))
	}
	wrapped, err := sandbox.Wrap(self, policy, cwd, argv, prot)
	if err != nil {
		return failed(err)
	}
	child := exec.Command(wrapped[0], wrapped[1:]...)
	child.Dir = cwd
	child.Env = env
	child.Stdin, child.Stdout, child.Stderr = std.in, std.out, std.err
	status, err := sandbox.RunLoggingDenials(cmd.Context(), child, std.err)
	if err != nil {
		return failed(err)
	}
	if status != 0 {
		return &exitError{code: status}
	}
	return nil
}
