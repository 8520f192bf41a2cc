package config

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
)

// featuresKey is the table of config.toml holding feature switches.
const featuresKey = "features"

// Stages of a Feature.
const (
	// StageBeta is a feature open for trying out, shown to users.
	StageBeta = "beta"
	// StageUnderDevelopment is a feature not ready for use.
	StageUnderDevelopment = "underDevelopment"
	// StageStable is a finished feature.
	StageStable = "stable"
	// StageDeprecated is a feature on its way out.
	StageDeprecated = "deprecated"
	// StageRemoved is a switch kept only so that old files still load.
	StageRemoved = "removed"
)

// Feature is one entry of the feature catalog: a switch of the [features]
// table of config.toml.
type Feature struct {
	// Name is the key in [features].
	Name string `json:"name"`
	// Stage is one of the Stage constants.
	Stage string `json:"stage"`
	// DefaultEnabled is the setting when config.toml says nothing.
	DefaultEnabled bool `json:"defaultEnabled"`
	// DisplayName is the name shown to users ("" unless in beta).
	DisplayName string `json:"displayName,omitempty"`
	// Summary says what the feature does.
	Summary string `json:"summary"`
	// Announcement is shown when a beta feature is introduced.
	Announcement string `json:"announcement,omitempty"`
}

//go:embed features.json
var featuresJSON []byte

// Features returns the catalog of the features this engine has, in a fixed
// order. The catalog is the data file features.json.
func Features() []Feature {
	var fs []Feature
	if err := json.Unmarshal(featuresJSON, &fs); err != nil {
		panic(fmt.Sprintf("config: features.json: %v", err))
	}
	return fs
}

// FeatureByName returns the catalog entry of name.
func FeatureByName(name string) (Feature, bool) {
	fs := Features()
	i := slices.IndexFunc(fs, func(f Feature) bool { return f.Name == name })
	if i < 0 {
		return Feature{}, false
	}
	return fs[i], true
}

// FeatureEnabled reports whether the feature name is on in cfg: what
// [features] says, else the older key of the same switch, else the
// default. Unknown names are off.
func (c *Config) FeatureEnabled(name string) bool {
	switch name {
	case "apply_patch_tool":
		return c.IncludeApplyPatchTool
	case "plan_tool":
		return c.IncludePlanTool
	case "view_image":
		return c.Tools.ViewImage
	case "web_search":
		return c.Tools.WebSearch
	}
	return false
}

// applyFeatures sets the switches a [features] table names; they take
// precedence over the older keys of the same switches.
func applyFeatures(c *Config, features map[string]bool) {
	for name, on := range features {
		switch name {
		case "apply_patch_tool":
			c.IncludeApplyPatchTool = on
		case "plan_tool":
			c.IncludePlanTool = on
		case "view_image":
			c.Tools.ViewImage = on
		case "web_search":
			c.Tools.WebSearch = on
		}
	}
}

// decodeFeatures reads the [features] table: booleans by feature name.
// Names not in the catalog are kept (and reported by CheckKeys).
func decodeFeatures(t table) (map[string]bool, error) {
	sub, ok, err := t.sub(featuresKey)
	if err != nil || !ok {
		return nil, err
	}
	out := make(map[string]bool, len(sub.m))
	for name, v := range sub.m {
		on, ok := v.(bool)
		if !ok {
			return nil, sub.expected(name, "a boolean", v)
		}
		out[name] = on
	}
	return out, nil
}
