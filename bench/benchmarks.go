package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/codex-go/codex/internal/rpcclient"
)

// unit is what a benchmark's samples are measured in.
type unit string

// The units samples are recorded in.
const (
	unitMillis unit = "ms"
	unitMiB    unit = "MiB"
)

// sampleFunc takes one measurement.
type sampleFunc func(ctx context.Context) (float64, error)

// benchmark is one row of the report. To add a benchmark, write its prepare
// function and append an entry to benchmarks.
type benchmark struct {
	// Key selects the benchmark with -only.
	Key string
	// Title is the row label.
	Title string
	// Unit is what the samples are in.
	Unit unit
	// Runs is the default number of measured samples per binary; -n
	// overrides it. Heavy benchmarks take fewer so that a full run stays
	// within about ten minutes on two cores.
	Runs int
	// Warmups is the number of samples taken and discarded before them.
	Warmups int
	// Items, when positive, is how many items (named by ItemName) one
	// sample processes; the report then notes the rate per second.
	Items int
	// ItemName names the items, e.g. "deltas".
	ItemName string
	// Reference names the binary ours is compared with: nameReference
	// (codex-cli 0.45.0) when empty, or nameReferenceV2 (codex-cli 0.171.0)
	// for the rows of the v2 protocol, which 0.45 does not speak.
	Reference string
	// Setup, when set, runs once before the benchmark's first binary, to
	// build inputs both binaries share.
	Setup func(ctx context.Context, r *runner) error
	// Prepare runs once per binary before its warm-ups. It returns the
	// function that takes one sample and a cleanup run after the last one.
	// State shared between samples (a long-running server, a populated
	// CODEX_HOME) lives in the closure.
	Prepare func(ctx context.Context, r *runner, t *target) (sampleFunc, func() error, error)
}

// benchmarks lists every benchmark in report order, with its default
// number of runs and warm-ups.
func benchmarks() []benchmark {
	return []benchmark{
		{Key: "cold", Title: "cold start (spawn -> initialize answered)", Unit: unitMillis,
			Runs: 15, Warmups: 2, Prepare: coldStart((*server).initialize)},
		{Key: "turn", Title: "text turn (newConversation -> task_complete)", Unit: unitMillis,
			Runs: 15, Warmups: 2, Prepare: prepareTextTurn},
		{Key: "stream10k", Title: "10,000-delta text turn (newConversation -> task_complete)", Unit: unitMillis,
			Runs: 10, Warmups: 1, Items: streamDeltas, ItemName: "deltas", Prepare: prepareStreamTurn},
		{Key: "rss", Title: "peak RSS (app-server, one text turn)", Unit: unitMiB,
			Runs: 10, Warmups: 1, Prepare: preparePeakRSS},
		{Key: "rss-session", Title: "peak RSS (app-server, 5-turn session incl. shell call + 10k deltas)", Unit: unitMiB,
			Runs: 5, Warmups: 1, Prepare: prepareSessionRSS},
		{Key: "list10k", Title: "listConversations, 10,000 sessions, first page of 25", Unit: unitMillis,
			Runs: 15, Warmups: 2, Setup: setupSessionsTree, Prepare: prepareListFirstPage},
		{Key: "list10k-cursor", Title: "listConversations, 10,000 sessions, page of 25 at a cursor halfway", Unit: unitMillis,
			Runs: 15, Warmups: 2, Setup: setupSessionsTree, Prepare: prepareListAtCursor},
		{Key: "fuzzy100k", Title: "fuzzyFileSearch \"srvhndl\", 100,000 files", Unit: unitMillis,
			Runs: 10, Warmups: 1, Setup: setupFuzzyTree, Prepare: prepareFuzzySearch},
		{Key: "sandbox", Title: "sandbox spawn (`codex sandbox linux -- true`)", Unit: unitMillis,
			Runs: 15, Warmups: 2, Prepare: prepareSandboxSpawn},
		{Key: "true", Title: "bare `true` spawn (baseline for sandbox spawn)", Unit: unitMillis,
			Runs: 15, Warmups: 2, Prepare: prepareBareTrue},
		{Key: "mcp-cold", Title: "mcp-server cold start (spawn -> initialize answered)", Unit: unitMillis,
			Runs: 15, Warmups: 2, Prepare: prepareMCPColdStart},
		{Key: "v2-cold", Title: "v2 cold start (spawn -> initialize answered)", Unit: unitMillis,
			Runs: 15, Warmups: 2, Reference: nameReferenceV2, Prepare: coldStart((*server).initializeV2)},
		{Key: "v2-turn", Title: "v2 text turn (turn/start -> turn/completed, new thread each run)", Unit: unitMillis,
			Runs: 15, Warmups: 2, Reference: nameReferenceV2, Prepare: prepareV2Turn(textPrompt, checkTextTurn)},
		{Key: "v2-stream10k", Title: "v2 10,000-delta text turn (turn/start -> turn/completed)", Unit: unitMillis,
			Runs: 10, Warmups: 1, Items: streamDeltas, ItemName: "deltas", Reference: nameReferenceV2,
			Prepare: prepareV2Turn(streamPrompt, checkStreamTurn)},
		{Key: "v2-rss", Title: "v2 peak RSS (app-server, thread/start + one text turn)", Unit: unitMiB,
			Runs: 10, Warmups: 1, Reference: nameReferenceV2, Prepare: prepareV2PeakRSS},
		{Key: "v2-list10k", Title: "v2 thread/list, 10,000 threads, first page of 25", Unit: unitMillis,
			Runs: 15, Warmups: 3, Reference: nameReferenceV2, Setup: setupSessionsTree, Prepare: prepareV2ListFirstPage},
		{Key: "v2-readdir100k", Title: "v2 fs/readDirectory, 100,000 entries", Unit: unitMillis,
			Runs: 10, Warmups: 1, Items: readDirEntries, ItemName: "entries", Reference: nameReferenceV2,
			Setup: setupReadDir, Prepare: prepareReadDir},
		{Key: "ws-rtt", Title: "WebSocket round trip (thread/loaded/list over ws://127.0.0.1)", Unit: unitMillis,
			Runs: 200, Warmups: 20, Reference: nameReferenceV2, Prepare: prepareWSRoundTrip},
		{Key: "ws-fanout", Title: "100 WebSocket clients, one server, each a 10,000-delta turn (first turn/start -> last turn/completed)", Unit: unitMillis,
			Runs: 2, Warmups: 0, Items: fanoutClients * streamDeltas, ItemName: "deltas", Reference: nameReferenceV2, Prepare: prepareWSFanout},
		{Key: "ws-fanout-rss", Title: "peak RSS (app-server, the 100 clients of ws-fanout)", Unit: unitMiB,
			Runs: 1, Warmups: 0, Reference: nameReferenceV2, Prepare: prepareWSFanoutRSS},
	}
}

// reference returns the name of the binary b compares ours with.
func (b benchmark) reference() string {
	if b.Reference == "" {
		return nameReference
	}
	return b.Reference
}

// selectBenchmarks returns the benchmarks named in the comma-separated only
// list, in report order; an empty list selects all.
func selectBenchmarks(all []benchmark, only string) ([]benchmark, error) {
	if strings.TrimSpace(only) == "" {
		return all, nil
	}
	want := map[string]bool{}
	for _, k := range strings.Split(only, ",") {
		if k = strings.TrimSpace(k); k != "" {
			want[k] = true
		}
	}
	var out []benchmark
	for _, b := range all {
		if want[b.Key] {
			out = append(out, b)
			delete(want, b.Key)
		}
	}
	if len(want) > 0 {
		unknown := slices.Sorted(maps.Keys(want))
		return nil, fmt.Errorf("unknown benchmark %s (known: %s)", strings.Join(unknown, ", "), strings.Join(benchmarkKeys(all), ", "))
	}
	return out, nil
}

// benchmarkKeys returns the keys of bs in order.
func benchmarkKeys(bs []benchmark) []string {
	keys := make([]string, 0, len(bs))
	for _, b := range bs {
		keys = append(keys, b.Key)
	}
	return keys
}

// noCleanup is the cleanup of benchmarks that keep no state between samples.
func noCleanup() error { return nil }

// millisSince returns the time elapsed since start in milliseconds.
func millisSince(start time.Time) float64 {
	return float64(time.Since(start)) / float64(time.Millisecond)
}

// checkModelCalled fails when the fake provider received no Responses API
// request since it had received before, i.e. a turn completed without
// consulting the model.
func (r *runner) checkModelCalled(before int) error {
	if r.modelCalls() <= before {
		return errors.New("the turn completed without a request to the model provider")
	}
	return nil
}

// coldStart returns the Prepare function of a cold-start benchmark: each
// sample spawns `app-server` and stops the clock when handshake (the 0.45
// or the v2 initialize) has its answer. The server is then closed and
// waited for, untimed.
func coldStart(handshake func(*server, context.Context) error) func(context.Context, *runner, *target) (sampleFunc, func() error, error) {
	return func(_ context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
		sample := func(ctx context.Context) (float64, error) {
			ctx, cancel := context.WithTimeout(ctx, r.timeout)
			defer cancel()
			start := time.Now()
			s, err := spawn(ctx, t)
			if err != nil {
				return 0, err
			}
			if err := handshake(s, ctx); err != nil {
				_ = s.close()
				return 0, err
			}
			elapsed := millisSince(start)
			if err := s.close(); err != nil {
				return 0, err
			}
			return elapsed, nil
		}
		return sample, noCleanup, nil
	}
}

// prepareTextTurn starts one app-server for all samples; each sample is a
// new conversation with one user message answered by a short text.
func prepareTextTurn(ctx context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	s, err := spawn(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	initCtx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := s.initialize(initCtx); err != nil {
		_ = s.close()
		return nil, nil, err
	}
	sample := func(ctx context.Context) (float64, error) {
		ctx, cancel := context.WithTimeout(ctx, r.timeout)
		defer cancel()
		calls := r.modelCalls()
		start := time.Now()
		if err := s.textTurn(ctx, t.Workspace); err != nil {
			return 0, err
		}
		elapsed := millisSince(start)
		if err := r.checkModelCalled(calls); err != nil {
			return 0, err
		}
		return elapsed, nil
	}
	return sample, s.close, nil
}

// preparePeakRSS measures, per sample, a fresh app-server's resident-set
// high-water mark after initialize and one text turn.
func preparePeakRSS(_ context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	sample := func(ctx context.Context) (float64, error) {
		ctx, cancel := context.WithTimeout(ctx, r.timeout)
		defer cancel()
		s, err := spawn(ctx, t)
		if err != nil {
			return 0, err
		}
		hwm, err := func() (int64, error) {
			if err := s.initialize(ctx); err != nil {
				return 0, err
			}
			calls := r.modelCalls()
			if err := s.textTurn(ctx, t.Workspace); err != nil {
				return 0, err
			}
			if err := r.checkModelCalled(calls); err != nil {
				return 0, err
			}
			return s.peakRSS()
		}()
		closeErr := s.close()
		if err != nil {
			return 0, err
		}
		if closeErr != nil {
			return 0, closeErr
		}
		return float64(hwm) / (1 << 20), nil
	}
	return sample, noCleanup, nil
}

// timeCommand runs cmd to completion and returns its wall-clock time in
// milliseconds; a failure or a non-zero exit is an error.
func timeCommand(cmd *exec.Cmd) (float64, error) {
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := millisSince(start)
	if err != nil {
		return 0, fmt.Errorf("%s: %w: %s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return elapsed, nil
}

// prepareSandboxSpawn measures `codex sandbox linux -- true` from spawn to
// exit: configuration loading, the sandbox set-up and running the command.
// Linux only.
func prepareSandboxSpawn(_ context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	if runtime.GOOS != "linux" {
		return nil, nil, fmt.Errorf("the Linux sandbox cannot be measured on %s", runtime.GOOS)
	}
	sample := func(ctx context.Context) (float64, error) {
		ctx, cancel := context.WithTimeout(ctx, r.timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, t.Bin, "sandbox", "linux", "--", "true")
		cmd.Env = t.env()
		cmd.Dir = t.Workspace
		return timeCommand(cmd)
	}
	return sample, noCleanup, nil
}

// prepareBareTrue measures spawning `true` without any sandbox, the floor
// under the sandbox spawn row. It does not use the binary under test, so
// both columns measure the same thing.
func prepareBareTrue(_ context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	bin, err := exec.LookPath("true")
	if err != nil {
		return nil, nil, fmt.Errorf("find true: %w", err)
	}
	sample := func(ctx context.Context) (float64, error) {
		ctx, cancel := context.WithTimeout(ctx, r.timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin)
		cmd.Env = t.env()
		cmd.Dir = t.Workspace
		return timeCommand(cmd)
	}
	return sample, noCleanup, nil
}

// mcpInitializeParams are the params of the initialize request the
// mcp-server cold start sends, as an MCP host would.
var mcpInitializeParams = map[string]any{
	"protocolVersion": "2025-06-18",
	"capabilities":    map[string]any{"elicitation": map[string]any{}},
	"clientInfo":      map[string]any{"name": "codex-bench", "version": "1.0.0"},
}

// prepareMCPColdStart measures spawning `mcp-server` until the answer to
// its initialize request arrives. The server's stdin is then closed and its
// exit waited for, untimed.
func prepareMCPColdStart(_ context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	sample := func(ctx context.Context) (float64, error) {
		ctx, cancel := context.WithTimeout(ctx, r.timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, t.Bin, "mcp-server")
		cmd.Env = t.env()
		cmd.Dir = t.Workspace
		start := time.Now()
		c, err := rpcclient.Spawn(cmd, rpcclient.Options{JSONRPC: true})
		if err != nil {
			return 0, fmt.Errorf("start %s mcp-server: %w", t.Name, err)
		}
		err = checkMCPInitialize(c.Request(ctx, "initialize", mcpInitializeParams))
		elapsed := millisSince(start)
		waitErr := c.Shutdown(ctx)
		if err != nil {
			return 0, fmt.Errorf("%s mcp-server initialize: %w: %s", t.Name, err, strings.TrimSpace(c.Stderr()))
		}
		if waitErr != nil {
			return 0, fmt.Errorf("%s mcp-server exit: %w: %s", t.Name, waitErr, strings.TrimSpace(c.Stderr()))
		}
		return elapsed, nil
	}
	return sample, noCleanup, nil
}

// checkMCPInitialize checks the answer to the initialize request, which
// must be a result naming the server.
func checkMCPInitialize(m rpcclient.Message, err error) error {
	if err != nil {
		return err
	}
	var res struct {
		ServerInfo struct {
			Name string `json:"name"`
		} `json:"serverInfo"`
	}
	if m.Error != nil || json.Unmarshal(m.Result, &res) != nil || res.ServerInfo.Name == "" {
		return fmt.Errorf("unexpected answer %s", m.Raw)
	}
	return nil
}
