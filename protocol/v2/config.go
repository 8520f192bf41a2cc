package v2

import (
	"encoding/json"
	"fmt"
)

// Client requests of the settings group.
const (
	// MethodConfigRead answers the effective configuration and where each
	// value comes from.
	MethodConfigRead = "config/read"
	// MethodConfigValueWrite writes one value of the user's config.toml.
	MethodConfigValueWrite = "config/value/write"
	// MethodConfigBatchWrite writes several values of config.toml at once.
	MethodConfigBatchWrite = "config/batchWrite"
	// MethodConfigRequirementsRead answers the managed requirements.
	MethodConfigRequirementsRead = "configRequirements/read"
	// MethodExperimentalFeatureList lists the feature switches.
	MethodExperimentalFeatureList = "experimentalFeature/list"
	// MethodExperimentalFeatureEnablementSet turns feature switches on or
	// off.
	MethodExperimentalFeatureEnablementSet = "experimentalFeature/enablement/set"
)

// NotificationConfigWarning reports a problem of the configuration that
// did not stop it from loading.
const NotificationConfigWarning = "configWarning"

// ConfigReadParams are the params of config/read.
type ConfigReadParams struct {
	// IncludeLayers asks for the layers the configuration is made of.
	IncludeLayers bool `json:"includeLayers,omitempty"`
	// Cwd is the directory whose project configuration to include.
	Cwd *string `json:"cwd,omitempty"`
}

// ConfigReadResponse is the result of config/read.
type ConfigReadResponse struct {
	// Config is the effective configuration, config.toml's keys and values
	// as JSON.
	Config map[string]any `json:"config"`
	// Origins tells, for the dotted key of every value of Config that is
	// not a table, the layer it comes from.
	Origins map[string]ConfigLayerMetadata `json:"origins"`
	// Layers are the layers, highest precedence first, when asked for.
	Layers []ConfigLayer `json:"layers,omitempty"`
}

// Types of ConfigLayerSource.
const (
	// LayerSourceUser is the user's config.toml (or a profile in it).
	LayerSourceUser = "user"
	// LayerSourceSessionFlags are the -c overrides of the command line.
	LayerSourceSessionFlags = "sessionFlags"
)

// ConfigLayerSource names a configuration layer.
type ConfigLayerSource struct {
	// Type is LayerSourceUser or LayerSourceSessionFlags.
	Type string `json:"type"`
	// File is the config file of a user layer.
	File string `json:"file,omitempty"`
	// Profile is the profile a user layer stands for, null for the file's
	// top level. Only user layers have the member.
	Profile *string `json:"profile,omitempty"`
}

// MarshalJSON writes the members of the layer's type: a user layer always
// has file and profile (null when none).
func (s ConfigLayerSource) MarshalJSON() ([]byte, error) {
	if s.Type != LayerSourceUser {
		return json.Marshal(struct {
			Type string `json:"type"`
		}{s.Type})
	}
	return json.Marshal(struct {
		Type    string  `json:"type"`
		File    string  `json:"file"`
		Profile *string `json:"profile"`
	}{s.Type, s.File, s.Profile})
}

// ConfigLayerMetadata names a layer and its version.
type ConfigLayerMetadata struct {
	// Name is the layer's source.
	Name ConfigLayerSource `json:"name"`
	// Version identifies the content of the layer ("sha256:...").
	Version string `json:"version"`
}

// ConfigLayer is one layer of config/read's answer.
type ConfigLayer struct {
	// Name is the layer's source.
	Name ConfigLayerSource `json:"name"`
	// Version identifies the content of the layer.
	Version string `json:"version"`
	// Config holds the layer's keys and values.
	Config map[string]any `json:"config"`
	// DisabledReason says why a layer is not used.
	DisabledReason *string `json:"disabledReason,omitempty"`
}

// MergeStrategy says how a written value combines with the one there.
type MergeStrategy string

// Merge strategies.
const (
	// MergeReplace replaces the value.
	MergeReplace MergeStrategy = "replace"
	// MergeUpsert merges a table value into the table there, key by key.
	MergeUpsert MergeStrategy = "upsert"
)

// UnmarshalJSON accepts the known strategies only.
func (m *MergeStrategy) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	switch MergeStrategy(s) {
	case MergeReplace, MergeUpsert:
		*m = MergeStrategy(s)
		return nil
	}
	return fmt.Errorf("unknown mergeStrategy %q, expected \"replace\" or \"upsert\"", s)
}

// ConfigEdit is one change of config/batchWrite.
type ConfigEdit struct {
	// KeyPath is the dotted key, e.g. "sandbox_workspace_write.network_access".
	KeyPath string `json:"keyPath"`
	// Value is the new value (null removes the key).
	Value json.RawMessage `json:"value"`
	// MergeStrategy is how the value combines with the one there.
	MergeStrategy MergeStrategy `json:"mergeStrategy"`
}

// ConfigValueWriteParams are the params of config/value/write.
type ConfigValueWriteParams struct {
	// KeyPath is the dotted key.
	KeyPath string `json:"keyPath"`
	// Value is the new value (null removes the key).
	Value json.RawMessage `json:"value"`
	// MergeStrategy is how the value combines with the one there.
	MergeStrategy MergeStrategy `json:"mergeStrategy"`
	// ExpectedVersion, when set, must be the file's current version.
	ExpectedVersion *string `json:"expectedVersion,omitempty"`
	// FilePath is the file to write; the user's config.toml when omitted.
	FilePath *string `json:"filePath,omitempty"`
}

// ConfigBatchWriteParams are the params of config/batchWrite.
type ConfigBatchWriteParams struct {
	// Edits are applied in order, all or none.
	Edits []ConfigEdit `json:"edits"`
	// ExpectedVersion, when set, must be the file's current version.
	ExpectedVersion *string `json:"expectedVersion,omitempty"`
	// FilePath is the file to write; the user's config.toml when omitted.
	FilePath *string `json:"filePath,omitempty"`
	// ReloadUserConfig asks loaded threads to take the new settings.
	ReloadUserConfig bool `json:"reloadUserConfig,omitempty"`
}

// Write statuses.
const (
	// WriteStatusOk means the value written is the effective one.
	WriteStatusOk = "ok"
	// WriteStatusOkOverridden means it was written but a layer of higher
	// precedence sets another value.
	WriteStatusOkOverridden = "okOverridden"
)

// ConfigWriteResponse is the result of config/value/write and
// config/batchWrite.
type ConfigWriteResponse struct {
	// Status is WriteStatusOk or WriteStatusOkOverridden.
	Status string `json:"status"`
	// Version is the file's version after the write.
	Version string `json:"version"`
	// FilePath is the file written.
	FilePath string `json:"filePath"`
	// OverriddenMetadata says what overrides the value, for okOverridden.
	OverriddenMetadata *OverriddenMetadata `json:"overriddenMetadata"`
}

// OverriddenMetadata describes the layer overriding a written value.
type OverriddenMetadata struct {
	// Message says so in words.
	Message string `json:"message"`
	// OverridingLayer is the layer whose value wins.
	OverridingLayer ConfigLayerMetadata `json:"overridingLayer"`
	// EffectiveValue is the value that wins.
	EffectiveValue any `json:"effectiveValue"`
}

// Error codes of config writes, in the data of a -32600 error as
// config_write_error_code.
const (
	// ConfigWriteErrorValidation is a key path or value that is not valid.
	ConfigWriteErrorValidation = "configValidationError"
	// ConfigWriteErrorVersionConflict is an expectedVersion that is not the
	// file's.
	ConfigWriteErrorVersionConflict = "configVersionConflict"
	// ConfigWriteErrorLayerReadonly is a file that may not be written.
	ConfigWriteErrorLayerReadonly = "configLayerReadonly"
)

// ConfigWriteErrorData is the data of a config write error.
type ConfigWriteErrorData struct {
	// Code is one of the ConfigWriteError constants.
	Code string `json:"config_write_error_code"`
}

// ConfigRequirementsReadResponse is the result of configRequirements/read.
type ConfigRequirementsReadResponse struct {
	// Requirements are the managed requirements; null when none are
	// configured.
	Requirements *ConfigRequirements `json:"requirements"`
	// SupportsIndependentSpeedModes tells whether speed requirements are
	// enforced one by one.
	SupportsIndependentSpeedModes *bool `json:"supportsIndependentSpeedModes"`
}

// ConfigRequirements are limits an administrator puts on the settings.
type ConfigRequirements struct {
	// AllowedApprovalPolicies are the approval policies that may be used.
	AllowedApprovalPolicies []string `json:"allowedApprovalPolicies,omitempty"`
	// AllowedSandboxModes are the sandbox modes that may be used.
	AllowedSandboxModes []string `json:"allowedSandboxModes,omitempty"`
}

// TextPosition is a place in a text file.
type TextPosition struct {
	// Line is 1-based.
	Line int `json:"line"`
	// Column is 1-based, in Unicode scalar values.
	Column int `json:"column"`
}

// TextRange is a span of a text file.
type TextRange struct {
	// Start is the first position.
	Start TextPosition `json:"start"`
	// End is the position after the last.
	End TextPosition `json:"end"`
}

// ConfigWarningNotification is the params of configWarning.
type ConfigWarningNotification struct {
	// Summary says what is wrong.
	Summary string `json:"summary"`
	// Details gives guidance.
	Details *string `json:"details"`
	// Path is the config file concerned.
	Path *string `json:"path,omitempty"`
	// Range is where in the file.
	Range *TextRange `json:"range,omitempty"`
}

// ExperimentalFeatureListParams are the params of experimentalFeature/list.
type ExperimentalFeatureListParams struct {
	// Cursor continues a previous listing.
	Cursor *string `json:"cursor,omitempty"`
	// Limit is the page size.
	Limit *uint32 `json:"limit,omitempty"`
	// ThreadID asks for the settings of a loaded thread.
	ThreadID *string `json:"threadId,omitempty"`
}

// ExperimentalFeatureListResponse is the result of experimentalFeature/list.
type ExperimentalFeatureListResponse struct {
	// Data are the features of the page.
	Data []ExperimentalFeature `json:"data"`
	// NextCursor continues the listing; null after the last page.
	NextCursor *string `json:"nextCursor"`
}

// Stages of an ExperimentalFeature.
const (
	// FeatureStageBeta is a feature open for trying out.
	FeatureStageBeta = "beta"
	// FeatureStageUnderDevelopment is a feature not ready for use.
	FeatureStageUnderDevelopment = "underDevelopment"
	// FeatureStageStable is a finished feature.
	FeatureStageStable = "stable"
	// FeatureStageDeprecated is a feature to avoid.
	FeatureStageDeprecated = "deprecated"
	// FeatureStageRemoved is a switch kept for old files.
	FeatureStageRemoved = "removed"
)

// ExperimentalFeature is one feature switch.
type ExperimentalFeature struct {
	// Name is the key in [features].
	Name string `json:"name"`
	// Stage is one of the FeatureStage constants.
	Stage string `json:"stage"`
	// DisplayName is shown to users; null unless in beta.
	DisplayName *string `json:"displayName"`
	// Description says what the feature does; null unless in beta.
	Description *string `json:"description"`
	// Announcement is shown when the feature is introduced; null unless
	// in beta.
	Announcement *string `json:"announcement"`
	// Enabled tells whether the feature is on in the loaded configuration.
	Enabled bool `json:"enabled"`
	// DefaultEnabled tells whether it is on by default.
	DefaultEnabled bool `json:"defaultEnabled"`
}

// ExperimentalFeatureEnablementSetParams are the params of
// experimentalFeature/enablement/set.
type ExperimentalFeatureEnablementSetParams struct {
	// Enablement turns features on (true) or off (false) by name.
	Enablement map[string]bool `json:"enablement"`
}

// ExperimentalFeatureEnablementSetResponse is the result of
// experimentalFeature/enablement/set.
type ExperimentalFeatureEnablementSetResponse struct {
	// Enablement are the entries that were set.
	Enablement map[string]bool `json:"enablement"`
}
