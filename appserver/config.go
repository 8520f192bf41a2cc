package appserver

import (
	"context"
	"path/filepath"

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

// configPath returns the path of config.toml.
func (s *Server) configPath() string {
	return filepath.Join(s.eng.CodexHome, config.ConfigFileName)
}

// getUserSavedConfig answers the settings written in config.toml, without
// defaults, command-line overrides or the active profile applied.
func (s *Server) getUserSavedConfig(context.Context, rpcserver.None) (protocol.GetUserSavedConfigResponse, error) {
	saved, err := config.ReadSaved(s.eng.CodexHome)
	if err != nil {
		return protocol.GetUserSavedConfigResponse{}, internalError("failed to load config.toml: %v", err)
	}
	return protocol.GetUserSavedConfigResponse{Config: saved}, nil
}

// setDefaultModel writes the model and reasoning effort to config.toml: to
// the active profile's table when a profile is active, else at the top
// level. A value that is null or absent removes its key. The rest of the
// file is kept as it is.
func (s *Server) setDefaultModel(_ context.Context, p protocol.SetDefaultModelParams) (protocol.SetDefaultModelResponse, error) {
	cfg, err := s.eng.LoadConfig(config.Request{})
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
