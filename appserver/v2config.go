package appserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/configedit"
	"github.com/codex-go/codex/internal/rpcserver"
	"github.com/codex-go/codex/jsontotoml"
	v2 "github.com/codex-go/codex/protocol/v2"
)

// v2ConfigMembers are the members of the reference's Config shape that
// config/read always sends, null when nothing sets them.
func v2ConfigMembers() []string {
	return []string{
		"analytics", "approval_policy", "approvals_reviewer", "browser_use", "client_search_provider",
		"compact_prompt", "computer_use", "desktop", "developer_instructions", "forced_chatgpt_workspace_id",
		"forced_login_method", "instructions", "model", "model_auto_compact_token_limit",
		"model_auto_compact_token_limit_scope", "model_context_window", "model_provider",
		"model_reasoning_effort", "model_reasoning_summary", "model_verbosity", "review_model",
		"sandbox_mode", "sandbox_workspace_write", "service_tier", "tools", "web_search",
	}
}

// loadOptions are the settings of the command line config is read with.
func (s *Server) loadOptions() config.LoadOptions {
	return config.LoadOptions{CodexHome: s.eng.CodexHome, Overrides: s.eng.Overrides, Typed: s.eng.Typed, Getenv: s.eng.Getenv}
}

// configRead answers the effective configuration (config.toml, its active
// profile and the -c overrides, without defaults), the layer each value
// comes from, and the layers themselves when asked for. Project layers
// are not read, so cwd changes nothing.
func (s *Server) configRead(_ context.Context, p v2.ConfigReadParams) (v2.ConfigReadResponse, error) {
	ls, err := config.ReadLayers(s.loadOptions())
	if err != nil {
		return v2.ConfigReadResponse{}, internalError("failed to load configuration: %v", err)
	}
	out := v2.ConfigReadResponse{Config: wireConfig(ls.Effective), Origins: map[string]v2.ConfigLayerMetadata{}}
	for key, i := range ls.Origins {
		out.Origins[key] = layerMetadata(ls.Layers[i])
	}
	if p.IncludeLayers {
		out.Layers = []v2.ConfigLayer{}
		for _, l := range ls.Layers {
			out.Layers = append(out.Layers, v2.ConfigLayer{Name: layerSource(l), Version: l.Version, Config: jsonTable(l.Settings)})
		}
	}
	return out, nil
}

// wireConfig turns the effective settings into the Config shape: every
// member of the shape present, the settings' own keys as they are. A
// boolean tools.web_search, which the shape has no room for, is sent as
// null, as the reference server does.
func wireConfig(effective map[string]any) map[string]any {
	out := jsonTable(effective)
	for _, k := range v2ConfigMembers() {
		if _, ok := out[k]; !ok {
			out[k] = nil
		}
	}
	if tools, ok := out["tools"].(map[string]any); ok {
		if _, isBool := tools["web_search"].(bool); isBool {
			tools["web_search"] = nil
		}
	}
	return out
}

// jsonTable copies a TOML table into plain JSON values.
func jsonTable(t map[string]any) map[string]any {
	data, err := json.Marshal(t)
	out := map[string]any{}
	if err != nil || json.Unmarshal(data, &out) != nil {
		return map[string]any{}
	}
	return out
}

// layerSource names a layer on the wire.
func layerSource(l config.Layer) v2.ConfigLayerSource {
	if l.Kind == config.LayerSessionFlags {
		return v2.ConfigLayerSource{Type: v2.LayerSourceSessionFlags}
	}
	src := v2.ConfigLayerSource{Type: v2.LayerSourceUser, File: l.File}
	if l.Profile != "" {
		src.Profile = &l.Profile
	}
	return src
}

// layerMetadata names a layer and its version on the wire.
func layerMetadata(l config.Layer) v2.ConfigLayerMetadata {
	return v2.ConfigLayerMetadata{Name: layerSource(l), Version: l.Version}
}

// configValueWrite writes one value of config.toml.
func (s *Server) configValueWrite(_ context.Context, p v2.ConfigValueWriteParams) (v2.ConfigWriteResponse, error) {
	edit := v2.ConfigEdit{KeyPath: p.KeyPath, Value: p.Value, MergeStrategy: p.MergeStrategy}
	return s.writeConfigValues([]v2.ConfigEdit{edit}, p.ExpectedVersion, p.FilePath)
}

// configBatchWrite writes several values of config.toml at once: all of
// them or, on any error, none.
func (s *Server) configBatchWrite(_ context.Context, p v2.ConfigBatchWriteParams) (v2.ConfigWriteResponse, error) {
	return s.writeConfigValues(p.Edits, p.ExpectedVersion, p.FilePath)
}

// configWriteError is a -32600 error carrying a config write error code.
func configWriteError(code, format string, args ...any) *jsonrpc2.Error {
	e := &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidRequest, Message: fmt.Sprintf(format, args...)}
	e.SetError(v2.ConfigWriteErrorData{Code: code})
	return e
}

// errVersionConflict refuses a write whose expected version is stale.
var errVersionConflict = errors.New("configuration was modified since it was read; read it again and retry")

// writeConfigValues applies edits to config.toml in place, after checking
// the file's version when expected is set and that the result is a
// configuration the engine loads.
func (s *Server) writeConfigValues(edits []v2.ConfigEdit, expected, filePath *string) (v2.ConfigWriteResponse, error) {
	path := s.configPath()
	if filePath != nil && *filePath != "" && filepath.Clean(*filePath) != path {
		return v2.ConfigWriteResponse{}, configWriteError(v2.ConfigWriteErrorLayerReadonly,
			"only the user config file %s can be written, not %s", path, *filePath)
	}
	var ops []configedit.ValueEdit
	var paths [][]string
	for i, e := range edits {
		op, err := valueEdit(e)
		if err != nil {
			if len(edits) > 1 {
				err = fmt.Errorf("edit %d: %w", i, err)
			}
			return v2.ConfigWriteResponse{}, configWriteError(v2.ConfigWriteErrorValidation, "%v", err)
		}
		ops = append(ops, op)
		paths = append(paths, op.Path)
	}

	s.configMu.Lock()
	defer s.configMu.Unlock()
	var invalid error
	out, err := configedit.WriteValues(path, ops, func(current, edited []byte) error {
		if expected != nil {
			version, err := config.FileVersion(string(current))
			if err != nil {
				return err
			}
			if version != *expected {
				return errVersionConflict
			}
		}
		if err := config.CheckText(path, string(edited)); err != nil {
			invalid = err
			return err
		}
		return nil
	})
	var pathErr *configedit.PathError
	switch {
	case errors.Is(err, errVersionConflict):
		return v2.ConfigWriteResponse{}, configWriteError(v2.ConfigWriteErrorVersionConflict, "%s", capitalize(err.Error()))
	case errors.As(err, &pathErr):
		return v2.ConfigWriteResponse{}, configWriteError(v2.ConfigWriteErrorValidation, "invalid key path: %v", err)
	case invalid != nil:
		return v2.ConfigWriteResponse{}, configWriteError(v2.ConfigWriteErrorValidation, "invalid configuration: %v", invalid)
	case err != nil:
		return v2.ConfigWriteResponse{}, configWriteError(v2.ConfigWriteErrorValidation, "cannot write %s: %v", path, err)
	}
	version, err := config.FileVersion(string(out))
	if err != nil {
		return v2.ConfigWriteResponse{}, internalError("read back %s: %v", path, err)
	}
	resp := v2.ConfigWriteResponse{Status: v2.WriteStatusOk, Version: version, FilePath: path}
	if meta := s.overridden(ops, paths); meta != nil {
		resp.Status, resp.OverriddenMetadata = v2.WriteStatusOkOverridden, meta
	}
	return resp, nil
}

// overridden describes the first written value that a layer above the
// file's top level (the active profile, a -c override) sets to something
// else; nil when every written value is the effective one.
func (s *Server) overridden(ops []configedit.ValueEdit, paths [][]string) *v2.OverriddenMetadata {
	ls, err := config.ReadLayers(s.loadOptions())
	if err != nil {
		return nil
	}
	for i, p := range paths {
		origin, ok := ls.Origin(p)
		if !ok || origin.Kind == config.LayerUser && origin.Profile == "" {
			continue
		}
		effective, _ := ls.Lookup(p)
		if ops[i].Value != nil && reflect.DeepEqual(jsonValue(effective), jsonValue(ops[i].Value)) {
			continue
		}
		what := "the command line's -c overrides"
		if origin.Kind == config.LayerUser {
			what = fmt.Sprintf("the active profile %q", origin.Profile)
		}
		return &v2.OverriddenMetadata{
			Message:         fmt.Sprintf("%s was written, but %s set another value, which stays in effect", strings.Join(p, "."), what),
			OverridingLayer: layerMetadata(origin),
			EffectiveValue:  jsonValue(effective),
		}
	}
	return nil
}

// jsonValue turns a TOML value into a plain JSON value.
func jsonValue(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(data, &out) != nil {
		return nil
	}
	return out
}

// valueEdit checks one edit of the wire and turns it into a file edit.
func valueEdit(e v2.ConfigEdit) (configedit.ValueEdit, error) {
	if strings.TrimSpace(e.KeyPath) == "" {
		return configedit.ValueEdit{}, errors.New("keyPath must not be empty")
	}
	path, err := config.SplitKeyPath(e.KeyPath)
	if err != nil {
		return configedit.ValueEdit{}, fmt.Errorf("invalid keyPath %q: %w", e.KeyPath, err)
	}
	if len(e.Value) == 0 {
		return configedit.ValueEdit{}, fmt.Errorf("key %q: missing value", e.KeyPath)
	}
	dec := json.NewDecoder(bytes.NewReader(e.Value))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return configedit.ValueEdit{}, fmt.Errorf("key %q: invalid value: %w", e.KeyPath, err)
	}
	op := configedit.ValueEdit{Path: path, Merge: e.MergeStrategy == v2.MergeUpsert}
	if raw == nil {
		return op, nil
	}
	if op.Value, err = jsontotoml.Convert(raw); err != nil {
		return configedit.ValueEdit{}, fmt.Errorf("key %q: value cannot be written to TOML: %w", e.KeyPath, err)
	}
	return op, nil
}

// capitalize upper-cases the first letter of a message.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// configRequirementsRead answers that no requirements are configured: the
// engine reads no requirements.toml nor managed preferences.
func (s *Server) configRequirementsRead(context.Context, rpcserver.None) (v2.ConfigRequirementsReadResponse, error) {
	return v2.ConfigRequirementsReadResponse{}, nil
}

// defaultFeaturePage is the page size of experimentalFeature/list when the
// client names none.
const defaultFeaturePage = 100

// experimentalFeatureList lists the feature catalog with each feature's
// setting in the configuration the server loads (for a threadId, which
// must be a loaded thread, the same: threads do not change features).
func (s *Server) experimentalFeatureList(_ context.Context, p v2.ExperimentalFeatureListParams) (v2.ExperimentalFeatureListResponse, error) {
	if p.ThreadID != nil {
		if _, err := s.thread(*p.ThreadID); err != nil {
			return v2.ExperimentalFeatureListResponse{}, err
		}
	}
	start := 0
	if p.Cursor != nil {
		n, err := strconv.Atoi(*p.Cursor)
		if err != nil || n < 0 {
			return v2.ExperimentalFeatureListResponse{}, invalidParams("Invalid params: invalid cursor %q", *p.Cursor)
		}
		start = n
	}
	limit := defaultFeaturePage
	if p.Limit != nil && *p.Limit > 0 {
		limit = int(min(*p.Limit, defaultFeaturePage))
	}
	cfg, err := s.eng.LoadConfig(config.Request{})
	if err != nil {
		return v2.ExperimentalFeatureListResponse{}, internalError("failed to load configuration: %v", err)
	}
	features := config.Features()
	out := v2.ExperimentalFeatureListResponse{Data: []v2.ExperimentalFeature{}}
	end := min(start+limit, len(features))
	for _, f := range features[min(start, len(features)):end] {
		wf := v2.ExperimentalFeature{Name: f.Name, Stage: f.Stage, Enabled: cfg.FeatureEnabled(f.Name), DefaultEnabled: f.DefaultEnabled}
		if f.Stage == config.StageBeta {
			wf.DisplayName, wf.Description, wf.Announcement = &f.DisplayName, &f.Summary, &f.Announcement
		}
		out.Data = append(out.Data, wf)
	}
	if end < len(features) {
		next := strconv.Itoa(end)
		out.NextCursor = &next
	}
	return out, nil
}

// experimentalFeatureEnablementSet writes `name = true|false` in the
// [features] table of config.toml for every feature of the catalog the
// request names. Names the catalog does not have are left out of the
// answer, as the reference server does.
func (s *Server) experimentalFeatureEnablementSet(_ context.Context, p v2.ExperimentalFeatureEnablementSetParams) (v2.ExperimentalFeatureEnablementSetResponse, error) {
	set := map[string]bool{}
	var edits []v2.ConfigEdit
	// New keys are written in name order, whatever the order of the request.
	for _, name := range slices.Sorted(maps.Keys(p.Enablement)) {
		on := p.Enablement[name]
		if _, ok := config.FeatureByName(name); !ok {
			continue
		}
		set[name] = on
		edits = append(edits, v2.ConfigEdit{
			KeyPath: "features." + strconv.Quote(name), Value: json.RawMessage(strconv.FormatBool(on)), MergeStrategy: v2.MergeReplace,
		})
	}
	if len(edits) > 0 {
		if _, err := s.writeConfigValues(edits, nil, nil); err != nil {
			return v2.ExperimentalFeatureEnablementSetResponse{}, err
		}
	}
	return v2.ExperimentalFeatureEnablementSetResponse{Enablement: set}, nil
}

// sendConfigWarnings reports the unknown and deprecated keys of
// config.toml, one configWarning each, naming the file, the line and the
// key. A file that does not parse is reported too.
func (s *Server) sendConfigWarnings(ctx context.Context) {
	ls, err := config.ReadLayers(s.loadOptions())
	if err != nil {
		details := err.Error()
		s.notifyV2(ctx, v2.NotificationConfigWarning, v2.ConfigWarningNotification{
			Summary: "The configuration could not be loaded.", Details: &details})
		return
	}
	var user map[string]any
	for _, l := range ls.Layers {
		if l.Kind == config.LayerUser && l.Profile == "" {
			user = l.Settings
		}
	}
	for _, w := range config.CheckKeys(ls.Path, ls.Text, user) {
		n := v2.ConfigWarningNotification{Summary: w.Summary(), Details: &w.Hint, Path: &w.File}
		if w.Line > 0 && w.Column > 0 {
			n.Range = &v2.TextRange{
				Start: v2.TextPosition{Line: w.Line, Column: w.Column},
				End:   v2.TextPosition{Line: w.Line, Column: w.EndColumn},
			}
		}
		s.notifyV2(ctx, v2.NotificationConfigWarning, n)
	}
}
