package projectdoc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// layout describes a temporary tree: directories (ending in "/") and files
// with their contents, relative to the tree's root.
type layout map[string]string

func build(t *testing.T, l layout) string {
	t.Helper()
	root := t.TempDir()
	for rel, content := range l {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if strings.HasSuffix(rel, "/") {
			require.NoError(t, os.MkdirAll(p, 0o755))
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return root
}

func TestDiscover(t *testing.T) {
	tests := []struct {
		name     string
		files    layout
		cwd      string // relative to the tree root
		home     string // relative to the tree root; "" for none
		maxBytes int
		want     string
	}{
		{
			name:     "nothing",
			files:    layout{"repo/.git/": "", "home/": ""},
			cwd:      "repo",
			home:     "home",
			maxBytes: 1024,
			want:     "",
		},
		{
			name:     "global only, trimmed",
			files:    layout{"home/AGENTS.md": "\n  be brief  \n", "repo/": ""},
			cwd:      "repo",
			home:     "home",
			maxBytes: 1024,
			want:     "be brief",
		},
		{
			name:     "blank global skipped",
			files:    layout{"home/AGENTS.md": " \n\t\n", "repo/AGENTS.md": "project"},
			cwd:      "repo",
			home:     "home",
			maxBytes: 1024,
			want:     "project",
		},
		{
			name:     "no codex home",
			files:    layout{"repo/AGENTS.md": "project"},
			cwd:      "repo",
			maxBytes: 1024,
			want:     "project",
		},
		{
			name: "git root down to cwd, root first",
			files: layout{
				"AGENTS.md":               "above the repo",
				"repo/.git/":              "",
				"repo/AGENTS.md":          "root doc\n",
				"repo/pkg/AGENTS.md":      "pkg doc",
				"repo/pkg/sub/deep/":      "",
				"repo/pkg/sub/deep/x.txt": "x",
				"repo/other/AGENTS.md":    "not on the path",
			},
			cwd:      "repo/pkg/sub/deep",
			maxBytes: 1024,
			want:     "root doc\n\npkg doc",
		},
		{
			name: "git file marks a worktree root",
			files: layout{
				"AGENTS.md":           "outside",
				"wt/.git":             "gitdir: /elsewhere\n",
				"wt/AGENTS.md":        "worktree",
				"wt/inner/AGENTS.md":  "inner",
				"wt/inner/more/z.txt": "",
			},
			cwd:      "wt/inner/more",
			maxBytes: 1024,
			want:     "worktree\n\ninner",
		},
		{
			name: "no repository: cwd only",
			files: layout{
				"AGENTS.md":     "parent",
				"dir/AGENTS.md": "here",
			},
			cwd:      "dir",
			maxBytes: 1024,
			want:     "here",
		},
		{
			name: "global and project joined",
			files: layout{
				"home/AGENTS.md": "global",
				"repo/.git/":     "",
				"repo/AGENTS.md": "project",
			},
			cwd:      "repo",
			home:     "home",
			maxBytes: 1024,
			want:     "global\n\n--- project-doc ---\n\nproject",
		},
		{
			name: "zero max bytes disables project docs",
			files: layout{
				"home/AGENTS.md": "global",
				"repo/AGENTS.md": "project",
			},
			cwd:      "repo",
			home:     "home",
			maxBytes: 0,
			want:     "global",
		},
		{
			name: "budget truncates the last doc",
			files: layout{
				"repo/.git/":         "",
				"repo/AGENTS.md":     "0123456789",
				"repo/sub/AGENTS.md": "abcdefghij",
			},
			cwd:      "repo/sub",
			maxBytes: 14,
			want:     "0123456789\n\nabcd",
		},
		{
			name: "budget exhausted by the first doc",
			files: layout{
				"repo/.git/":         "",
				"repo/AGENTS.md":     "0123456789",
				"repo/sub/AGENTS.md": "abcdefghij",
			},
			cwd:      "repo/sub",
			maxBytes: 5,
			want:     "01234",
		},
		{
			name:     "truncation keeps whole characters",
			files:    layout{"repo/AGENTS.md": "aé"},
			cwd:      "repo",
			maxBytes: 2,
			want:     "a",
		},
		{
			name:     "directory named AGENTS.md ignored",
			files:    layout{"repo/AGENTS.md/": "", "home/AGENTS.md/": ""},
			cwd:      "repo",
			home:     "home",
			maxBytes: 100,
			want:     "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := build(t, tt.files)
			home := ""
			if tt.home != "" {
				home = filepath.Join(root, tt.home)
			}
			got, err := Discover(filepath.Join(root, tt.cwd), home, tt.maxBytes)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDiscoverRelativeCwd(t *testing.T) {
	root := build(t, layout{"AGENTS.md": "rel"})
	t.Chdir(root)
	got, err := Discover(".", "", 100)
	require.NoError(t, err)
	assert.Equal(t, "rel", got)
}

func TestDiscoverUnreadableDoc(t *testing.T) {
	root := t.TempDir()
	doc := filepath.Join(root, "AGENTS.md")
	// A symlink to itself cannot be opened (ELOOP), even by root.
	require.NoError(t, os.Symlink(doc, doc))

	_, err := Discover(root, "", 100)
	require.Error(t, err)
	assert.Contains(t, err.Error(), doc)

	_, err = Discover(t.TempDir(), root, 100)
	require.Error(t, err)
	assert.Contains(t, err.Error(), doc)
}

func TestDiscoverDanglingSymlinkIgnored(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.Symlink(filepath.Join(root, "missing"), filepath.Join(root, "AGENTS.md")))
	got, err := Discover(root, root, 100)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestTrimPartialRune(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"abc", "abc"},
		{"a\xc3", "a"},
		{"a\xe2\x82", "a"},
		{"aé", "aé"},
		{"a€", "a€"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(trimPartialRune([]byte(tt.in))), "%q", tt.in)
	}
}
