package filesearch

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRanking(t *testing.T) {
	tests := []struct {
		name  string
		query string
		order []string // best first
	}{
		{"shorter path and file name first", "alp", []string{"alpha.txt", "sub/alphabet.md", "a/lib/plot.go", "xalp.txt"}},
		{"file name beats directory", "main", []string{"cmd/main.go", "main/cmd.go", "domain.go"}},
		{"consecutive beats word starts", "abc", []string{"abc.txt", "a_b_c.txt", "xabcx.txt"}},
		{"word start beats mid-word", "fb", []string{"fb.go", "foo_bar.go", "fabric.go"}},
		{"camel case counts as a word start", "fb", []string{"FooBar.go", "fabric.go"}},
		{"exact name in a shallow path first", "srch", []string{"search.go", "core/filesearch/search.go", "core/filesearch/search_test.go"}},
		{"case-insensitive", "README", []string{"readme.md", "docs/ReadMe.txt"}},
		{"terms match independently", "test srch", []string{"search_test.go", "core/filesearch/search_test.go"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, ok := newScorer(tt.query)
			require.True(t, ok)
			prev := 0
			for i, p := range tt.order {
				score, ok := sc.score(p)
				require.True(t, ok, "%q matches %q", tt.query, p)
				if i > 0 {
					assert.Less(t, score, prev, "%q ranks below %q", p, tt.order[i-1])
				}
				prev = score
			}
		})
	}
}

func TestNoMatch(t *testing.T) {
	tests := []struct{ query, path string }{
		{"xyz", "alpha.txt"},
		{"ba", "ab"},
		{"abc", "ab"},
		{"main zz", "cmd/main.go"},
	}
	for _, tt := range tests {
		sc, ok := newScorer(tt.query)
		require.True(t, ok)
		_, matched := sc.score(tt.path)
		assert.False(t, matched, "%q vs %q", tt.query, tt.path)
	}
}

func TestEmptyQueryHasNoTerms(t *testing.T) {
	for _, q := range []string{"", "   ", "\t\n"} {
		_, ok := newScorer(q)
		assert.False(t, ok, "%q", q)
	}
}

func TestIndices(t *testing.T) {
	tests := []struct {
		query, path string
		want        []int
	}{
		{"alp", "alpha.txt", []int{0, 1, 2}},
		{"alp", "sub/alphabet.md", []int{4, 5, 6}},
		{"main", "cmd/main.go", []int{4, 5, 6, 7}},
		{"fb", "foo_bar.go", []int{0, 4}},
		{"fb", "FooBar.go", []int{0, 3}},
		{"srch", "core/filesearch/search.go", []int{16, 19, 20, 21}},
		{"mgo", "cmd/main.go", []int{4, 9, 10}},
		{"main go", "cmd/main.go", []int{4, 5, 6, 7, 9, 10}},
		{"a a", "a.txt", []int{0}}, // overlapping terms share the character
		// Offsets are byte offsets of runes: "é" takes two bytes.
		{"ét", "dir/été.txt", []int{4, 6}},
		{"ÉT", "dir/été.txt", []int{4, 6}},
		{"tx", "dir/été.txt", []int{10, 11}},
		{"étx", "dir/été.txt", []int{4, 10, 11}},
	}
	for _, tt := range tests {
		t.Run(tt.query+" "+tt.path, func(t *testing.T) {
			sc, _ := newScorer(tt.query)
			_, ok := sc.score(tt.path)
			require.True(t, ok)
			assert.Equal(t, tt.want, sc.indices())
		})
	}
}
