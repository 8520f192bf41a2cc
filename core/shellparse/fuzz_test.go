package shellparse

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// rejoin renders segments back into a script with their operators.
func rejoin(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(Join(s.words))
		if s.op != "" {
			b.WriteString(" " + s.op + " ")
		}
	}
	return b.String()
}

func FuzzSplit(f *testing.F) {
	seeds := []string{
		"ls -la",
		"bash -lc 'echo hi'",
		"echo hi > out.txt; cat out.txt",
		`echo "a \"b\" \\c" 'd'\''e' f\ g`,
		"a && b || c | d; e\nf",
		"if true; then x; fi",
		"'A=1' x=2 =y",
		"echo '' \"\" a\\\nb",
		"rg -n 'foo|bar' src | head -n 20",
		"\\\n",
		"echo $(pwd) `x` ${y} ~ #c",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script string) {
		segs, ok := splitScript(script)
		cmds, splitOK := Split(script)
		require.Equal(t, ok, splitOK)
		if !ok {
			require.Nil(t, cmds)
			return
		}
		require.NotEmpty(t, segs)
		for i, s := range segs {
			require.NotEmpty(t, s.words)
			require.Equal(t, s.words, cmds[i])
			if i == len(segs)-1 {
				require.Empty(t, s.op)
			} else {
				require.NotEmpty(t, s.op)
			}
		}

		again, ok := splitScript(rejoin(segs))
		require.True(t, ok, "re-split of %q", rejoin(segs))
		require.Equal(t, segs, again)

		// Joining with separators only gives the same commands.
		lines := make([]string, len(cmds))
		for i, c := range cmds {
			lines[i] = Join(c)
		}
		back, ok := Split(strings.Join(lines, "\n"))
		require.True(t, ok)
		require.Equal(t, cmds, back)

		// Parse never panics on what Split accepts.
		require.NotEmpty(t, Parse([]string{"bash", "-lc", script}))
	})
}
