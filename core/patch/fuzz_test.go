package patch

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// withoutLines clears the source line numbers, which differ between a
// patch and its re-rendered text.
func withoutLines(p *Patch) *Patch {
	out := &Patch{Hunks: make([]FileOp, len(p.Hunks))}
	for i, op := range p.Hunks {
		op.Line = 0
		chunks := make([]Chunk, len(op.Chunks))
		for j, c := range op.Chunks {
			c.Line = 0
			chunks[j] = c
		}
		if op.Chunks == nil {
			chunks = nil
		}
		op.Chunks = chunks
		out.Hunks[i] = op
	}
	return out
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		"*** Begin Patch\n*** Add File: a.txt\n+one\n+two\n*** End Patch\n",
		"*** Begin Patch\n*** Add File: a\n*** Add File:  b c\n+\n\n+x\r\n*** End Patch",
		"<<'EOF'\n*** Begin Patch\n*** Add File: a\n+x\n*** End Patch\nEOF\n",
		"*** Begin Patch\n*** Delete File: gone\n*** Update File: f\n*** Move to: g\n@@ ctx\n a\n-b\n+c\n*** End of File\n*** End Patch",
		"*** Begin Patch\n*** Update File: f\n@@ -1,2 +1,2 @@\n-a\n+b\n\n@@\n x\n*** End Patch",
		"*** Begin Patch\n*** End Patch",
		"",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := Parse(text)
		if err != nil {
			require.Nil(t, p)
			return
		}
		require.NotEmpty(t, p.Hunks)
		for _, op := range p.Hunks {
			if op.Kind != OpAdd {
				return
			}
		}
		again, err := Parse(p.String())
		require.NoError(t, err, "re-parsing %q", p.String())
		require.Equal(t, withoutLines(p), withoutLines(again))
	})
}
