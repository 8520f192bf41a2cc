package patch

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected texts below are what `diff -u --label a/f.txt --label b/f.txt`
// prints for the same inputs.
func TestUnifiedDiffMatchesDiffU(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{
			name: "two separate hunks",
			old:  "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n",
			new:  "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nL\nm\nn\n",
			want: "--- a/f.txt\n+++ b/f.txt\n" +
				"@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n" +
				"@@ -9,5 +9,6 @@\n i\n j\n k\n-l\n+L\n m\n+n\n",
		},
		{
			name: "missing newline at end",
			old:  "one\ntwo\n",
			new:  "one\ntwo",
			want: "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+two\n\\ No newline at end of file\n",
		},
		{
			name: "from empty",
			old:  "",
			new:  "new\nfile\n",
			want: "--- a/f.txt\n+++ b/f.txt\n@@ -0,0 +1,2 @@\n+new\n+file\n",
		},
		{
			name: "to empty",
			old:  "x\ny\n",
			new:  "",
			want: "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +0,0 @@\n-x\n-y\n",
		},
		{
			name: "context clipped at the start",
			old:  "1\n2\n3\n4\n5\n6\n7\n8\n",
			new:  "1\n2\n3\n4\nfive\n6\n7\n8\n",
			want: "--- a/f.txt\n+++ b/f.txt\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
		},
		{
			name: "close changes merge into one hunk",
			old:  "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
			new:  "1\n2\n3\n3.5\n4\n5\n6\n7\n9\n10\n",
			want: "--- a/f.txt\n+++ b/f.txt\n@@ -1,10 +1,10 @@\n 1\n 2\n 3\n+3.5\n 4\n 5\n 6\n 7\n-8\n 9\n 10\n",
		},
		{
			name: "equal",
			old:  "same\n",
			new:  "same\n",
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, UnifiedDiff("a/f.txt", "b/f.txt", tt.old, tt.new))
		})
	}
}

func TestHunksContext(t *testing.T) {
	old := "1\n2\n3\n4\n5\n"
	new := "1\n2\nthree\n4\n5\n"
	assert.Equal(t, "@@ -3 +3 @@\n-3\n+three\n", Hunks(old, new, 0))
	assert.Equal(t, "@@ -2,3 +2,3 @@\n 2\n-3\n+three\n 4\n", Hunks(old, new, 1))
	assert.Equal(t, "@@ -3 +3 @@\n-3\n+three\n", Hunks(old, new, -5))
	// Changes two unchanged lines apart share a hunk at context 1 but not 0.
	assert.Equal(t, "@@ -1,5 +1,5 @@\n-1\n+one\n 2\n 3\n-4\n+four\n 5\n", Hunks(old, "one\n2\n3\nfour\n5\n", 1))
	assert.Equal(t, "@@ -1 +1 @@\n-1\n+one\n@@ -4 +4 @@\n-4\n+four\n", Hunks(old, "one\n2\n3\nfour\n5\n", 0))
}

// lcsLength is the textbook dynamic-programming longest common subsequence.
func lcsLength(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			switch {
			case a[i-1] == b[j-1]:
				cur[j] = prev[j-1] + 1
			case prev[j] >= cur[j-1]:
				cur[j] = prev[j]
			default:
				cur[j] = cur[j-1]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func randomLines(r *rand.Rand, maxLen, alphabet int) []string {
	n := r.IntN(maxLen + 1)
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("l%d\n", r.IntN(alphabet))
	}
	return out
}

// TestDiffLinesIsMinimalAndCorrect checks on random inputs that the edit
// script rebuilds both sides and keeps a longest common subsequence.
func TestDiffLinesIsMinimalAndCorrect(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := range 2000 {
		alphabet := 2 + iter%8
		a, b := randomLines(r, 40, alphabet), randomLines(r, 40, alphabet)
		ops := diffLines(a, b)
		var gotA, gotB []string
		kept := 0
		for _, op := range ops {
			switch op.kind {
			case ' ':
				gotA, gotB = append(gotA, op.text), append(gotB, op.text)
				kept++
			case '-':
				gotA = append(gotA, op.text)
			case '+':
				gotB = append(gotB, op.text)
			}
		}
		require.Equal(t, strings.Join(a, ""), strings.Join(gotA, ""), "old side, iteration %d", iter)
		require.Equal(t, strings.Join(b, ""), strings.Join(gotB, ""), "new side, iteration %d", iter)
		require.Equal(t, lcsLength(a, b), kept, "not minimal, iteration %d: %q -> %q", iter, a, b)
	}
}

func TestDiffLinesLargeInput(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	a := randomLines(r, 5000, 50)
	b := append([]string(nil), a...)
	for range 300 {
		i := r.IntN(len(b))
		b[i] = fmt.Sprintf("changed %d\n", r.IntN(1000))
	}
	ops := diffLines(a, b)
	kept := 0
	for _, op := range ops {
		if op.kind == ' ' {
			kept++
		}
	}
	assert.Equal(t, lcsLength(a, b), kept)
}

func BenchmarkUnifiedDiff(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	oldLines := randomLines(r, 4000, 1000)
	newLines := randomLines(r, 4000, 1000)
	oldText, newText := strings.Join(oldLines, ""), strings.Join(newLines, "")
	b.ResetTimer()
	for range b.N {
		UnifiedDiff("a/x", "b/x", oldText, newText)
	}
}
