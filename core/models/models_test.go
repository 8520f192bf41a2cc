package models

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCatalogIsConsistent(t *testing.T) {
	all, err := Catalog()
	require.NoError(t, err)
	require.NotEmpty(t, all)
	seen := map[string]bool{}
	defaults := 0
	for _, m := range all {
		assert.False(t, seen[m.ID], "duplicate model %s", m.ID)
		seen[m.ID] = true
		assert.NotEmpty(t, m.DisplayName, m.ID)
		assert.NotEmpty(t, m.Description, m.ID)
		assert.Len(t, m.Efforts, len(m.EffortNames), m.ID)
		assert.Contains(t, m.EffortNames, m.DefaultEffort, m.ID)
		assert.NotEmpty(t, m.InputModalities, m.ID)
		for _, e := range m.Efforts {
			assert.NotEmpty(t, e.Description, "%s %s", m.ID, e.Name)
		}
		if m.IsDefault {
			defaults++
			assert.False(t, m.Hidden, "the default model is visible")
		}
	}
	assert.Equal(t, 1, defaults, "exactly one default model")
	for _, m := range all {
		if m.Upgrade != nil {
			assert.True(t, seen[m.Upgrade.Model], "%s upgrades to an unknown model %s", m.ID, m.Upgrade.Model)
		}
	}
}

func TestAvailable(t *testing.T) {
	all, err := Catalog()
	require.NoError(t, err)
	visible, err := Available("", "", false)
	require.NoError(t, err)
	withHidden, err := Available("", "", true)
	require.NoError(t, err)
	assert.Equal(t, all, withHidden)
	assert.Less(t, len(visible), len(all), "the catalog has hidden models")
	for _, m := range visible {
		assert.False(t, m.Hidden, m.ID)
	}

	// A model the catalog knows is not added again.
	known, err := Available(all[0].ID, "", false)
	require.NoError(t, err)
	assert.Equal(t, visible, known)

	// The configured model comes last.
	mine, err := Available("my-local-model", "high", false)
	require.NoError(t, err)
	require.Len(t, mine, len(visible)+1)
	last := mine[len(mine)-1]
	assert.Equal(t, "my-local-model", last.ID)
	assert.Equal(t, "my-local-model", last.DisplayName)
	assert.True(t, last.Configured)
	assert.Equal(t, "high", last.DefaultEffort)
	assert.Equal(t, []string{"low", "medium", "high"}, last.EffortNames)
	assert.Equal(t, []string{"text", "image"}, last.InputModalities)
	assert.Len(t, last.Efforts, 3)

	odd, err := Available("my-local-model", "xhigh", false)
	require.NoError(t, err)
	assert.Equal(t, "medium", odd[len(odd)-1].DefaultEffort, "an effort it does not accept falls back to medium")
}
