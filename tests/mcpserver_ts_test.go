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
		ID        string          `json:"id"`
		Type      string          `json:"type"`
	} `json:"events"`
}

// tsToolResult is a tool result as the SDK returns it.
type tsToolResult struct {
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	IsError bool `json:"isError"`
}

// tsClientScript copies tests/ts/client.mjs into the install directory,
// so that its imports resolve to the installed packages, and returns its path.
func tsClientScript(t *testing.T, dir string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("ts", "client.mjs"))
	require.NoError(t, err)
	script, err := os.CreateTemp(dir, "client-*.mjs")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.Remove(script.Name()) })
	_, err = script.Write(src)
	require.NoError(t, err)
	require.NoError(t, script.Close())
	return script.Name()
}

// runTSClient runs the client script with env added and returns its report.
func runTSClient(t *testing.T, node, script string, env ...string) tsReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(filteredEnv(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("client.mjs: %v\nstderr:\n%s", err, stderr.String())
	}
	var rep tsReport
	require.NoError(t, json.Unmarshal(out, &rep), string(out))
	return rep
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
	assert.JSONEq(t, string(mcpCaptureTools(t)), string(rep.Tools))

	require.Len(t, rep.First.Content, 1)
	assert.Equal(t, "Hello from mock", rep.First.Content[0].Text)
	assert.False(t, rep.First.IsError)
	require.Len(t, rep.Reply.Content, 1)
	assert.Equal(t, "Second answer", rep.Reply.Content[0].Text)
	assert.False(t, rep.Reply.IsError)

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

// mcpCaptureTools returns the tool list of the reference capture.
func mcpCaptureTools(t *testing.T) json.RawMessage {
	t.Helper()
	var res struct {
		Tools json.RawMessage `json:"tools"`
	}
	require.NoError(t, json.Unmarshal(mcpCaptureResult(t, 2), &res))
	return res.Tools
}
