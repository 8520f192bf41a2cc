package tests

import (
	"debug/elf"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBinaryCarriesLibseccomp checks that the sandbox helper, which is the
// codex binary, does not load libseccomp at start-up: a library found
// through a writable LD_LIBRARY_PATH entry would run before any
// restriction.
func TestBinaryCarriesLibseccomp(t *testing.T) {
	f, err := elf.Open(codexBin)
	require.NoError(t, err)
	defer f.Close()
	libs, err := f.ImportedLibraries()
	require.NoError(t, err)
	for _, lib := range libs {
		assert.False(t, strings.Contains(lib, "seccomp"), "codex needs %s at start-up", lib)
	}
	symbols, err := f.Symbols()
	require.NoError(t, err)
	found := false
	for _, s := range symbols {
		if s.Name == "seccomp_init" && s.Section != elf.SHN_UNDEF {
			found = true
			break
		}
	}
	assert.True(t, found, "libseccomp is linked into the binary")
}
