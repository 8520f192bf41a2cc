package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/codex-go/codex/core/client"
	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/internal/frontend"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/sandbox"
)

// globalFlags are the flags every command accepts.
type globalFlags struct {
	configOverrides []string
	profile         string
	model           string
	sandbox         string
	approval        string
	cd              string
	addDirs         []string
	oss             bool
}

// ossDefaultModel is the model used with --oss when -m does not name one.
const ossDefaultModel = "gpt-oss:20b"

// register adds the flags to fs.
func (f *globalFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&f.configOverrides, "config", "c", nil,
		"override a configuration value: `key=value`, where key is a dotted path (e.g. model_providers.mock.base_url) "+
			"and value is parsed as TOML or JSON, else taken as a literal string (repeatable)")
	fs.StringVarP(&f.profile, "profile", "p", "", "use the configuration `profile` of that name from config.toml")
	fs.StringVarP(&f.model, "model", "m", "", "`model` to use")
	fs.StringVarP(&f.sandbox, "sandbox", "s", "", "sandbox `mode` for commands the model runs: read-only, workspace-write or danger-full-access")
	fs.StringVarP(&f.approval, "ask-for-approval", "a", "", "approval `policy`, when to ask before running a command: untrusted, on-failure, on-request or never")
	fs.StringVarP(&f.cd, "cd", "C", "", "use `dir` as the working directory of conversations")
	fs.StringArrayVar(&f.addDirs, "add-dir", nil, "make `dir` writable too under workspace-write (repeatable)")
	fs.BoolVar(&f.oss, "oss", false, "use a local model server (Ollama, provider \"oss\"); checks that it answers first")
}

// settings are the global flags, checked and converted.
type settings struct {
	// overrides are the -c overrides in command-line order.
	overrides []config.Override
	// typed holds the typed flags.
	typed config.Typed
}

// resolve checks the flags and converts them. Relative directories are made
// absolute against the current directory.
func (f *globalFlags) resolve() (settings, error) {
	var s settings
	for _, raw := range f.configOverrides {
		ov, err := config.ParseOverride(raw)
		if err != nil {
			return settings{}, fmt.Errorf("invalid -c/--config %q: %w", raw, err)
		}
		s.overrides = append(s.overrides, ov)
	}
	s.typed.Profile = f.profile
	s.typed.Model = f.model
	if f.sandbox != "" {
		mode, err := protocol.ParseSandboxMode(f.sandbox)
		if err != nil {
			return settings{}, fmt.Errorf("invalid -s/--sandbox: %w", err)
		}
		s.typed.SandboxMode = mode
	}
	if f.approval != "" {
		policy, err := protocol.ParseAskForApproval(f.approval)
		if err != nil {
			return settings{}, fmt.Errorf("invalid -a/--ask-for-approval: %w", err)
		}
		s.typed.ApprovalPolicy = policy
	}
	if f.cd != "" {
		dir, err := filepath.Abs(f.cd)
		if err != nil {
			return settings{}, fmt.Errorf("invalid -C/--cd %q: %w", f.cd, err)
		}
		info, err := os.Stat(dir)
		if err != nil {
			return settings{}, fmt.Errorf("invalid -C/--cd: %w", err)
		}
		if !info.IsDir() {
			return settings{}, fmt.Errorf("invalid -C/--cd: %s is not a directory", dir)
		}
		s.typed.Cwd = dir
	}
	for _, d := range f.addDirs {
		if d == "" {
			return settings{}, fmt.Errorf("invalid --add-dir: empty path")
		}
		dir, err := filepath.Abs(d)
		if err != nil {
			return settings{}, fmt.Errorf("invalid --add-dir %q: %w", d, err)
		}
		s.typed.AdditionalWritableRoots = append(s.typed.AdditionalWritableRoots, dir)
	}
	if f.oss {
		s.typed.ModelProvider = config.ProviderOSS
		if s.typed.Model == "" {
			s.typed.Model = ossDefaultModel
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := client.CheckOSS(ctx, client.OSSBaseURL(os.Getenv), nil); err != nil {
			return settings{}, failed(err)
		}
	}
	return s, nil
}

// engineSetup is what the commands that run conversations need: the
// resolved flags, CODEX_HOME and the path of this binary (the sandbox helper).
type engineSetup struct {
	settings
	home string
	self string
}

// resolveEngine resolves the flags (a usage error when they are wrong) and
// finds CODEX_HOME (a failure when it cannot be found).
func (f *globalFlags) resolveEngine() (engineSetup, error) {
	s, err := f.resolve()
	if err != nil {
		return engineSetup{}, err
	}
	home, err := config.FindCodexHome()
	if err != nil {
		return engineSetup{}, failed(err)
	}
	self, err := sandbox.SelfExecutable()
	if err != nil {
		self = ""
	}
	return engineSetup{settings: s, home: home, self: self}, nil
}

// serverOptions are the options of both stdio servers (appserver.Options
// and mcpserver.Options convert from them): the command line's settings,
// with warnings logged to stderr.
func (e engineSetup) serverOptions(stderr io.Writer) frontend.Options {
	return frontend.Options{
		CodexHome: e.home,
		Overrides: e.overrides,
		Typed:     e.typed,
		SelfExe:   e.self,
		Logger:    warningLogger(stderr),
	}
}

// warningLogger logs warnings and errors to w, for servers whose stdout
// carries their protocol.
func warningLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
