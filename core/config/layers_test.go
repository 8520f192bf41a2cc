package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadLayers(t *testing.T) {
	home := writeHome(t, "model = \"a\"\nprofile = \"p\"\n[tools]\nview_image = false\n[profiles.p]\nmodel = \"b\"\n[profiles.p.tools]\nweb_search = true\n")
	ls, err := ReadLayers(LoadOptions{CodexHome: home, Overrides: []Override{{Path: "model_verbosity", Value: "low"}}})
	require.NoError(t, err)
	require.Len(t, ls.Layers, 3)
	assert.Equal(t, LayerSessionFlags, ls.Layers[0].Kind)
	assert.Equal(t, "p", ls.Layers[1].Profile)
	assert.Equal(t, "", ls.Layers[2].Profile)
	assert.Equal(t, ls.Version, ls.Layers[1].Version)
	assert.Equal(t, "b", ls.Effective["model"])
	assert.Equal(t, map[string]any{"view_image": false, "web_search": true}, ls.Effective["tools"])
	assert.Equal(t, 1, ls.Origins["model"])
	assert.Equal(t, 0, ls.Origins["model_verbosity"])
	assert.Equal(t, 2, ls.Origins["tools.view_image"])
	assert.Equal(t, 1, ls.Origins["tools.web_search"])
	origin, ok := ls.Origin([]string{"tools"})
	assert.True(t, ok)
	assert.Equal(t, LayerUser, origin.Kind)

	_, err = ReadLayers(LoadOptions{CodexHome: home, Typed: Typed{Profile: "missing"}})
	assert.ErrorContains(t, err, "missing")
}

func TestVersionIsTheHashOfSortedJSON(t *testing.T) {
	// The reference server's version of {"model_verbosity": "low"}.
	assert.Equal(t, "sha256:20c92f6cb329899d5f51422764ed50bb76230e88983ea9b48cd5cba17ab57898",
		Version(map[string]any{"model_verbosity": "low"}))
	v, err := FileVersion("b = 1\na = true\n")
	require.NoError(t, err)
	assert.Equal(t, Version(map[string]any{"a": true, "b": int64(1)}), v)
}

func TestCheckKeys(t *testing.T) {
	text := "model = \"x\"\nmodle = 1\n[tools]\nweb_search_request = true\n[features]\nweb_search = true\nwarp_drive = true\n[model_providers.m]\nbase_ur = \"x\"\n[sandbox]\nmode = \"x\"\n"
	tree, err := parseConfigText("c.toml", text)
	require.NoError(t, err)
	ws := CheckKeys("c.toml", text, tree)
	var keys []string
	for _, w := range ws {
		keys = append(keys, w.Key())
	}
	assert.Equal(t, []string{"modle", "tools.web_search_request", "features.warp_drive", "model_providers.m.base_ur", "sandbox"}, keys)
	assert.Equal(t, 2, ws[0].Line)
	assert.Equal(t, 1, ws[0].Column)
	assert.Equal(t, 6, ws[0].EndColumn)
	assert.False(t, ws[0].Deprecated)
	assert.True(t, ws[1].Deprecated)
	assert.True(t, ws[4].Deprecated)
	assert.Contains(t, ws[0].Summary(), "`modle` in c.toml, line 2")
}

func TestFeaturesTableSetsTheSwitches(t *testing.T) {
	home := writeHome(t, "include_plan_tool = true\n[tools]\nview_image = true\n[features]\nview_image = false\nweb_search = true\n")
	cfg, err := Load(LoadOptions{CodexHome: home})
	require.NoError(t, err)
	assert.True(t, cfg.FeatureEnabled("plan_tool"), "the older key still counts")
	assert.False(t, cfg.FeatureEnabled("view_image"), "[features] wins")
	assert.True(t, cfg.Tools.WebSearch)
	assert.False(t, cfg.FeatureEnabled("no_such_feature"))

	for _, f := range Features() {
		assert.Contains(t, []string{StageBeta, StageUnderDevelopment, StageStable, StageDeprecated, StageRemoved}, f.Stage, f.Name)
		assert.NotEmpty(t, f.Summary, f.Name)
		// Every catalog entry is a switch of the engine.
		on, err := Load(LoadOptions{CodexHome: writeHome(t, "[features]\n"+f.Name+" = true\n")})
		require.NoError(t, err)
		off, err := Load(LoadOptions{CodexHome: writeHome(t, "[features]\n"+f.Name+" = false\n")})
		require.NoError(t, err)
		assert.True(t, on.FeatureEnabled(f.Name), f.Name)
		assert.False(t, off.FeatureEnabled(f.Name), f.Name)
	}

	_, err = Load(LoadOptions{CodexHome: writeHome(t, "[features]\nweb_search = \"yes\"\n")})
	assert.ErrorContains(t, err, `"features.web_search": expected a boolean`)
}

func TestCheckText(t *testing.T) {
	assert.NoError(t, CheckText("c.toml", "model = \"x\"\n"))
	err := CheckText("c.toml", "model = \"x\"\nsandbox_mode = \"wide\"\n")
	assert.ErrorContains(t, err, `c.toml: line 2: key "sandbox_mode"`)
}
