package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

// resolveFile has a top level, an active profile and a second profile.
const resolveFile = `model = "file-model"
model_reasoning_effort = "low"
model_verbosity = "high"
include_plan_tool = true
profile = "fast"

[profiles.fast]
model = "fast-model"
approval_policy = "on-failure"

[profiles.safe]
model = "safe-model"
approval_policy = "untrusted"
sandbox_mode = "workspace-write"
`

func TestResolvePrecedence(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		flags []string
		typed Typed
		req   Request
		check func(t *testing.T, c *Config)
	}{
		{
			name: "no request: file, profile and flags",
			flags: []string{
				`model_verbosity="low"`,
			},
			typed: Typed{SandboxMode: protocol.SandboxWorkspaceWrite, AdditionalWritableRoots: []string{dir}},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "fast", c.Profile)
				assert.Equal(t, "fast-model", c.Model, "the profile beats the top level")
				assert.Equal(t, protocol.ApprovalOnFailure, c.ApprovalPolicy)
				assert.Equal(t, protocol.EffortLow, c.ModelReasoningEffort)
				assert.Equal(t, protocol.VerbosityLow, c.ModelVerbosity, "-c beats the file")
				assert.Equal(t, protocol.SandboxWorkspaceWrite, c.SandboxPolicy.Mode)
				assert.Contains(t, c.SandboxPolicy.WritableRoots, dir, "--add-dir applies")
			},
		},
		{
			name:  "request config map beats -c",
			flags: []string{`model_reasoning_effort="medium"`, `model_verbosity="low"`},
			req:   Request{Config: map[string]any{"model_reasoning_effort": "high"}},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, protocol.EffortHigh, c.ModelReasoningEffort)
				assert.Equal(t, protocol.VerbosityLow, c.ModelVerbosity, "-c still applies")
			},
		},
		{
			name: "request config map beats the profile",
			req:  Request{Config: map[string]any{"model": "map-model", "tools": map[string]any{"web_search": true}}},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "map-model", c.Model)
				assert.Equal(t, Tools{WebSearch: true, ViewImage: true}, c.Tools)
			},
		},
		{
			name: "request config map selects the profile",
			req:  Request{Config: map[string]any{"profile": "safe"}},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "safe", c.Profile)
				assert.Equal(t, "safe-model", c.Model)
			},
		},
		{
			name:  "typed request field beats the typed flag",
			typed: Typed{Model: "flag-model", ApprovalPolicy: protocol.ApprovalNever, SandboxMode: protocol.SandboxReadOnly},
			req: Request{
				Model:          ptr("request-model"),
				ApprovalPolicy: ptr(protocol.ApprovalOnRequest),
				Sandbox:        ptr(protocol.SandboxDangerFullAccess),
			},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "request-model", c.Model)
				assert.Equal(t, protocol.ApprovalOnRequest, c.ApprovalPolicy)
				assert.Equal(t, protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}, c.SandboxPolicy)
			},
		},
		{
			name:  "typed flags the request leaves alone stay",
			typed: Typed{Model: "flag-model", BaseInstructions: "flag text", IncludeApplyPatchTool: ptr(true)},
			req:   Request{ApprovalPolicy: ptr(protocol.ApprovalNever)},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "flag-model", c.Model)
				assert.Equal(t, "flag text", c.BaseInstructions)
				assert.True(t, c.IncludeApplyPatchTool)
				assert.Equal(t, protocol.ApprovalNever, c.ApprovalPolicy)
			},
		},
		{
			name:  "typed request field beats the request config map and -c",
			flags: []string{`model="flag-map-model"`},
			req:   Request{Model: ptr("request-model"), Config: map[string]any{"model": "map-model"}},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "request-model", c.Model)
			},
		},
		{
			name:  "profile from the request beats the file and the flag",
			typed: Typed{Profile: "fast"},
			req:   Request{Profile: ptr("safe")},
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "safe", c.Profile)
				assert.Equal(t, "safe-model", c.Model)
				assert.Equal(t, protocol.ApprovalUntrusted, c.ApprovalPolicy)
				assert.Equal(t, protocol.SandboxWorkspaceWrite, c.SandboxPolicy.Mode)
			},
		},
		{
			name:  "tool switches, instructions and cwd from the request",
			typed: Typed{IncludeApplyPatchTool: ptr(true), BaseInstructions: "flag text", Cwd: "/"},
			req: Request{
				IncludePlanTool:       ptr(false),
				IncludeApplyPatchTool: ptr(false),
				BaseInstructions:      ptr("request text"),
				Cwd:                   ptr(dir),
			},
			check: func(t *testing.T, c *Config) {
				assert.False(t, c.IncludePlanTool, "the request beats the file")
				assert.False(t, c.IncludeApplyPatchTool, "the request beats the flag")
				assert.Equal(t, "request text", c.BaseInstructions)
				assert.Equal(t, dir, c.Cwd)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := LoadOptions{
				CodexHome: writeHome(t, resolveFile),
				Overrides: mustOverrides(t, tt.flags...),
				Typed:     tt.typed,
				Getenv:    env(nil),
			}
			cfg, err := Resolve(base, tt.req)
			require.NoError(t, err)
			tt.check(t, cfg)
		})
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{"unknown profile", Request{Profile: ptr("missing")}, `config profile "missing" not found`},
		{"null in the config map", Request{Config: map[string]any{"model": nil}}, `config key "model"`},
		{"bad value in the config map", Request{Config: map[string]any{"model_verbosity": "loud"}}, `config override "model_verbosity"`},
		{"unknown approval policy", Request{ApprovalPolicy: ptr(protocol.AskForApproval("sometimes"))}, "approval policy"},
		{"unknown sandbox mode", Request{Sandbox: ptr(protocol.SandboxMode("open"))}, "sandbox mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(LoadOptions{CodexHome: writeHome(t, resolveFile), Getenv: env(nil)}, tt.req)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestResolveLeavesBaseAlone(t *testing.T) {
	flags := make([]Override, 0, 4)
	flags = append(flags, mustOverrides(t, `model="flag-model"`)...)
	base := LoadOptions{
		CodexHome: writeHome(t, ""),
		Overrides: flags,
		Typed:     Typed{Cwd: t.TempDir()},
		Getenv:    env(nil),
	}
	cfg, err := Resolve(base, Request{Model: ptr("a"), Config: map[string]any{"model_verbosity": "low"}})
	require.NoError(t, err)
	assert.Equal(t, "a", cfg.Model)

	cfg, err = Resolve(base, Request{})
	require.NoError(t, err)
	assert.Equal(t, "flag-model", cfg.Model)
	assert.Empty(t, cfg.ModelVerbosity, "an earlier request's config map does not stay")
	assert.Len(t, base.Overrides, 1)
}
