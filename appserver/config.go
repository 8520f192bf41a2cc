package appserver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/configedit"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/protocol"
)

// Keys of config.toml written by setDefaultModel.
const (
	modelKey           = "model"
	reasoningEffortKey = "model_reasoning_effort"
	profilesKey        = "profiles"
)

// savedConfigFile is the raw form of the config.toml keys that
// getUserSavedConfig reports; other keys are ignored.
type savedConfigFile struct {
	ApprovalPolicy        *protocol.AskForApproval    `toml:"approval_policy"`
	SandboxMode           *protocol.SandboxMode       `toml:"sandbox_mode"`
	SandboxWorkspaceWrite *savedSandboxFile           `toml:"sandbox_workspace_write"`
	Model                 *string                     `toml:"model"`
	ModelReasoningEffort  *protocol.ReasoningEffort   `toml:"model_reasoning_effort"`
	ModelReasoningSummary *protocol.ReasoningSummary  `toml:"model_reasoning_summary"`
	ModelVerbosity        *protocol.Verbosity         `toml:"model_verbosity"`
	Tools                 *savedToolsFile             `toml:"tools"`
	Profile               *string                     `toml:"profile"`
	Profiles              map[string]savedProfileFile `toml:"profiles"`
}

// savedSandboxFile is the raw [sandbox_workspace_write] table.
type savedSandboxFile struct {
	WritableRoots       []string `toml:"writable_roots"`
	NetworkAccess       bool     `toml:"network_access"`
	ExcludeTmpdirEnvVar bool     `toml:"exclude_tmpdir_env_var"`
	ExcludeSlashTmp     bool     `toml:"exclude_slash_tmp"`
}

// savedToolsFile is the raw [tools] table; web_search_request is the older
// name of web_search.
type savedToolsFile struct {
	WebSearch        *bool `toml:"web_search"`
	WebSearchRequest *bool `toml:"web_search_request"`
	ViewImage        *bool `toml:"view_image"`
}

// savedProfileFile is a raw [profiles.NAME] table.
type savedProfileFile struct {
	Model                 *string                    `toml:"model"`
	ModelProvider         *string                    `toml:"model_provider"`
	ApprovalPolicy        *protocol.AskForApproval   `toml:"approval_policy"`
	ModelReasoningEffort  *protocol.ReasoningEffort  `toml:"model_reasoning_effort"`
	ModelReasoningSummary *protocol.ReasoningSummary `toml:"model_reasoning_summary"`
	ModelVerbosity        *protocol.Verbosity        `toml:"model_verbosity"`
	ChatGPTBaseURL        *string                    `toml:"chatgpt_base_url"`
}

// configPath returns the path of config.toml.
func (s *Server) configPath() string {
	return filepath.Join(s.opts.CodexHome, config.ConfigFileName)
}

// getUserSavedConfig answers the settings written in config.toml, without
// defaults, command-line overrides or the active profile applied.
func (s *Server) getUserSavedConfig(context.Context, rpcserver.None) (protocol.GetUserSavedConfigResponse, error) {
	saved, err := readSavedConfig(s.configPath())
	if err != nil {
		return protocol.GetUserSavedConfigResponse{}, internalError("failed to load config.toml: %v", err)
	}
	return protocol.GetUserSavedConfigResponse{Config: saved}, nil
}

// readSavedConfig reads the reported settings from the file at path; a
// missing file sets none.
func readSavedConfig(path string) (protocol.UserSavedConfig, error) {
	out := protocol.UserSavedConfig{Profiles: map[string]protocol.ProfileSettings{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	var raw savedConfigFile
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return out, err
	}
	if err := raw.validate(); err != nil {
		return out, err
	}
	out.ApprovalPolicy = raw.ApprovalPolicy
	out.SandboxMode = raw.SandboxMode
	if sb := raw.SandboxWorkspaceWrite; sb != nil {
		roots := sb.WritableRoots
		if roots == nil {
			roots = []string{}
		}
		out.SandboxSettings = &protocol.SandboxSettings{
			WritableRoots:       roots,
			NetworkAccess:       sb.NetworkAccess,
			ExcludeTmpdirEnvVar: sb.ExcludeTmpdirEnvVar,
			ExcludeSlashTmp:     sb.ExcludeSlashTmp,
		}
	}
	out.Model = raw.Model
	out.ModelReasoningEffort = raw.ModelReasoningEffort
	out.ModelReasoningSummary = raw.ModelReasoningSummary
	out.ModelVerbosity = raw.ModelVerbosity
	if t := raw.Tools; t != nil {
		web := t.WebSearch
		if web == nil {
			web = t.WebSearchRequest
		}
		out.Tools = &protocol.ToolsSettings{WebSearch: web, ViewImage: t.ViewImage}
	}
	out.Profile = raw.Profile
	for name, p := range raw.Profiles {
		out.Profiles[name] = protocol.ProfileSettings(p)
	}
	return out, nil
}

// validate rejects enumerated settings with values outside their sets.
func (f *savedConfigFile) validate() error {
	var errs []error
	checkEnum(&errs, "approval_policy", f.ApprovalPolicy)
	checkEnum(&errs, "sandbox_mode", f.SandboxMode)
	checkEnum(&errs, "model_reasoning_effort", f.ModelReasoningEffort)
	checkEnum(&errs, "model_reasoning_summary", f.ModelReasoningSummary)
	checkEnum(&errs, "model_verbosity", f.ModelVerbosity)
	for name, p := range f.Profiles {
		prefix := profilesKey + "." + name + "."
		checkEnum(&errs, prefix+"approval_policy", p.ApprovalPolicy)
		checkEnum(&errs, prefix+"model_reasoning_effort", p.ModelReasoningEffort)
		checkEnum(&errs, prefix+"model_reasoning_summary", p.ModelReasoningSummary)
		checkEnum(&errs, prefix+"model_verbosity", p.ModelVerbosity)
	}
	return errors.Join(errs...)
}

// enumValue is a string setting with a fixed set of values.
type enumValue interface {
	~string
	Valid() bool
}

// checkEnum appends an error to errs when v is set to an unknown value.
func checkEnum[T enumValue](errs *[]error, key string, v *T) {
	if v != nil && !(*v).Valid() {
		*errs = append(*errs, fmt.Errorf("%s: unknown value %q", key, string(*v)))
	}
}

// setDefaultModel writes the model and reasoning effort to config.toml: to
// the active profile's table when a profile is active, else at the top
// level. A value that is null or absent removes its key. The rest of the
// file is kept as it is.
func (s *Server) setDefaultModel(_ context.Context, p protocol.SetDefaultModelParams) (protocol.SetDefaultModelResponse, error) {
	cfg, err := s.loadConfig(protocol.NewConversationParams{})
	if err != nil {
		return protocol.SetDefaultModelResponse{}, internalError("error loading config: %v", err)
	}
	var table []string
	if cfg.Profile != "" {
		table = []string{profilesKey, cfg.Profile}
	}
	settings := []configedit.StringSetting{{Key: modelKey, Value: p.Model}, {Key: reasoningEffortKey}}
	if p.ReasoningEffort != nil {
		effort := string(*p.ReasoningEffort)
		settings[1].Value = &effort
	}
	if err := configedit.WriteStringSettings(s.configPath(), table, settings); err != nil {
		return protocol.SetDefaultModelResponse{}, internalError("failed to persist the default model: %v", err)
	}
	return protocol.SetDefaultModelResponse{}, nil
}
