package config

import (
	"os"
	"path/filepath"

	"github.com/codex-go/codex/protocol"
)

// ReadSaved returns the settings written in the config.toml of codexHome
// ("" means FindCodexHome's answer) as they are written: without defaults,
// overrides or the active profile applied. A missing file sets nothing; a
// file that Load would reject, such as one with an unknown enumerated
// value, is an error. The older spelling web_search_request of
// tools.web_search is reported as web_search when that is not set.
func ReadSaved(codexHome string) (protocol.UserSavedConfig, error) {
	home, err := codexHomeDir(codexHome, os.Getenv)
	if err != nil {
		return protocol.UserSavedConfig{}, err
	}
	path := filepath.Join(home, ConfigFileName)
	text, tree, err := readConfigFile(path)
	if err != nil {
		return protocol.UserSavedConfig{}, err
	}
	f, err := decodeFile(table{m: tree})
	if err != nil {
		l := &loader{path: path, text: text}
		return protocol.UserSavedConfig{}, l.explain(err)
	}
	return f.saved(), nil
}

// saved describes the settings of the top level of config.toml that
// getUserSavedConfig reports. Profiles is never nil and a present
// [sandbox_workspace_write] table reports its writable roots as a non-nil
// list.
func (f *fileSettings) saved() protocol.UserSavedConfig {
	out := protocol.UserSavedConfig{
		ApprovalPolicy:        f.approvalPolicy,
		SandboxMode:           f.sandboxMode,
		Model:                 f.model,
		ModelReasoningEffort:  f.reasoningEffort,
		ModelReasoningSummary: f.reasoningSummary,
		ModelVerbosity:        f.verbosity,
		Profile:               f.profile,
		Profiles:              make(map[string]protocol.ProfileSettings, len(f.profiles)),
	}
	if ww := f.workspaceWrite; ww != nil {
		roots := ww.writableRoots
		if roots == nil {
			roots = []string{}
		}
		out.SandboxSettings = &protocol.SandboxSettings{
			WritableRoots:       roots,
			NetworkAccess:       ww.networkAccess,
			ExcludeTmpdirEnvVar: ww.excludeTmpdirEnvVar,
			ExcludeSlashTmp:     ww.excludeSlashTmp,
		}
	}
	if tools := f.tools; tools != nil {
		web := tools.webSearch
		if web == nil {
			web = tools.webSearchRequest
		}
		out.Tools = &protocol.ToolsSettings{WebSearch: web, ViewImage: tools.viewImage}
	}
	for name, p := range f.profiles {
		ps := p.settings
		out.Profiles[name] = protocol.ProfileSettings{
			Model:                 ps.model,
			ModelProvider:         ps.modelProvider,
			ApprovalPolicy:        ps.approvalPolicy,
			ModelReasoningEffort:  ps.reasoningEffort,
			ModelReasoningSummary: ps.reasoningSummary,
			ModelVerbosity:        ps.verbosity,
			ChatGPTBaseURL:        ps.chatGPTBaseURL,
		}
	}
	return out
}
