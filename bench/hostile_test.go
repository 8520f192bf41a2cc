package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/internal/jsonrpcline"
)

// helperServerEnv makes the test binary serve as a stdio server instead of
// running tests; its first argument says which.
const helperServerEnv = "CODEX_BENCH_HELPER_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(helperServerEnv) != "" {
		runHelperServer(os.Args[1:])
		return
	}
	os.Exit(m.Run())
}

// helperHandler answers every request with an empty object.
type helperHandler struct{}

func (helperHandler) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	if !req.Notif {
		_ = jsonrpcline.Reply(ctx, conn, req.ID, struct{}{}, nil)
	}
}

// runHelperServer serves stdin and stdout the way the named server does.
func runHelperServer(args []string) {
	opts := jsonrpcline.Options{DetailedParseErrors: true}
	if len(args) > 0 && args[0] == "mcp-server" {
		opts = jsonrpcline.Options{WithVersion: true}
	}
	conn := jsonrpc2.NewConn(context.Background(), jsonrpcline.NewStream(os.Stdin, os.Stdout, opts), helperHandler{},
		jsonrpc2.SetLogger(jsonrpcline.NewLogger(nil)))
	<-conn.DisconnectNotify()
}

func TestHostileSectionAgainstAHelperServer(t *testing.T) {
	t.Setenv(helperServerEnv, "1")
	tmp := t.TempDir()
	tgt := &target{Name: nameOurs, Bin: os.Args[0]}
	require.NoError(t, tgt.prepareHome(tmp, ""))
	cfg := hostileConfig{requests: 2000, lineBytes: 1 << 20, stall: 200 * time.Millisecond, wait: 30 * time.Second, rssLimit: 4 << 30}
	var log strings.Builder
	results := (&runner{log: &log}).runHostile(context.Background(), []*target{tgt}, cfg)

	require.Len(t, results, 8, log.String())
	byKey := map[string][]hostileResult{}
	for _, res := range results {
		assert.Empty(t, res.Error, "%s %s", res.Key, res.Server)
		assert.True(t, res.OK, "%s %s: %s", res.Key, res.Server, res.Outcome)
		assert.Positive(t, res.PeakRSSMiB, res.Key)
		byKey[res.Key] = append(byKey[res.Key], res)
	}
	for _, res := range byKey["flood"] {
		assert.Equal(t, "all 2000 answered", res.Outcome)
		assert.NotNil(t, res.Millis)
	}
	for _, res := range byKey["batch-line"] {
		assert.Equal(t, `request after it answered; the line got error -32600 "Invalid request"`, res.Outcome)
	}
	for _, res := range byKey["string-line"] {
		assert.Equal(t, "request after it answered; the line got a result", res.Outcome)
	}
	for _, res := range byKey["stalled-reader"] {
		assert.True(t, strings.HasPrefix(res.Outcome, "alive; the server took "), res.Outcome)
		assert.Nil(t, res.Millis)
	}

	var table strings.Builder
	require.NoError(t, writeTable(&table, &report{Hostile: results}))
	assert.Regexp(t, `(?m)^2000 requests in one write +\| app-server \| ours +\| yes +\| [0-9.]+ ms +\| [0-9.]+ MiB +\| all 2000 answered$`, table.String())
	assert.NotContains(t, table.String(), "runs:")
}

func TestSplitOnly(t *testing.T) {
	tests := []struct {
		only         string
		hostile      bool
		rest         string
		noBenchmarks bool
		runHostile   bool
	}{
		{"", true, "", false, true},
		{"", false, "", false, false},
		{"cold,rss", true, "cold,rss", false, false},
		{"cold, hostile ,rss", true, "cold,rss", false, true},
		{"hostile", true, "", true, true},
		{" hostile, ", false, "", true, false},
	}
	for _, tt := range tests {
		rest, none, run := splitOnly(tt.only, tt.hostile)
		assert.Equal(t, tt.rest, rest, tt.only)
		assert.Equal(t, tt.noBenchmarks, none, tt.only)
		assert.Equal(t, tt.runHostile, run, tt.only)
	}
}

func TestWriteRepeated(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, writeRepeated(&b, "[", "1,", "1]", 3<<20))
	line := b.Bytes()
	assert.InDelta(t, 3<<20, len(line), 4)
	assert.Equal(t, byte('\n'), line[len(line)-1])
	var v []int
	require.NoError(t, json.Unmarshal(line, &v))
	assert.Len(t, v, (len(line)-1)/2)

	b.Reset()
	require.NoError(t, writeRepeated(&b, `{"s":"`, "x", `"}`, 100))
	assert.Equal(t, `{"s":"`+strings.Repeat("x", 92)+`"}`+"\n", b.String())
}

func TestStatusBytes(t *testing.T) {
	status := []byte("Name:\tcodex\nVmHWM:\t  2048 kB\nVmRSS:\t1024 kB\nBad:\t1 MB\n")
	hwm, err := statusBytes(status, "VmHWM")
	require.NoError(t, err)
	assert.Equal(t, int64(2048*1024), hwm)
	rss, err := statusBytes(status, "VmRSS")
	require.NoError(t, err)
	assert.Equal(t, int64(1024*1024), rss)
	_, err = statusBytes(status, "Bad")
	require.Error(t, err)
	_, err = statusBytes(status, "VmPeak")
	require.Error(t, err)
}

func TestFormatBytes(t *testing.T) {
	assert.Equal(t, "100 MiB", formatBytes(100<<20))
	assert.Equal(t, "4.0 GiB", formatBytes(4<<30))
	assert.Equal(t, "64 KiB", formatBytes(64<<10))
	assert.Equal(t, "12 B", formatBytes(12))
}
