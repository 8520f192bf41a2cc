package appserver

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/internal/refschema"
	"github.com/codex-go/codex/internal/rpcserver"
)

// jsonMembers lists the JSON member names of a struct type, and those
// written always (no omitempty), following embedded structs.
func jsonMembers(t reflect.Type) (all, always []string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" {
			a, w := jsonMembers(f.Type)
			all, always = append(all, a...), append(always, w...)
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		all = append(all, name)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			always = append(always, name)
		}
	}
	return all, always
}

// experimentalResultMembers are result members that only the reference's
// experimental schema declares (generate-json-schema --experimental), which
// the reference sends to every client and so do we.
func experimentalResultMembers() map[string][]string {
	return map[string][]string{
		"thread/start":  {"runtimeWorkspaceRoots", "activePermissionProfile", "multiAgentMode"},
		"thread/resume": {"runtimeWorkspaceRoots", "activePermissionProfile", "multiAgentMode"},
		"thread/fork":   {"runtimeWorkspaceRoots", "activePermissionProfile", "multiAgentMode"},
		"account/read":  {"workspaceRouting"},
	}
}

// shapeMembers lists the members an object shape declares; for a union,
// those of every variant too (a Go type flattens the variants into one
// struct).
func shapeMembers(s refschema.Shape) []string {
	out := slices.Clone(s.Properties)
	for _, v := range s.Variants {
		out = append(out, v.Properties...)
	}
	return out
}

// shapeRequired lists the members an object shape requires; for a union,
// those every variant requires (its tag).
func shapeRequired(s refschema.Shape) []string {
	if len(s.Variants) == 0 {
		return s.Required
	}
	out := slices.Clone(s.Variants[0].Required)
	for _, v := range s.Variants[1:] {
		out = slices.DeleteFunc(out, func(name string) bool { return !slices.Contains(v.Required, name) })
	}
	slices.Sort(out)
	return out
}

// TestV2MethodsMatchTheReferenceSchema compares every v2 method of the
// table with the schema codex-cli 0.171.0 publishes: the method exists
// there, its params have the same required members and no member it does
// not know, and the result has every member it requires and none it does
// not know.
func TestV2MethodsMatchTheReferenceSchema(t *testing.T) {
	ref, err := refschema.Committed()
	require.NoError(t, err)
	checked := 0
	for _, m := range methods() {
		if !strings.Contains(m.Name, "/") || m.IsNotification() {
			continue
		}
		checked++
		t.Run(m.Name, func(t *testing.T) {
			ep, err := ref.Request(m.Name)
			require.NoError(t, err, "the reference has no method %s", m.Name)
			if m.Params != nil {
				shape := ep.Params.Shape()
				params, _ := jsonMembers(m.Params)
				for _, name := range params {
					assert.Contains(t, shapeMembers(shape), name, "params member %s is not the reference's", name)
				}
				required := slices.Clone(rpcserver.RequiredMembers(m.Params))
				slices.Sort(required)
				assert.Equal(t, shapeRequired(shape), required, "required params members")
			}
			if ep.Result != nil {
				shape := ep.Result.Shape()
				all, always := jsonMembers(m.Result)
				for _, name := range all {
					if slices.Contains(experimentalResultMembers()[m.Name], name) {
						continue
					}
					assert.Contains(t, shapeMembers(shape), name, "result member %s is not the reference's", name)
				}
				for _, name := range shapeRequired(shape) {
					assert.Contains(t, always, name, "the reference requires result member %s", name)
				}
			}
		})
	}
	assert.Positive(t, checked)
}
