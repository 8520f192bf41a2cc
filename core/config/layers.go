package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
)

// Kinds of Layer.
const (
	// LayerUser is $CODEX_HOME/config.toml, or its active profile.
	LayerUser = "user"
	// LayerSessionFlags holds the -c overrides of the command line.
	LayerSessionFlags = "sessionFlags"
)

// Layer is one source of settings, as written there.
type Layer struct {
	// Kind is LayerUser or LayerSessionFlags.
	Kind string
	// File is the config file of a user layer.
	File string
	// Profile names the [profiles.NAME] table a user layer stands for;
	// "" is the top level of the file.
	Profile string
	// Settings are the layer's keys and values (TOML values).
	Settings map[string]any
	// Version identifies the content of the layer's source (for a user
	// layer, the whole file): see Version.
	Version string
}

// Layers is the configuration as its sources say it, without defaults.
type Layers struct {
	// Path is the user config file.
	Path string
	// Text is its content ("" when missing).
	Text string
	// Version is the version of the file's content.
	Version string
	// Layers are the sources, highest precedence first.
	Layers []Layer
	// Effective is what the layers say together: the file's top level,
	// the active profile laid over it, the overrides over both.
	Effective map[string]any
	// Origins maps the dotted key of every value of Effective that is not
	// a table to the index in Layers of the layer it comes from.
	Origins map[string]int
}

// Version returns the version of a set of settings: "sha256:" and the
// SHA-256 of their JSON encoding with sorted keys, as the reference
// server computes it.
func Version(settings map[string]any) string {
	data, err := json.Marshal(settings)
	if err != nil {
		data = []byte(err.Error())
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// FileVersion returns the version of the config file content text, which
// must parse.
func FileVersion(text string) (string, error) {
	tree, err := parseConfigText("", text)
	if err != nil {
		return "", err
	}
	return Version(tree), nil
}

// ReadLayers reads config.toml and the overrides of opts into Layers. The
// active profile is opts.Typed.Profile, else the file's (or an override's)
// `profile` key; a profile that does not exist is an error, as in Load.
func ReadLayers(opts LoadOptions) (*Layers, error) {
	home, err := codexHomeDir(opts.CodexHome, getenvOrOS(opts.Getenv))
	if err != nil {
		return nil, err
	}
	path := filepath.Join(home, ConfigFileName)
	text, tree, err := readConfigFile(path)
	if err != nil {
		return nil, err
	}
	overrides, err := resolveOverrides(opts.Overrides)
	if err != nil {
		return nil, err
	}
	ls := &Layers{Path: path, Text: text, Version: Version(tree)}

	flags := map[string]any{}
	applyOverrides(flags, overrides)
	if len(overrides) > 0 {
		ls.Layers = append(ls.Layers, Layer{Kind: LayerSessionFlags, Settings: flags, Version: Version(flags)})
	}

	base := cloneValue(tree).(map[string]any)
	applyOverrides(base, overrides)
	profile := opts.Typed.Profile
	if profile == "" {
		profile, _ = base["profile"].(string)
	}
	effective := cloneValue(tree).(map[string]any)
	if profile != "" {
		profiles, _ := tree["profiles"].(map[string]any)
		table, ok := profiles[profile].(map[string]any)
		if !ok {
			return nil, &fieldError{path: []string{"profiles", profile}, msg: "config profile not found"}
		}
		picked := map[string]any{}
		for _, k := range profileKeys() {
			if v, ok := table[k]; ok {
				picked[k] = cloneValue(v)
			}
		}
		ls.Layers = append(ls.Layers, Layer{Kind: LayerUser, File: path, Profile: profile, Settings: picked, Version: ls.Version})
		mergeProfile(effective, picked)
	}
	ls.Layers = append(ls.Layers, Layer{Kind: LayerUser, File: path, Settings: tree, Version: ls.Version})
	applyOverrides(effective, overrides)
	ls.Effective = effective

	ls.Origins = map[string]int{}
	walkLeaves(nil, effective, func(p []string) {
		for i, l := range ls.Layers {
			if _, ok := LookupPath(l.Settings, p); ok {
				ls.Origins[strings.Join(p, ".")] = i
				return
			}
		}
	})
	return ls, nil
}

// Lookup returns the value at a dotted key path of the effective settings.
func (ls *Layers) Lookup(path []string) (any, bool) { return LookupPath(ls.Effective, path) }

// Origin returns the layer that sets the value at path (or, for a table,
// the first value below it), and false when no layer sets it.
func (ls *Layers) Origin(path []string) (Layer, bool) {
	key := strings.Join(path, ".")
	if i, ok := ls.Origins[key]; ok {
		return ls.Layers[i], true
	}
	for k, i := range ls.Origins {
		if strings.HasPrefix(k, key+".") {
			return ls.Layers[i], true
		}
	}
	return Layer{}, false
}

// SplitKeyPath splits a dotted key path as -c overrides are split:
// segments may be quoted TOML-style.
func SplitKeyPath(path string) ([]string, error) { return splitKeyPath(path) }

// walkLeaves calls fn with the path of every value below tree that is not
// a table.
func walkLeaves(prefix []string, tree map[string]any, fn func([]string)) {
	for k, v := range tree {
		p := append(prefix[:len(prefix):len(prefix)], k)
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			walkLeaves(p, sub, fn)
			continue
		}
		fn(p)
	}
}

// LookupPath returns the value at path (table names, then the key) in a
// decoded TOML tree, and whether there is one.
func LookupPath(tree map[string]any, path []string) (any, bool) {
	var cur any = tree
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// CheckText reports whether text, the content the config file at path
// would get, is a configuration this engine loads: it must parse and every
// key it reads must have a value of the right type. The error names the
// file, the line and the key.
func CheckText(path, text string) error {
	tree, err := parseConfigText(path, text)
	if err != nil {
		return err
	}
	if _, err := decodeFile(table{m: tree}); err != nil {
		return (&loader{path: path, text: text}).explain(err)
	}
	return nil
}
