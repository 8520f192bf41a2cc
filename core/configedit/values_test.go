package configedit

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSetValues(t *testing.T) {
	const doc = `# top comment
model = "gpt-5" # inline
check_for_update_on_startup = false

# analytics section
[analytics]
enabled = false # keep

[tools]
view_image = true
`
	cases := []struct {
		name  string
		doc   string
		edits []ValueEdit
		want  string
	}{
		{
			name:  "replace a top-level value keeps its comment",
			doc:   doc,
			edits: []ValueEdit{{Path: []string{"model"}, Value: "o3"}},
			want:  "# top comment\nmodel = \"o3\" # inline\ncheck_for_update_on_startup = false\n\n# analytics section\n[analytics]\nenabled = false # keep\n\n[tools]\nview_image = true\n",
		},
		{
			name: "new keys, a removal and a new table",
			doc:  doc,
			edits: []ValueEdit{
				{Path: []string{"model_reasoning_effort"}, Value: "high"},
				{Path: []string{"analytics", "enabled"}, Value: true},
				{Path: []string{"check_for_update_on_startup"}},
				{Path: []string{"sandbox_workspace_write"}, Value: map[string]any{"network_access": true, "writable_roots": []any{"/tmp/a"}}, Merge: true},
				{Path: []string{"tools", "web_search"}, Value: true},
			},
			want: "# top comment\nmodel = \"gpt-5\" # inline\nmodel_reasoning_effort = \"high\"\n\n# analytics section\n[analytics]\nenabled = true # keep\n\n[tools]\nview_image = true\nweb_search = true\n\n[sandbox_workspace_write]\nnetwork_access = true\nwritable_roots = [\"/tmp/a\"]\n",
		},
		{
			name:  "replace a table drops the keys not given",
			doc:   doc,
			edits: []ValueEdit{{Path: []string{"tools"}, Value: map[string]any{"web_search": false}}},
			want:  "# top comment\nmodel = \"gpt-5\" # inline\ncheck_for_update_on_startup = false\n\n# analytics section\n[analytics]\nenabled = false # keep\n\n[tools]\nweb_search = false\n",
		},
		{
			name:  "upsert a table keeps the other keys",
			doc:   doc,
			edits: []ValueEdit{{Path: []string{"tools"}, Value: map[string]any{"web_search": false}, Merge: true}},
			want:  "# top comment\nmodel = \"gpt-5\" # inline\ncheck_for_update_on_startup = false\n\n# analytics section\n[analytics]\nenabled = false # keep\n\n[tools]\nview_image = true\nweb_search = false\n",
		},
		{
			name:  "remove a table",
			doc:   doc,
			edits: []ValueEdit{{Path: []string{"analytics"}}},
			want:  "# top comment\nmodel = \"gpt-5\" # inline\ncheck_for_update_on_startup = false\n\n# analytics section\n[tools]\nview_image = true\n",
		},
		{
			name:  "inside an inline table",
			doc:   "tools = { view_image = true }\n",
			edits: []ValueEdit{{Path: []string{"tools", "web_search"}, Value: true}},
			want:  "tools = { view_image = true, web_search = true }\n",
		},
		{
			name:  "next to dotted keys",
			doc:   "model = \"x\"\nfeatures.plan_tool = true\n\n[other]\na = 1\n",
			edits: []ValueEdit{{Path: []string{"features", "web_search"}, Value: false}},
			want:  "model = \"x\"\nfeatures.plan_tool = true\nfeatures.web_search = false\n\n[other]\na = 1\n",
		},
		{
			name:  "empty file",
			doc:   "",
			edits: []ValueEdit{{Path: []string{"features", "web_search"}, Value: true}, {Path: []string{"model"}, Value: "m"}},
			want:  "model = \"m\"\n\n[features]\nweb_search = true\n",
		},
		{
			name:  "quoted keys and a scalar replacing a table",
			doc:   "[a]\nb = 1\n[a.c]\nd = 2\n",
			edits: []ValueEdit{{Path: []string{"a", "c"}, Value: 3.5}, {Path: []string{"model_providers", "my.host", "name"}, Value: "h"}},
			want:  "[a]\nb = 1\nc = 3.5\n\n[model_providers.\"my.host\"]\nname = \"h\"\n",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := SetValues([]byte(tc.doc), tc.edits)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(out))
		})
	}
}

func TestSetValuesErrors(t *testing.T) {
	cases := []struct {
		name, doc string
		edit      ValueEdit
		want      string
	}{
		{"empty path", "", ValueEdit{Value: 1}, "empty key path"},
		{"empty segment", "", ValueEdit{Path: []string{"a", ""}, Value: 1}, "empty key segment"},
		{"through a value", "model = \"x\"\n", ValueEdit{Path: []string{"model", "x"}, Value: 1}, `key "model.x": model is a string, not a table`},
		{"bad document", "model = \n", ValueEdit{Path: []string{"a"}, Value: 1}, "line 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SetValues([]byte(tc.doc), []ValueEdit{tc.edit})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
