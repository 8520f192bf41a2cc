package main

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/filesearch"
	"github.com/codex-go/codex/core/rollout"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

func TestBenchmarkTable(t *testing.T) {
	seen := map[string]bool{}
	for _, b := range benchmarks() {
		assert.False(t, seen[b.Key], "duplicate key %s", b.Key)
		seen[b.Key] = true
		assert.NotEmpty(t, b.Title, b.Key)
		assert.Positive(t, b.Runs, b.Key)
		assert.GreaterOrEqual(t, b.Warmups, 0, b.Key)
		assert.NotNil(t, b.Prepare, b.Key)
		if b.Items > 0 {
			assert.NotEmpty(t, b.ItemName, b.Key)
		}
	}
}

func TestRunsOf(t *testing.T) {
	b := benchmark{Key: "x", Runs: 7}
	assert.Equal(t, 7, (&runner{}).runsOf(b))
	assert.Equal(t, 2, (&runner{runs: 2}).runsOf(b))
}

func TestRateNote(t *testing.T) {
	ours, _ := summarize([]float64{500})
	ref, _ := summarize([]float64{1000})
	res := result{Key: "stream10k", Unit: unitMillis, Ours: &ours, Reference: &ref}
	assert.Equal(t, "stream10k: 10000 deltas per sample; at the median ours 20000 deltas/s, reference 10000 deltas/s",
		rateNote(res, 10000, "deltas"))

	res.Reference = nil
	assert.Equal(t, "stream10k: 10000 deltas per sample; at the median ours 20000 deltas/s", rateNote(res, 10000, "deltas"))

	res.Ours = nil
	assert.Empty(t, rateNote(res, 10000, "deltas"))
	assert.Empty(t, rateNote(result{Unit: unitMiB, Ours: &ours}, 10, "deltas"))
}

// replyText returns the text of the answer message a reply ends with, and
// the name of the function it calls, if any.
func replyText(t *testing.T, r fakemodel.Reply) (text, call string) {
	t.Helper()
	for _, ev := range r.Events {
		if ev.Event != fakemodel.EventOutputItemDone {
			continue
		}
		data, ok := ev.Data.(map[string]any)
		require.True(t, ok)
		item, ok := data["item"].(protocol.ResponseItem)
		require.True(t, ok)
		if item.Type == protocol.ItemFunctionCall {
			call = item.Name
		} else {
			text = item.MessageText()
		}
	}
	return text, call
}

func TestModelHandler(t *testing.T) {
	request := func(items ...any) fakemodel.Recorded {
		body, err := json.Marshal(map[string]any{"model": "gpt-5", "input": items})
		require.NoError(t, err)
		var obj map[string]any
		require.NoError(t, json.Unmarshal(body, &obj))
		return fakemodel.Recorded{JSON: obj}
	}
	env := protocol.UserText("<environment_context>\n</environment_context>")
	output := map[string]any{"type": "function_call_output", "call_id": "call_0", "output": "hi"}
	handler := modelHandler()

	text, call := replyText(t, handler(request(env, protocol.UserText("Say hello.")), 0))
	assert.Equal(t, shortAnswer, text)
	assert.Empty(t, call)

	_, call = replyText(t, handler(request(env, protocol.UserText(shellPrompt)), 1))
	assert.Equal(t, "shell", call)

	text, call = replyText(t, handler(request(env, protocol.UserText(shellPrompt), output), 2))
	assert.Equal(t, shortAnswer, text, "the output of the shell call is answered with text")
	assert.Empty(t, call)

	stream := handler(request(env, protocol.UserText(streamPrompt)), 3)
	deltas := 0
	for _, ev := range stream.Events {
		if ev.Event == fakemodel.EventOutputTextDelta {
			deltas++
		}
	}
	assert.Equal(t, streamDeltas, deltas)
	text, _ = replyText(t, stream)
	assert.True(t, strings.HasPrefix(text, "w0 w1 w2 "), text[:20])

	text, _ = replyText(t, handler(fakemodel.Recorded{}, 4))
	assert.Equal(t, shortAnswer, text, "a request without input gets the short answer")
}

func TestWriteRolloutsAreListed(t *testing.T) {
	home := t.TempDir()
	sessions := planSessions(300, 3, listNewest())
	require.Len(t, sessions, 300)
	assert.Equal(t, sessions, planSessions(300, 3, listNewest()), "the plan is the same every time")
	// The harness links a CODEX_HOME's sessions directory to a shared copy.
	shared := filepath.Join(t.TempDir(), "sessions")
	require.NoError(t, writeRollouts(shared, sessions))
	require.NoError(t, os.Symlink(shared, filepath.Join(home, "sessions")))

	var files int
	days := map[string]bool{}
	require.NoError(t, filepath.WalkDir(shared, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
			days[filepath.Dir(path)] = true
			assert.Regexp(t, `^rollout-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-[0-9a-f-]{36}\.jsonl$`, d.Name())
		}
		return err
	}))
	assert.Equal(t, 300, files)
	assert.GreaterOrEqual(t, len(days), 3)
	assert.LessOrEqual(t, len(days), 4)

	page, err := rollout.List(home, listPageSize, "")
	require.NoError(t, err)
	require.NoError(t, checkPage(toResponse(page), sessions[:listPageSize]))
	assert.Equal(t, "Fix the failing test in module 0", page.Items[0].Preview)
	require.NotNil(t, page.NextCursor)
	assert.Equal(t, sessions[listPageSize-1].Cursor, *page.NextCursor)

	page, err = rollout.List(home, listPageSize, sessions[149].Cursor)
	require.NoError(t, err)
	require.NoError(t, checkPage(toResponse(page), sessions[150:150+listPageSize]))
	require.Error(t, checkPage(toResponse(page), sessions[151:151+listPageSize]))
	require.ErrorContains(t, checkPage(toResponse(page), sessions[:3]), "returned 25 items, want 3")

	rec, err := rollout.Read(page.Items[0].Path)
	require.NoError(t, err, "a generated file reads as a whole rollout too")
	assert.NotNil(t, rec)
}

func toResponse(p rollout.Page) protocol.ListConversationsResponse {
	resp := protocol.ListConversationsResponse{NextCursor: p.NextCursor}
	for _, it := range p.Items {
		resp.Items = append(resp.Items, protocol.ConversationSummary{
			ConversationID: it.ConversationID, Path: it.Path, Preview: it.Preview, Timestamp: it.Timestamp,
		})
	}
	return resp
}

func countFiles(t *testing.T, root string) int {
	t.Helper()
	n := 0
	require.NoError(t, filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	}))
	return n
}

func TestEnsureFuzzyTree(t *testing.T) {
	base := t.TempDir()
	const outer, inner, files = 2, 3, 16
	root, err := ensureFuzzyTree(base, outer, inner, files, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, outer*inner*files, countFiles(t, root))

	wantMatches := 0
	for d := range outer * inner {
		for f := range files {
			if _, ok := fuzzyFileName(d, f); ok {
				wantMatches++
			}
		}
	}
	require.Positive(t, wantMatches)
	matches, err := filesearch.Search(context.Background(), fuzzyQuery, []string{root}, 1000)
	require.NoError(t, err)
	assert.Len(t, matches, wantMatches, "exactly the files named after a matching stem match the query")
	resp := protocol.FuzzyFileSearchResponse{}
	for _, m := range matches {
		resp.Files = append(resp.Files, protocol.FuzzyFileSearchResult(m))
	}
	require.NoError(t, checkFuzzyResults(resp, root))
	require.Error(t, checkFuzzyResults(resp, "/elsewhere"))
	require.Error(t, checkFuzzyResults(protocol.FuzzyFileSearchResponse{}, root))

	// A second call reuses the tree instead of building a new one.
	sentinel := filepath.Join(root, "sentinel")
	require.NoError(t, os.WriteFile(sentinel, nil, 0o644))
	again, err := ensureFuzzyTree(base, outer, inner, files, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, root, again)
	assert.FileExists(t, sentinel)
	entries, err := os.ReadDir(base)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no staging directory is left behind")

	// A tree without its completion stamp was interrupted and is rebuilt.
	require.NoError(t, os.Remove(filepath.Join(filepath.Dir(root), "complete")))
	rebuilt, err := ensureFuzzyTree(base, outer, inner, files, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, root, rebuilt)
	assert.NoFileExists(t, sentinel)
	assert.Equal(t, outer*inner*files, countFiles(t, root))
}

func TestStemOf(t *testing.T) {
	tests := map[string]string{
		"server_handler_07.go": "server_handler",
		"srv_handle_12.rs":     "srv_handle",
		"readme_00.md":         "readme",
		"x.go":                 "x",
	}
	for name, want := range tests {
		assert.Equal(t, want, stemOf(name), name)
	}
}
