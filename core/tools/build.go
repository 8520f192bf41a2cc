package tools

import (
	"encoding/json"
	"strings"
)

// Settings choose the tools of a conversation.
type Settings struct {
	// Model is the model slug; some models are offered model-specific tools.
	Model string
	// IncludePlanTool offers update_plan.
	IncludePlanTool bool
	// IncludeApplyPatchTool offers apply_patch.
	IncludeApplyPatchTool bool
	// ViewImage offers view_image.
	ViewImage bool
	// WebSearch offers the provider's web_search tool.
	WebSearch bool
}

// Build returns the router of a conversation: shell always, the optional
// tools as settings say. A call of a tool that is not offered is answered
// as unsupported.
func Build(s Settings, env ExecEnv) *Router {
	r := NewRouter()
	ph := &patchHandler{env: env}
	sh := &shellHandler{env: env, patch: ph}
	if usesLocalShell(s.Model) {
		r.Register("local_shell", json.RawMessage(localShellSpec), sh)
		r.Register("shell", nil, sh)
	} else {
		r.Register("shell", json.RawMessage(shellSpec), sh)
		r.Register("local_shell", nil, sh)
	}
	if s.IncludePlanTool {
		r.Register("update_plan", json.RawMessage(updatePlanSpec), planHandler{})
	}
	withPatch := s.IncludeApplyPatchTool || strings.HasPrefix(s.Model, "gpt-5-codex") || strings.HasPrefix(s.Model, "codex-")
	switch {
	case withPatch && supportsFreeform(s.Model):
		r.Register("apply_patch", json.RawMessage(applyPatchFreeformSpec), ph)
		sh.textOutput = true
	case withPatch:
		r.Register("apply_patch", json.RawMessage(applyPatchFunctionSpec), ph)
	default:
		// A call of apply_patch when it was not offered is answered as an
		// unsupported call, without asking or writing, as codex-cli 0.45.0
		// answers it. A patch sent through the shell is still applied.
	}
	if s.WebSearch {
		r.specs = append(r.specs, json.RawMessage(`{"type":"web_search"}`))
	}
	if s.ViewImage {
		r.Register("view_image", json.RawMessage(viewImageSpec), viewImageHandler{})
	}
	return r
}

// usesLocalShell reports whether a model was trained on the built-in local_shell tool.
func usesLocalShell(model string) bool {
	return strings.HasPrefix(model, "codex-mini")
}

// supportsFreeform reports whether a model accepts free-form (grammar) tools.
func supportsFreeform(model string) bool {
	return strings.HasPrefix(model, "gpt-5")
}
