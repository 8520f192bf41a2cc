package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/appserver"
	"github.com/codex-go/codex/internal/rpcclient"
	"github.com/codex-go/codex/tests/fakemodel"
)

func TestRepliesAnnounceTheirMessage(t *testing.T) {
	handler := modelHandler()
	for _, prompt := range []string{textPrompt, streamPrompt} {
		t.Run(prompt, func(t *testing.T) {
			body := map[string]any{"input": []any{map[string]any{
				"type": "message", "role": "user",
				"content": []any{map[string]any{"type": "input_text", "text": prompt}},
			}}}
			reply := handler(fakemodel.Recorded{JSON: body}, 0)
			added, firstDelta, deltas := -1, -1, 0
			for i, ev := range reply.Events {
				switch ev.Event {
				case fakemodel.EventOutputItemAdded:
					require.Equal(t, -1, added, "one message is announced once")
					added = i
					item := ev.Data.(map[string]any)["item"].(map[string]any)
					assert.Equal(t, "message", item["type"])
					assert.Equal(t, answerItemID, item["id"])
					assert.Equal(t, "assistant", item["role"])
				case fakemodel.EventOutputTextDelta:
					if firstDelta < 0 {
						firstDelta = i
					}
					deltas++
				}
			}
			require.GreaterOrEqual(t, added, 0)
			assert.Equal(t, added+1, firstDelta, "the announcement comes right before the first delta")
			text, _ := replyText(t, reply)
			if prompt == streamPrompt {
				assert.Equal(t, streamDeltas, deltas)
				assert.Equal(t, streamAnswer(), text)
			} else {
				assert.Equal(t, shortAnswer, text)
			}
		})
	}
}

func TestAnnouncedLeavesRepliesWithoutDeltasAlone(t *testing.T) {
	call := fakemodel.FunctionCall("call_1", "shell", shellArguments)
	assert.Equal(t, call, announced(call))
}

func TestV2Config(t *testing.T) {
	var cfg struct {
		Model                   string `toml:"model"`
		ModelProvider           string `toml:"model_provider"`
		CheckForUpdateOnStartup *bool  `toml:"check_for_update_on_startup"`
		Analytics               struct {
			Enabled *bool `toml:"enabled"`
		} `toml:"analytics"`
		ModelProviders map[string]struct {
			BaseURL string `toml:"base_url"`
		} `toml:"model_providers"`
	}
	provider := "model_provider = \"mock\"\n\n[model_providers.mock]\nbase_url = \"http://127.0.0.1:1/v1\"\n"
	_, err := toml.Decode(v2ConfigTOML(provider), &cfg)
	require.NoError(t, err)
	assert.Equal(t, "gpt-5.5", cfg.Model)
	assert.Equal(t, "mock", cfg.ModelProvider)
	require.NotNil(t, cfg.CheckForUpdateOnStartup)
	assert.False(t, *cfg.CheckForUpdateOnStartup)
	require.NotNil(t, cfg.Analytics.Enabled)
	assert.False(t, *cfg.Analytics.Enabled)
	assert.Equal(t, "http://127.0.0.1:1/v1", cfg.ModelProviders["mock"].BaseURL)
}

func TestPrepareV2HomeSetsHome(t *testing.T) {
	dir := t.TempDir()
	tg := &target{Name: nameReferenceV2}
	require.NoError(t, tg.prepareV2Home(dir, "model_provider = \"mock\"\n"))
	assert.FileExists(t, filepath.Join(tg.Home, "config.toml"))
	assert.DirExists(t, tg.UserHome)
	assert.DirExists(t, tg.Workspace)
	entries, err := os.ReadDir(tg.UserHome)
	require.NoError(t, err)
	assert.Empty(t, entries, "HOME starts empty")

	env := tg.env()
	assert.Contains(t, env, "HOME="+tg.UserHome)
	assert.Contains(t, env, "CODEX_HOME="+tg.Home)
	for _, kv := range env {
		if strings.HasPrefix(kv, "HOME=") {
			assert.Equal(t, "HOME="+tg.UserHome, kv, "only one HOME")
		}
	}

	plain := &target{Name: nameOurs, Home: "/x"}
	if home, ok := os.LookupEnv("HOME"); ok {
		assert.Contains(t, plain.env(), "HOME="+home, "HOME is kept when UserHome is unset")
	}
}

func TestInstalledReferenceV2(t *testing.T) {
	bin, err := installedReferenceV2("/p")
	if err != nil {
		t.Skip(err)
	}
	assert.Regexp(t, `^/p/node_modules/@openai/codex-(linux|darwin)-(x64|arm64)/vendor/[a-z0-9_]+-[a-z0-9-]+/bin/codex$`, bin)
	rel := referenceV2()
	assert.Equal(t, referenceV2Version, rel.Version)
	assert.Equal(t, refV2BinEnv, rel.Env)
	assert.NotEqual(t, reference045().Dir, rel.Dir, "each release has its own prefix")
}

func TestBenchmarksNameTheirReference(t *testing.T) {
	for _, b := range benchmarks() {
		// The v2 rows, and the WebSocket rows (v2 over --listen ws://).
		if strings.HasPrefix(b.Key, "v2-") || strings.HasPrefix(b.Key, "ws-") {
			assert.Equal(t, nameReferenceV2, b.reference(), b.Key)
		} else {
			assert.Equal(t, nameReference, b.reference(), b.Key)
		}
	}
}

// nopCloser is a writer that discards what it is given and closes.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// scripted returns a server whose output is lines.
func scripted(lines ...string) *server {
	out := strings.NewReader(strings.Join(lines, "\n") + "\n")
	return &server{client: rpcclient.New(out, nopCloser{io.Discard}, rpcclient.Options{})}
}

func TestAwaitTurnCompleted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	s := scripted(
		`{"method":"turn/started","params":{"threadId":"t1","turn":{"id":"u1"}},"emittedAtMs":1}`,
		`{"method":"item/agentMessage/delta","params":{"threadId":"t2","turnId":"u9","itemId":"m","delta":"other "},"emittedAtMs":1}`,
		`{"method":"item/agentMessage/delta","params":{"threadId":"t1","turnId":"u1","itemId":"m","delta":"Hello "},"emittedAtMs":1}`,
		`{"method":"item/agentMessage/delta","params":{"threadId":"t1","turnId":"u1","itemId":"m","delta":"there"},"emittedAtMs":1}`,
		`{"method":"item/completed","params":{"threadId":"t1","turnId":"u1","item":{"type":"userMessage","id":"x"}},"emittedAtMs":1}`,
		`{"method":"item/completed","params":{"threadId":"t1","turnId":"u1","item":{"type":"agentMessage","id":"m","text":"Hello there"}},"emittedAtMs":1}`,
		`{"method":"turn/completed","params":{"threadId":"t2","turn":{"id":"u9","status":"failed"}},"emittedAtMs":1}`,
		`{"method":"turn/completed","params":{"threadId":"t1","turn":{"id":"u1","status":"completed"}},"emittedAtMs":1}`,
	)
	st, err := s.awaitTurnCompleted(ctx, "t1", "u1")
	require.NoError(t, err)
	assert.Equal(t, 2, st.deltas)
	assert.Equal(t, "Hello there", st.deltaText.String())
	assert.Equal(t, []string{"Hello there"}, st.messages)
	require.NoError(t, checkStreamed(st, "Hello there", 2))
	require.ErrorContains(t, checkStreamed(st, "Hello there", 3), "2 deltas")
	require.ErrorContains(t, checkStreamed(st, "Hello", 1), "want one")
	require.ErrorContains(t, checkStreamTurn(st), "got 2 item/agentMessage/delta notifications, want 10000")

	s = scripted(`{"method":"turn/completed","params":{"threadId":"t1","turn":{"id":"u1","status":"failed","error":{"message":"boom"}}}}`)
	_, err = s.awaitTurnCompleted(ctx, "t1", "u1")
	require.ErrorContains(t, err, `turn ended with status "failed": boom`)

	s = scripted(`{"method":"item/commandExecution/requestApproval","id":0,"params":{"threadId":"t1"}}`)
	_, err = s.awaitTurnCompleted(ctx, "t1", "u1")
	require.ErrorContains(t, err, "unexpected server request item/commandExecution/requestApproval")

	s = scripted(`{"method":"turn/started","params":{"threadId":"t1"}}`)
	_, err = s.awaitTurnCompleted(ctx, "t1", "u1")
	require.ErrorContains(t, err, "exited before turn/completed")
}

// TestV2TurnsAgainstOurServer plays the v2 benchmarks' conversation with
// our app-server running in this process, against the benchmarks' fake
// provider, with the v2 configuration.
func TestV2TurnsAgainstOurServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	model := fakemodel.Start(modelHandler())
	t.Cleanup(model.Close)
	tg := &target{Name: nameOurs}
	require.NoError(t, tg.prepareV2Home(t.TempDir(), model.ConfigTOML()))
	srv := appserver.New(appserver.Options{CodexHome: tg.Home, Logger: slog.New(slog.DiscardHandler)})
	s := &server{client: rpcclient.Serve(ctx, srv.Run, rpcclient.Options{})}
	t.Cleanup(func() { assert.NoError(t, s.client.Shutdown(context.Background())) })
	r := &runner{model: model, timeout: time.Minute}

	require.NoError(t, s.initializeV2(ctx))
	thread, err := s.startThread(ctx, tg.Workspace)
	require.NoError(t, err)
	require.NoError(t, r.textTurnV2(ctx, s, thread))

	thread, err = s.startThread(ctx, tg.Workspace)
	require.NoError(t, err)
	st, err := s.turnV2(ctx, thread, streamPrompt)
	require.NoError(t, err)
	require.NoError(t, checkStreamTurn(st))
}

func TestReportWithV2Rows(t *testing.T) {
	rep := &report{
		Machine: machine{CPU: "Test CPU", Cores: 2, Kernel: "Linux 6.1", Arch: "linux/amd64"},
		Binaries: []binaryInfo{
			{Name: nameOurs, Path: "/tmp/codex", Version: "codex-cli 0.1.0"},
			{Name: nameReference, Path: "/ref/codex", Version: "codex-cli 0.45.0"},
			{Name: nameReferenceV2, Path: "/ref171/codex", Version: "codex-cli 0.171.0"},
		},
	}
	ours, _ := summarize([]float64{1})
	ref, _ := summarize([]float64{4})
	cold := result{Key: "cold", Title: "cold", Unit: unitMillis, Runs: 1, Against: nameReference}
	cold.set(nameOurs, ours)
	cold.set(nameReference, ref)
	cold.computeRatio()
	v2 := result{Key: "v2-stream10k", Title: "v2 stream", Unit: unitMillis, Runs: 1, Against: nameReferenceV2}
	v2.set(nameOurs, ours)
	v2.set(nameReferenceV2, ref)
	v2.computeRatio()
	v2rss := result{Key: "v2-rss", Title: "v2 rss", Unit: unitMiB, Runs: 1, Against: nameReferenceV2}
	v2rss.set(nameOurs, ours)
	v2rss.setError(nameReferenceV2, errors.New("no VmHWM"))
	rep.Results = []result{cold, v2, v2rss}

	var table strings.Builder
	require.NoError(t, writeTable(&table, rep))
	out := table.String()
	assert.Contains(t, out, "machine:      Test CPU")
	assert.Contains(t, out, "reference-v2: /ref171/codex (codex-cli 0.171.0)")
	assert.Contains(t, out, "benchmark | ours               | reference          | ours/reference\n")
	assert.Contains(t, out, "cold      | 1.00 ms (p90 1.00) | 4.00 ms (p90 4.00) | 0.25x\n")
	assert.Contains(t, out, "compared with reference-v2 (codex-cli 0.171.0):\n\n"+
		"benchmark | ours                | reference-v2       | ours/reference-v2\n")
	assert.Contains(t, out, "v2 stream | 1.00 ms (p90 1.00)  | 4.00 ms (p90 4.00) | 0.25x\n")
	assert.Contains(t, out, "v2 rss    | 1.00 MiB (p90 1.00) | error              | n/a\n")
	assert.Contains(t, out, "v2-rss / reference-v2: no VmHWM")
	assert.Less(t, strings.Index(out, "cold "), strings.Index(out, "compared with"), "the 0.45 table comes first")

	assert.Equal(t, "v2-stream10k: 10 deltas per sample; at the median ours 10000 deltas/s, reference-v2 2500 deltas/s",
		rateNote(v2, 10, "deltas"))
}
