package notify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartPassesTurnAsJSON(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "arg.json")
	last := "done"
	err := Start([]string{"sh", "-c", `printf '%s' "$1" > "$0.tmp" && mv "$0.tmp" "$0"`, out},
		TurnComplete{TurnID: "3", InputMessages: []string{"fix <it>"}, LastAssistantMessage: &last})
	require.NoError(t, err)

	var data []byte
	require.Eventually(t, func() bool {
		data, err = os.ReadFile(out)
		return err == nil
	}, 10*time.Second, 10*time.Millisecond)
	assert.JSONEq(t, `{"type":"agent-turn-complete","turn-id":"3","input-messages":["fix <it>"],"last-assistant-message":"done"}`, string(data))
	var raw map[string]any
	require.NoError(t, json.Unmarshal(data, &raw))
}

func TestStartErrors(t *testing.T) {
	assert.NoError(t, Start(nil, TurnComplete{}))
	assert.Error(t, Start([]string{filepath.Join(t.TempDir(), "missing")}, TurnComplete{}))
}
