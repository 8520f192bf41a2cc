package shellparse

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

// TestParseMatchesReference checks Parse against parsed_cmd as codex-cli
// 0.45.0 sent it in exec_command_begin, one line of the testdata file per
// command the fake model asked it to run as ["bash", "-lc", command]. The
// JSON is compared as written, so null members and left-out members differ.
func TestParseMatchesReference(t *testing.T) {
	f, err := os.Open("testdata/parsed-cmd-0.45.0.jsonl")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var line struct {
			Command   string          `json:"command"`
			ParsedCmd json.RawMessage `json:"parsed_cmd"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line))
		n++
		t.Run(line.Command, func(t *testing.T) {
			got, err := protocol.Marshal(Parse(bash(line.Command)))
			require.NoError(t, err)
			assert.JSONEq(t, string(line.ParsedCmd), string(got))
		})
	}
	require.NoError(t, sc.Err())
	assert.GreaterOrEqual(t, n, 25)
}
