package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/codex-go/codex/internal/rpcclient"
)

// The v2 protocol rows compare our binary with codex-cli 0.171.0, the
// release whose app-server protocol (threads, turns, items) ours serves
// beside the 0.45 one; 0.45 does not speak it.

// nameReferenceV2 names the reference of the v2 rows: the JSON key of its
// results and its column in the report.
const nameReferenceV2 = "reference-v2"

// referenceV2Version is the codex-cli release the v2 rows compare against.
const referenceV2Version = "0.171.0"

// refV2BinEnv names the environment variable that points at a codex-cli
// 0.171.0 binary and skips the lookup under bench/.ref-0.171.
const refV2BinEnv = "CODEX_REF171_BIN"

// referenceV2 is the release of the v2 rows.
func referenceV2() release {
	return release{Version: referenceV2Version, Env: refV2BinEnv, Dir: ".ref-0.171", Binary: installedReferenceV2}
}

// installedReferenceV2 returns where `npm install --prefix prefix` puts
// the binary of codex-cli 0.171.0. Unlike 0.45.0, its @openai/codex
// package holds no binary: it depends on a package per platform, which
// npm installs under the alias @openai/codex-<platform> (linux-x64,
// linux-arm64, darwin-x64, darwin-arm64).
func installedReferenceV2(prefix string) (string, error) {
	triple, err := targetTriple()
	if err != nil {
		return "", err
	}
	platforms := map[string]string{
		"linux/amd64":  "linux-x64",
		"linux/arm64":  "linux-arm64",
		"darwin/amd64": "darwin-x64",
		"darwin/arm64": "darwin-arm64",
	}
	platform := platforms[runtime.GOOS+"/"+runtime.GOARCH]
	return filepath.Join(prefix, "node_modules", "@openai", "codex-"+platform, "vendor", triple, "bin", "codex"), nil
}

// v2ConfigTOML returns the config.toml of a v2 target: the fake provider
// described by providerTOML, plus what codex-cli 0.171 needs to run
// offline: no update check, no analytics, and a model name it knows (an
// unknown one works but adds a warning to every thread). Ours gets the
// same file and ignores the keys it does not know.
func v2ConfigTOML(providerTOML string) string {
	return "model = \"gpt-5.5\"\ncheck_for_update_on_startup = false\n" +
		providerTOML + "\n[analytics]\nenabled = false\n"
}

// prepareV2Home creates t's CODEX_HOME, HOME and workspace for the v2
// rows under dir (named after t and apart from those of prepareHome) and
// writes v2ConfigTOML there. HOME is an empty directory, so that nothing
// of the user running the harness (shell profile, global git or codex
// settings) reaches either binary.
func (t *target) prepareV2Home(dir, providerTOML string) error {
	t.Home = filepath.Join(dir, t.Name+"-v2-home")
	t.UserHome = filepath.Join(dir, t.Name+"-v2-user")
	t.Workspace = filepath.Join(dir, t.Name+"-v2-workspace")
	for _, d := range []string{t.Home, t.UserHome, t.Workspace} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	path := filepath.Join(t.Home, "config.toml")
	if err := os.WriteFile(path, []byte(v2ConfigTOML(providerTOML)), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// textPrompt is the user's input of a v2 text turn.
const textPrompt = "Say hello."

// The v2 methods and notifications the benchmarks use.
const (
	methodInitialized       = "initialized"
	methodThreadStart       = "thread/start"
	methodTurnStart         = "turn/start"
	methodTurnCompleted     = "turn/completed"
	methodItemCompleted     = "item/completed"
	methodAgentMessageDelta = "item/agentMessage/delta"
)

// v2InitializeParams are the params of the initialize request of a v2
// client.
func v2InitializeParams() map[string]any {
	return map[string]any{
		"clientInfo":   map[string]any{"name": "codex-bench", "title": "codex bench", "version": "1.0.0"},
		"capabilities": map[string]any{},
	}
}

// initializeV2 sends a v2 client's initialize request and waits for its
// answer, which must name the user agent and CODEX_HOME, as a server of
// the v2 protocol does. The initialized notification is sent after it.
func (s *server) initializeV2(ctx context.Context) error {
	var resp struct {
		UserAgent string `json:"userAgent"`
		CodexHome string `json:"codexHome"`
	}
	if err := s.client.Call(ctx, "initialize", v2InitializeParams(), &resp); err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	if resp.UserAgent == "" || resp.CodexHome == "" {
		return errors.New("initialize: the answer lacks userAgent or codexHome")
	}
	if err := s.client.Notify(methodInitialized, nil); err != nil {
		return fmt.Errorf("send initialized: %w", err)
	}
	return nil
}

// startV2Server spawns an app-server for t and initializes it as a v2
// client.
func startV2Server(ctx context.Context, r *runner, t *target) (*server, error) {
	s, err := spawn(ctx, t)
	if err != nil {
		return nil, err
	}
	initCtx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := s.initializeV2(initCtx); err != nil {
		_ = s.close()
		return nil, err
	}
	return s, nil
}

// startThread starts a thread in workspace that never asks for approval
// and runs commands read-only; it returns the thread id.
func (s *server) startThread(ctx context.Context, workspace string) (string, error) {
	var resp struct {
		Thread struct {
			ID string `json:"id"`
		} `json:"thread"`
	}
	params := map[string]any{"cwd": workspace, "approvalPolicy": "never", "sandbox": "read-only"}
	if err := s.client.Call(ctx, methodThreadStart, params, &resp); err != nil {
		return "", fmt.Errorf("thread/start: %w", err)
	}
	if resp.Thread.ID == "" {
		return "", errors.New("thread/start: the answer has no thread id")
	}
	return resp.Thread.ID, nil
}

// v2TurnStats is what a v2 turn's notifications showed.
type v2TurnStats struct {
	// deltas counts the turn's item/agentMessage/delta notifications.
	deltas int
	// deltaText is their text, concatenated.
	deltaText strings.Builder
	// messages are the texts of the agentMessage items the turn completed.
	messages []string
}

// turnV2 starts a turn of thread threadID with text as the user's input and
// waits for its turn/completed notification.
func (s *server) turnV2(ctx context.Context, threadID, text string) (*v2TurnStats, error) {
	var resp struct {
		Turn struct {
			ID string `json:"id"`
		} `json:"turn"`
	}
	params := map[string]any{
		"threadId": threadID,
		"input":    []any{map[string]any{"type": "text", "text": text}},
	}
	if err := s.client.Call(ctx, methodTurnStart, params, &resp); err != nil {
		return nil, fmt.Errorf("turn/start: %w", err)
	}
	if resp.Turn.ID == "" {
		return nil, errors.New("turn/start: the answer has no turn id")
	}
	return s.awaitTurnCompleted(ctx, threadID, resp.Turn.ID)
}

// v2Notification holds the members of the notifications awaitTurnCompleted
// reads; each fills the ones it has.
type v2Notification struct {
	ThreadID string `json:"threadId"`
	TurnID   string `json:"turnId"`
	Delta    string `json:"delta"`
	Item     struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"item"`
	Turn struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Error  *struct {
			Message string `json:"message"`
		} `json:"error"`
	} `json:"turn"`
}

// awaitTurnCompleted reads notifications until turn turnID of thread
// threadID completes, collecting its message deltas and finished agent
// messages on the way. Notifications of other threads and turns are
// skipped. A server request fails the turn (a text turn runs no command),
// and so does a turn that ends in any status but completed.
func (s *server) awaitTurnCompleted(ctx context.Context, threadID, turnID string) (*v2TurnStats, error) {
	st := &v2TurnStats{}
	for {
		m, err := s.client.Next(ctx)
		switch {
		case errors.Is(err, rpcclient.ErrOutputEnded):
			return st, errors.New("app-server exited before turn/completed")
		case err != nil:
			return st, fmt.Errorf("waiting for turn/completed: %w", err)
		case m.Invalid != nil:
			return st, fmt.Errorf("app-server wrote a line that is not JSON: %q", m.Raw)
		case len(m.ID) > 0:
			return st, fmt.Errorf("unexpected server request %s during a text turn", m.Method)
		}
		n, ok, err := decodeTurnNotice(m.Method, m.Params)
		if err != nil {
			return st, err
		}
		if !ok || n.ThreadID != threadID {
			continue
		}
		if done, err := st.add(m.Method, n, turnID); done || err != nil {
			return st, err
		}
	}
}

// decodeTurnNotice decodes a notification the turn statistics use; ok is
// false for the others.
func decodeTurnNotice(method string, params json.RawMessage) (n v2Notification, ok bool, err error) {
	switch method {
	case methodAgentMessageDelta, methodItemCompleted, methodTurnCompleted:
	default:
		return n, false, nil
	}
	if err := json.Unmarshal(params, &n); err != nil {
		return n, false, fmt.Errorf("decode %s: %w", method, err)
	}
	return n, true, nil
}

// add folds notification n (method) of the thread into st when it belongs
// to turn turnID, and reports whether it ended the turn; a turn that ends
// in any status but completed is an error.
func (st *v2TurnStats) add(method string, n v2Notification, turnID string) (bool, error) {
	switch method {
	case methodAgentMessageDelta:
		if n.TurnID == turnID {
			st.deltas++
			st.deltaText.WriteString(n.Delta)
		}
	case methodItemCompleted:
		if n.TurnID == turnID && n.Item.Type == "agentMessage" {
			st.messages = append(st.messages, n.Item.Text)
		}
	case methodTurnCompleted:
		if n.Turn.ID != turnID {
			return false, nil
		}
		if n.Turn.Status != "completed" {
			msg := ""
			if n.Turn.Error != nil {
				msg = ": " + n.Turn.Error.Message
			}
			return true, fmt.Errorf("turn ended with status %q%s", n.Turn.Status, msg)
		}
		return true, nil
	}
	return false, nil
}

// textTurnV2 plays one text turn in thread threadID and checks it with
// checkTextTurn.
func (r *runner) textTurnV2(ctx context.Context, s *server, threadID string) error {
	calls := r.modelCalls()
	st, err := s.turnV2(ctx, threadID, textPrompt)
	if err != nil {
		return err
	}
	if err := r.checkModelCalled(calls); err != nil {
		return err
	}
	return checkTextTurn(st)
}

// checkTextTurn checks that the short answer arrived as the turn's agent
// message, streamed as deltas.
func checkTextTurn(st *v2TurnStats) error {
	return checkStreamed(st, shortAnswer, 1)
}

// checkStreamTurn checks that every one of the streamDeltas deltas of the
// long answer reached the client, and that they add up to the turn's agent
// message.
func checkStreamTurn(st *v2TurnStats) error {
	if st.deltas != streamDeltas {
		return fmt.Errorf("got %d item/agentMessage/delta notifications, want %d", st.deltas, streamDeltas)
	}
	return checkStreamed(st, streamAnswer(), streamDeltas)
}

// checkStreamed checks that a turn completed exactly one agent message,
// want, and that at least minDeltas deltas carried its text.
func checkStreamed(st *v2TurnStats, want string, minDeltas int) error {
	if len(st.messages) != 1 || st.messages[0] != want {
		return fmt.Errorf("the turn completed the agent messages %.80q, want one: %.80q", st.messages, want)
	}
	if st.deltas < minDeltas || st.deltaText.String() != want {
		return fmt.Errorf("%d deltas carried %.80q, want the whole answer %.80q", st.deltas, st.deltaText.String(), want)
	}
	return nil
}

// prepareV2Turn returns the Prepare function of a turn benchmark. It
// starts one app-server for all samples. Each sample starts a new thread
// (untimed), then times one turn in it with prompt as the user's input,
// from turn/start to turn/completed; check judges the turn afterwards.
func prepareV2Turn(prompt string, check func(*v2TurnStats) error) func(context.Context, *runner, *target) (sampleFunc, func() error, error) {
	return func(ctx context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
		s, err := startV2Server(ctx, r, t)
		if err != nil {
			return nil, nil, err
		}
		sample := func(ctx context.Context) (float64, error) {
			ctx, cancel := context.WithTimeout(ctx, r.timeout)
			defer cancel()
			threadID, err := s.startThread(ctx, t.Workspace)
			if err != nil {
				return 0, err
			}
			calls := r.modelCalls()
			start := time.Now()
			st, err := s.turnV2(ctx, threadID, prompt)
			if err != nil {
				return 0, err
			}
			elapsed := millisSince(start)
			if err := r.checkModelCalled(calls); err != nil {
				return 0, err
			}
			if err := check(st); err != nil {
				return 0, err
			}
			return elapsed, nil
		}
		return sample, s.close, nil
	}
}

// prepareV2PeakRSS measures, per sample, a fresh app-server's resident-set
// high-water mark after a v2 initialize, thread/start and one text turn.
func prepareV2PeakRSS(_ context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	sample := func(ctx context.Context) (float64, error) {
		ctx, cancel := context.WithTimeout(ctx, r.timeout)
		defer cancel()
		s, err := startV2Server(ctx, r, t)
		if err != nil {
			return 0, err
		}
		hwm, err := func() (int64, error) {
			threadID, err := s.startThread(ctx, t.Workspace)
			if err != nil {
				return 0, err
			}
			if err := r.textTurnV2(ctx, s, threadID); err != nil {
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
