package tests

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/internal/version"
	"github.com/codex-go/codex/tests/fakemodel"
)

// tsCacheEnv overrides where the TypeScript SDK is installed for the tests.
const tsCacheEnv = "CODEX_GO_TEST_CACHE"

// npmInstallLimit bounds `npm ci`.
const npmInstallLimit = 5 * time.Minute

// networkFailures are what npm prints when the registry cannot be reached.
var networkFailures = []string{"ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH", "getaddrinfo", "network"}

// tsSDKDir returns a directory holding the packages of tests/ts installed
// by `npm ci`. Installs are cached under $CODEX_GO_TEST_CACHE, or the user
// cache directory, in a directory named after the hash of package.json and
// package-lock.json, so a changed lock file installs afresh and an unchanged
// one is installed once. The test is skipped when node or npm is missing or
// the registry cannot be reached.
func tsSDKDir(t *testing.T) (node, dir string) {
	t.Helper()
	return npmPackagesDir(t, "ts")
}

// npmPackagesDir returns a directory holding the packages of the npm
// project tests/<project> installed by `npm ci`, cached as tsSDKDir
// describes, and the path of node. The test is skipped when node or npm is
// missing or the registry cannot be reached.
func npmPackagesDir(t *testing.T, project string) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm is not installed")
	}
	pkg, err := os.ReadFile(filepath.Join(project, "package.json"))
	require.NoError(t, err)
	lock, err := os.ReadFile(filepath.Join(project, "package-lock.json"))
	require.NoError(t, err)
	sum := sha256.Sum256(append(append([]byte(nil), pkg...), lock...))

	base := os.Getenv(tsCacheEnv)
	if base == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		base = filepath.Join(cache, "codex-go-tests")
	}
	base = filepath.Join(base, project)
	dir = filepath.Join(base, hex.EncodeToString(sum[:8]))
	marker := filepath.Join(dir, ".installed")
	if _, err := os.Stat(marker); err == nil {
		return node, dir
	}

	// Install into a fresh directory, then move it into place, so that an
	// interrupted install or a concurrent test run never sees half of one.
	require.NoError(t, os.MkdirAll(base, 0o755))
	tmp, err := os.MkdirTemp(base, "install-")
	require.NoError(t, err)
	defer func() { _ = os.RemoveAll(tmp) }()
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "package.json"), pkg, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "package-lock.json"), lock, 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), npmInstallLimit)
	defer cancel()
	install := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts")
	install.Dir = tmp
	out, err := install.CombinedOutput()
	if err != nil {
		for _, marker := range networkFailures {
			if strings.Contains(string(out), marker) {
				t.Skipf("npm ci could not reach the registry: %v\n%s", err, out)
			}
		}
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
	require.NoError(t, os.WriteFile(filepath.Join(tmp, ".installed"), nil, 0o644))
	if err := os.Rename(tmp, dir); err != nil {
		// Another run installed the same packages meanwhile.
		if _, statErr := os.Stat(marker); statErr != nil {
			t.Fatalf("move the install into place: %v", err)
		}
	}
	return node, dir
}

// tsReport is what tests/ts/client.mjs prints.
type tsReport struct {
	ServerVersion map[string]any   `json:"serverVersion"`
	Tools         json.RawMessage  `json:"tools"`
	First         tsToolResult     `json:"first"`
	Reply         tsToolResult     `json:"reply"`
	Elicitations  []map[string]any `json:"elicitations"`
	SessionID     string           `json:"sessionId"`
	Events        []struct {
		RequestID json.RawMessage `json:"requestId"`
		ThreadID  string          `json:"threadId"`
		ID        string          `json:"id"`
		Type      string          `json:"type"`
		SessionID string          `json:"sessionId"`
	} `json:"events"`
}

// tsToolResult is a tool result as the SDK returns it.
type tsToolResult struct {
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	StructuredContent map[string]any `json:"structuredContent"`
	IsError           bool           `json:"isError"`
}

// tsScript copies tests/ts/<name> into the install directory dir, so that
// its imports resolve to the installed packages, and returns its path.
func tsScript(t *testing.T, dir, name string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("ts", name))
	require.NoError(t, err)
	script, err := os.CreateTemp(dir, strings.TrimSuffix(name, ".mjs")+"-*.mjs")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.Remove(script.Name()) })
	_, err = script.Write(src)
	require.NoError(t, err)
	require.NoError(t, script.Close())
	return script.Name()
}

// tsClientScript returns the path of a copy of tests/ts/client.mjs in dir.
func tsClientScript(t *testing.T, dir string) string { return tsScript(t, dir, "client.mjs") }

// runNodeJSON runs script with node and env added, and decodes the JSON
// object it prints into out.
func runNodeJSON(t *testing.T, node, script string, env []string, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(filteredEnv(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\nstderr:\n%s", filepath.Base(script), err, stderr.String())
	}
	require.NoError(t, json.Unmarshal(stdout, out), string(stdout))
}

// runTSClient runs the client script with env added and returns its report.
func runTSClient(t *testing.T, node, script string, env ...string) tsReport {
	t.Helper()
	var rep tsReport
	runNodeJSON(t, node, script, env, &rep)
	return rep
}

// runTSScript runs tests/ts/<name> from the SDK's install directory, with
// CODEX_BIN and env set, and decodes the JSON object it prints into out.
func runTSScript(t *testing.T, name string, env []string, out any) {
	t.Helper()
	node, dir := tsSDKDir(t)
	runNodeJSON(t, node, tsScript(t, dir, name), append([]string{"CODEX_BIN=" + codexBin}, env...), out)
}

// tsModel is the fake model of the SDK tests: a command to approve, then
// the answers of the two calls.
func tsModel(t *testing.T) *fakemodel.Server {
	t.Helper()
	model := fakemodel.Start(fakemodel.Script(mcpBash("call1", mcpWriteScript), mcpHello(), fakemodel.TextDeltas([]string{"Second answer"})))
	t.Cleanup(model.Close)
	return model
}

func TestMCPServerWithTypeScriptSDK(t *testing.T) {
	node, dir := tsSDKDir(t)
	script := tsClientScript(t, dir)
	model := tsModel(t)
	home, work := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(mcpModelConfig(model)), 0o600))
	rep := runTSClient(t, node, script, "CODEX_BIN="+codexBin, "CODEX_TEST_HOME="+home, "CODEX_TEST_WORK="+work)
	checkTSReport(t, rep, model, work)
}

func TestMCPServerHTTPWithTypeScriptSDK(t *testing.T) {
	node, dir := tsSDKDir(t)
	script := tsClientScript(t, dir)
	model := tsModel(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("ts-token"), 0o600))
	srv := startMCPHTTP(t, mcpModelConfig(model), "--listen", "http://localhost:0/codex", "--token-file", tokenFile)
	require.True(t, strings.HasSuffix(srv.url, "/codex"), srv.url)
	rep := runTSClient(t, node, script, "CODEX_URL="+srv.url, "CODEX_TOKEN=ts-token", "CODEX_TEST_WORK="+srv.work)
	checkTSReport(t, rep, model, srv.work)
	// The SDK ended its session with a DELETE.
	require.NotEmpty(t, rep.SessionID)
	c := &rawHTTP{url: srv.url, session: rep.SessionID, headers: map[string]string{"Authorization": "Bearer ts-token"}}
	answer := c.post(t, `{"jsonrpc":"2.0","id":5,"method":"ping"}`, "application/json")
	assert.Equal(t, 404, answer.status, "the session outlived its DELETE")
	require.NoError(t, srv.stop(t))
}

// checkTSReport checks what the SDK client saw: the server, the tools, the
// two calls with the approval asked by elicitation, and the events of both.
func checkTSReport(t *testing.T, rep tsReport, model *fakemodel.Server, work string) {
	t.Helper()
	assert.Equal(t, "codex-mcp-server", rep.ServerVersion["name"])
	assert.Equal(t, "Codex", rep.ServerVersion["title"])
	assert.Equal(t, version.Version, rep.ServerVersion["version"])
	assert.JSONEq(t, string(mcpOurTools(t)), string(rep.Tools))

	require.Len(t, rep.First.Content, 1)
	assert.Equal(t, "Hello from mock", rep.First.Content[0].Text)
	assert.False(t, rep.First.IsError)
	require.NotEmpty(t, rep.Events)
	thread := rep.Events[0].SessionID
	require.NotEmpty(t, thread)
	assert.Equal(t, map[string]any{"threadId": thread, "content": "Hello from mock"}, rep.First.StructuredContent)
	require.Len(t, rep.Reply.Content, 1)
	assert.Equal(t, "Second answer", rep.Reply.Content[0].Text, "the reply by threadId continued the conversation")
	assert.False(t, rep.Reply.IsError)
	assert.Equal(t, map[string]any{"threadId": thread, "content": "Second answer"}, rep.Reply.StructuredContent)

	content, err := os.ReadFile(filepath.Join(work, "out.txt"))
	require.NoError(t, err, "the command approved through the SDK did not run")
	assert.Equal(t, "hi\n", string(content))
	require.Len(t, rep.Elicitations, 1)
	assert.Equal(t, fmt.Sprintf("Allow Codex to run `bash -lc 'echo hi > out.txt; cat out.txt'` in `%s`?", work), rep.Elicitations[0]["message"])

	// Events of both calls, each tagged with its call's request id.
	require.NotEmpty(t, rep.Events)
	firstID := string(rep.Events[0].RequestID)
	assert.Equal(t, "session_configured", rep.Events[0].Type)
	var ids []string
	var types []string
	for _, e := range rep.Events {
		require.NotEmpty(t, e.RequestID, "an event without _meta.requestId")
		assert.Equal(t, thread, e.ThreadID, "an event without _meta.threadId")
		if len(ids) == 0 || ids[len(ids)-1] != string(e.RequestID) {
			ids = append(ids, string(e.RequestID))
		}
		if string(e.RequestID) == firstID {
			types = append(types, e.Type)
		}
	}
	assert.Len(t, ids, 2, "events of two calls, in two runs: %v", ids)
	assert.Subset(t, types, []string{"exec_approval_request", "exec_command_end", "task_complete"})
	assert.Equal(t, "task_complete", rep.Events[len(rep.Events)-1].Type)
	assert.Contains(t, model.Requests()[0].Header.Get("User-Agent"), "(ts-sdk-host; 2.0.0)")
}

// tsProgressReport is what tests/ts/progress.mjs prints.
type tsProgressReport struct {
	WithoutProgress tsOutcome `json:"withoutProgress"`
	WithProgress    tsOutcome `json:"withProgress"`
	Progress        []struct {
		Progress float64  `json:"progress"`
		Total    *float64 `json:"total"`
		Message  string   `json:"message"`
	} `json:"progress"`
}

// tsOutcome is how one callTool of the SDK ended.
type tsOutcome struct {
	OK        bool         `json:"ok"`
	Code      int          `json:"code"`
	Message   string       `json:"message"`
	Result    tsToolResult `json:"result"`
	ElapsedMs int64        `json:"elapsedMs"`
}

// TestMCPServerProgressKeepsTheSDKWaiting runs a turn that lasts well over
// the SDK's per-request timeout: without progress the SDK gives up; with
// onprogress and resetTimeoutOnProgress, the progress notifications sent
// for every event keep the request alive until the result.
func TestMCPServerProgressKeepsTheSDKWaiting(t *testing.T) {
	const timeout = 2 * time.Second
	// A turn of about 18 deltas 250 ms apart: some 5 s in all, never
	// silent for long.
	deltas := make([]string, 18)
	for i := range deltas {
		deltas[i] = fmt.Sprintf("part%d ", i)
	}
	slow := func(fakemodel.Recorded, int) fakemodel.Reply {
		r := fakemodel.TextDeltas(deltas)
		r.Delay = 250 * time.Millisecond
		return r
	}
	model := fakemodel.Start(slow)
	t.Cleanup(model.Close)
	home, work := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(mcpModelConfig(model)), 0o600))

	var rep tsProgressReport
	runTSScript(t, "progress.mjs", []string{
		"CODEX_TEST_HOME=" + home, "CODEX_TEST_WORK=" + work, fmt.Sprintf("CODEX_TEST_TIMEOUT_MS=%d", timeout.Milliseconds()),
	}, &rep)

	// -32001 is the SDK's RequestTimeout.
	assert.False(t, rep.WithoutProgress.OK, "the turn outlasts the timeout, so the call without progress must time out")
	assert.Equal(t, -32001, rep.WithoutProgress.Code, rep.WithoutProgress.Message)

	require.True(t, rep.WithProgress.OK, "the call with progress failed: %d %s", rep.WithProgress.Code, rep.WithProgress.Message)
	assert.Greater(t, rep.WithProgress.ElapsedMs, timeout.Milliseconds(), "the turn did not outlast the timeout, so the test proves nothing")
	res := rep.WithProgress.Result
	require.Len(t, res.Content, 1)
	assert.Equal(t, strings.Join(deltas, ""), res.Content[0].Text)
	assert.False(t, res.IsError)
	assert.Equal(t, strings.Join(deltas, ""), res.StructuredContent["content"])

	require.Greater(t, len(rep.Progress), len(deltas), "a progress notification per event")
	for i, p := range rep.Progress {
		assert.Equal(t, float64(i+1), p.Progress, "the counter increases")
		assert.Nil(t, p.Total)
		assert.NotEmpty(t, p.Message)
	}
	assert.Equal(t, "Session started", rep.Progress[0].Message)
	writing := 0
	for _, p := range rep.Progress {
		if p.Message == "Writing the answer" {
			writing++
		}
	}
	assert.GreaterOrEqual(t, writing, len(deltas), "one notification per delta")
	// The SDK handles notifications a step after responses, so it may drop
	// those that arrive with the result (task_complete's among them): the
	// last ones received are not checked.
}
