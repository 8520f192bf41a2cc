package config

import (
	"slices"

	"github.com/codex-go/codex/protocol"
)

// Request holds the settings one request may carry: a newConversation, the
// overrides of a resumeConversation, or the arguments of a codex MCP tool
// call. Nil fields are not set.
type Request struct {
	// Model replaces the model.
	Model *string
	// Profile selects the active profile.
	Profile *string
	// Cwd is the working directory; a relative path is resolved against the
	// process's working directory.
	Cwd *string
	// ApprovalPolicy replaces the approval policy.
	ApprovalPolicy *protocol.AskForApproval
	// Sandbox replaces the sandbox mode.
	Sandbox *protocol.SandboxMode
	// BaseInstructions replace the built-in instructions.
	BaseInstructions *string
	// DeveloperInstructions replace developer_instructions.
	DeveloperInstructions *string
	// Ephemeral asks for a conversation that is not recorded on disk.
	Ephemeral *bool
	// Originator names the client that starts the conversation, for its
	// rollout.
	Originator *string
	// IncludePlanTool replaces include_plan_tool.
	IncludePlanTool *bool
	// IncludeApplyPatchTool replaces include_apply_patch_tool.
	IncludeApplyPatchTool *bool
	// Config holds settings by dotted path, as decoded from a JSON object.
	Config map[string]any
}

// Resolve loads the configuration of one request. base holds what the front
// end was started with (the command line's -c overrides and typed flags);
// req holds what the request says. The request's Config entries are
// applied after base.Overrides, and each typed field req sets replaces the
// same setting of base.Typed, so that the precedence is, lowest first:
// defaults, config.toml, the active profile, -c overrides, the request's
// Config, and typed settings.
func Resolve(base LoadOptions, req Request) (*Config, error) {
	fromRequest, err := OverridesFromJSON(req.Config)
	if err != nil {
		return nil, err
	}
	opts := base
	opts.Overrides = slices.Concat(base.Overrides, fromRequest)
	t := &opts.Typed
	setFrom(&t.Model, req.Model)
	setFrom(&t.Profile, req.Profile)
	setFrom(&t.Cwd, req.Cwd)
	setFrom(&t.ApprovalPolicy, req.ApprovalPolicy)
	setFrom(&t.SandboxMode, req.Sandbox)
	setFrom(&t.BaseInstructions, req.BaseInstructions)
	setFrom(&t.DeveloperInstructions, req.DeveloperInstructions)
	setFrom(&t.Ephemeral, req.Ephemeral)
	setFrom(&t.Originator, req.Originator)
	if req.IncludePlanTool != nil {
		t.IncludePlanTool = req.IncludePlanTool
	}
	if req.IncludeApplyPatchTool != nil {
		t.IncludeApplyPatchTool = req.IncludeApplyPatchTool
	}
	return Load(opts)
}
