package tests

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/tests/fakemodel"
)

// initV2 initializes a server as a v2 client.
func initV2(s *appServer) {
	s.t.Helper()
	s.callResult("initialize", map[string]any{"clientInfo": map[string]any{"name": "v2test", "title": "V2 Test", "version": "1.0"}}, nil)
	s.notify("initialized")
}

// v2Call sends a v2 request, checks its result against the schemas and
// decodes it into a generic map.
func v2Call(s *appServer, method string, params any) map[string]any {
	s.t.Helper()
	m := s.call(method, params)
	require.Nil(s.t, m.Error, "%s: %s", method, m.Raw)
	checkV2(s.t, method, m.Result, "result")
	var out map[string]any
	require.NoError(s.t, json.Unmarshal(m.Result, &out))
	return out
}

// v2Note takes the next notification of method and checks it.
func v2Note(s *appServer, method string) map[string]any {
	s.t.Helper()
	m := s.take(func(m rpcMessage) bool { return m.Method == method }, method)
	checkV2(s.t, method, m.Params, "notification")
	var out map[string]any
	require.NoError(s.t, json.Unmarshal(m.Params, &out))
	return out
}

// ids lists the "id" members of objects.
func ids(list any) []string {
	var out []string
	for _, o := range list.([]any) {
		out = append(out, o.(map[string]any)["id"].(string))
	}
	return out
}

// turnText runs a text turn in a thread and waits for its end.
func turnText(s v2Client, thread, text string) string {
	s.t.Helper()
	turn := s.startTurn(thread, text)
	s.untilTurnCompleted()
	return turn
}

func TestV2HistoryReadResumeForkAfterRestart(t *testing.T) {
	s, thread := startV2(t, nil, fakemodel.Text("First answer"), fakemodel.Text("Second answer"),
		fakemodel.Text("Third answer"), fakemodel.Text("Fork answer"))
	first := turnText(s, thread, "hello")
	turnText(s, thread, "again")

	// The loaded thread: its turns keep the ids the live notifications gave.
	read := v2Call(s.appServer, "thread/read", map[string]any{"threadId": thread, "includeTurns": true})
	th := read["thread"].(map[string]any)
	assert.Equal(t, "hello", th["preview"])
	assert.Equal(t, "idle", th["status"].(map[string]any)["type"])
	turns := th["turns"].([]any)
	require.Len(t, turns, 2)
	assert.Equal(t, first, turns[0].(map[string]any)["id"])
	items := turns[0].(map[string]any)["items"].([]any)
	require.Len(t, items, 2)
	assert.Equal(t, "userMessage", items[0].(map[string]any)["type"])
	assert.Equal(t, "First answer", items[1].(map[string]any)["text"])
	assert.Equal(t, "full", turns[0].(map[string]any)["itemsView"])

	// Names are recorded and announced after the answer.
	id := s.send("thread/name/set", map[string]any{"threadId": thread, "name": "My thread"})
	resp := s.next()
	require.Equal(t, json.RawMessage(`{}`), resp.Result, resp.Raw)
	assert.JSONEq(t, fmt.Sprint(id), string(resp.ID))
	assert.Equal(t, "My thread", v2Note(s.appServer, "thread/name/updated")["threadName"])

	loaded := v2Call(s.appServer, "thread/loaded/list", map[string]any{})
	assert.Equal(t, []any{thread}, loaded["data"])

	// A new process on the same CODEX_HOME.
	_ = s.c.Client().Kill()
	<-s.exited()
	r := startAppServer(t, serverEnv{env: []string{"CODEX_HOME=" + s.home}})
	initV2(r)
	list := v2Call(r, "thread/list", map[string]any{})
	require.Equal(t, []string{thread}, ids(list["data"]))
	listed := list["data"].([]any)[0].(map[string]any)
	assert.Equal(t, "My thread", listed["name"])
	assert.Equal(t, "notLoaded", listed["status"].(map[string]any)["type"])
	assert.Equal(t, "mock", listed["modelProvider"])

	// Turn and item pages.
	page := v2Call(r, "thread/turns/list", map[string]any{"threadId": thread, "limit": 1})
	require.Len(t, page["data"], 1)
	newest := page["data"].([]any)[0].(map[string]any)
	require.NotNil(t, page["nextCursor"])
	older := v2Call(r, "thread/turns/list", map[string]any{"threadId": thread, "limit": 1, "cursor": page["nextCursor"]})
	require.Len(t, older["data"], 1)
	assert.Nil(t, older["nextCursor"])
	oldest := older["data"].([]any)[0].(map[string]any)
	assert.NotEqual(t, newest["id"], oldest["id"])
	again := v2Call(r, "thread/turns/list", map[string]any{"threadId": thread, "limit": 1})
	assert.Equal(t, newest["id"], again["data"].([]any)[0].(map[string]any)["id"], "stable turn ids")

	itemsPage := v2Call(r, "thread/items/list", map[string]any{"threadId": thread, "limit": 3})
	require.Len(t, itemsPage["data"], 3)
	rest := v2Call(r, "thread/items/list", map[string]any{"threadId": thread, "limit": 3, "cursor": itemsPage["nextCursor"]})
	require.Len(t, rest["data"], 1)
	assert.Equal(t, "Second answer", rest["data"].([]any)[0].(map[string]any)["item"].(map[string]any)["text"])
	one := v2Call(r, "thread/items/list", map[string]any{"threadId": thread, "turnId": oldest["id"]})
	require.Len(t, one["data"], 2)
	anchored := v2Call(r, "thread/items/list", map[string]any{"threadId": thread, "turnId": oldest["id"],
		"cursor": map[string]any{"type": "item", "itemId": one["data"].([]any)[0].(map[string]any)["item"].(map[string]any)["id"]}})
	require.Len(t, anchored["data"], 1)

	// Resume after the restart: the history reaches the model.
	res := v2Call(r, "thread/resume", map[string]any{"threadId": thread})
	rth := res["thread"].(map[string]any)
	assert.Equal(t, "idle", rth["status"].(map[string]any)["type"])
	assert.Len(t, rth["turns"], 2)
	assert.Equal(t, "My thread", rth["name"])
	rc := v2Client{r, s.model}
	turnText(rc, thread, "third")
	msgs := requestMessages(t, s.model, 2)
	assert.Contains(t, msgs, "assistant: Second answer")
	assert.Contains(t, msgs, "user: hello")
	// Resuming a loaded thread answers with it.
	again2 := v2Call(r, "thread/resume", map[string]any{"threadId": thread, "excludeTurns": true})
	assert.Empty(t, again2["thread"].(map[string]any)["turns"])

	// Fork up to the oldest turn: a new thread with that history.
	fork := v2Call(r, "thread/fork", map[string]any{"threadId": thread, "lastTurnId": oldest["id"]})
	fth := fork["thread"].(map[string]any)
	assert.Equal(t, thread, fth["forkedFromId"])
	assert.Equal(t, "My thread", fth["name"])
	fturns := fth["turns"].([]any)
	require.Len(t, fturns, 1)
	assert.Equal(t, oldest["id"], fturns[0].(map[string]any)["id"])
	started := v2Note(r, "thread/started")
	forkID := fth["id"].(string)
	assert.Equal(t, forkID, started["thread"].(map[string]any)["id"])
	turnText(v2Client{r, s.model}, forkID, "in the fork")
	msgs = requestMessages(t, s.model, 3)
	assert.Contains(t, msgs, "assistant: First answer")
	assert.NotContains(t, msgs, "assistant: Second answer")

	// Unsubscribe.
	assert.Equal(t, "unsubscribed", v2Call(r, "thread/unsubscribe", map[string]any{"threadId": forkID})["status"])
	assert.Equal(t, "notSubscribed", v2Call(r, "thread/unsubscribe", map[string]any{"threadId": forkID})["status"])
	assert.Equal(t, "notLoaded", v2Call(r, "thread/unsubscribe", map[string]any{"threadId": "00000000-0000-0000-0000-000000000001"})["status"])

	// Archive, unarchive and delete, each announced after its answer.
	archived := r.call("thread/archive", map[string]any{"threadId": forkID})
	require.Nil(t, archived.Error, archived.Raw)
	assert.Equal(t, forkID, v2Note(r, "thread/archived")["threadId"])
	assert.Equal(t, []string{thread}, ids(v2Call(r, "thread/list", map[string]any{})["data"]))
	assert.Equal(t, []string{forkID}, ids(v2Call(r, "thread/list", map[string]any{"archived": true})["data"]))
	assert.Equal(t, []any{thread}, v2Call(r, "thread/loaded/list", map[string]any{})["data"])
	un := v2Call(r, "thread/unarchive", map[string]any{"threadId": forkID})
	assert.Equal(t, forkID, un["thread"].(map[string]any)["id"])
	assert.Equal(t, forkID, v2Note(r, "thread/unarchived")["threadId"])
	assert.ElementsMatch(t, []string{thread, forkID}, ids(v2Call(r, "thread/list", map[string]any{})["data"]))
	deleted := r.call("thread/delete", map[string]any{"threadId": forkID})
	require.Nil(t, deleted.Error, deleted.Raw)
	assert.Equal(t, forkID, v2Note(r, "thread/deleted")["threadId"])
	assert.Equal(t, []string{thread}, ids(v2Call(r, "thread/list", map[string]any{})["data"]))
}

func TestV2HistoryListPaginationAndFilters(t *testing.T) {
	replies := make([]fakemodel.Reply, 5)
	for i := range replies {
		replies[i] = fakemodel.Text("answer")
	}
	s, first := startV2(t, nil, replies...)
	turnText(s, first, "thread 0")
	threads := []string{first}
	for i := 1; i < 5; i++ {
		res := v2Call(s.appServer, "thread/start", map[string]any{"cwd": s.workDir})
		v2Note(s.appServer, "thread/started")
		th := res["thread"].(map[string]any)["id"].(string)
		turnText(s, th, "thread")
		threads = append(threads, th)
	}
	// Newest first, two at a time.
	var seen []string
	var cursor any
	for pages := 0; pages < 5; pages++ {
		params := map[string]any{"limit": 2}
		if cursor != nil {
			params["cursor"] = cursor
		}
		page := v2Call(s.appServer, "thread/list", params)
		seen = append(seen, ids(page["data"])...)
		cursor = page["nextCursor"]
		if cursor == nil {
			break
		}
	}
	want := []string{threads[4], threads[3], threads[2], threads[1], threads[0]}
	assert.Equal(t, want, seen)
	asc := v2Call(s.appServer, "thread/list", map[string]any{"sortDirection": "asc", "limit": 10})
	assert.Equal(t, threads, ids(asc["data"]))
	byUpdate := v2Call(s.appServer, "thread/list", map[string]any{"sortKey": "updated_at", "limit": 2})
	assert.Len(t, byUpdate["data"], 2)
	assert.NotNil(t, byUpdate["nextCursor"])

	for _, tc := range []struct {
		name   string
		params map[string]any
		want   int
	}{
		{"cwd string", map[string]any{"cwd": s.workDir}, 5},
		{"cwd list", map[string]any{"cwd": []string{"/nowhere", s.workDir}}, 5},
		{"other cwd", map[string]any{"cwd": "/nowhere"}, 0},
		{"provider", map[string]any{"modelProviders": []string{"mock"}}, 5},
		{"other provider", map[string]any{"modelProviders": []string{"openai"}}, 0},
		{"source", map[string]any{"sourceKinds": []string{"vscode"}}, 5},
		{"other source", map[string]any{"sourceKinds": []string{"exec"}}, 0},
		{"search", map[string]any{"searchTerm": "thread 0"}, 1},
		{"excluded", map[string]any{"excludedThreadIds": []string{first}}, 4},
		{"archived", map[string]any{"archived": true}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Len(t, v2Call(s.appServer, "thread/list", tc.params)["data"], tc.want)
		})
	}
}

func TestV2HistoryResumesA045Conversation(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(fakemodel.Text("Old answer"), fakemodel.Text("New answer")))
	t.Cleanup(model.Close)
	old := startAppServer(t, serverEnv{config: mockConfig(model.URL, 0, 0)})
	old.initialize()
	conv, _ := recordConversation(old, "from the old protocol")
	_ = old.c.Client().Kill()
	<-old.exited()

	s := startAppServer(t, serverEnv{env: []string{"CODEX_HOME=" + old.home}})
	initV2(s)
	res := v2Call(s, "thread/resume", map[string]any{"threadId": conv})
	th := res["thread"].(map[string]any)
	assert.Equal(t, "from the old protocol", th["preview"])
	turns := th["turns"].([]any)
	require.Len(t, turns, 1)
	items := turns[0].(map[string]any)["items"].([]any)
	require.Len(t, items, 2)
	assert.Equal(t, "Old answer", items[1].(map[string]any)["text"])
	turnText(v2Client{s, model}, conv, "now in v2")
	assert.Contains(t, requestMessages(t, model, 1), "assistant: Old answer")
}

func TestV2HistoryErrors(t *testing.T) {
	s, thread := startV2(t, nil, fakemodel.Text("answer"))
	turnText(s, thread, "hello")
	missing := "00000000-0000-0000-0000-0000000000ff"
	for _, tc := range []struct {
		method string
		params map[string]any
		code   int64
	}{
		{"thread/read", map[string]any{"threadId": "nope"}, -32600},
		{"thread/read", map[string]any{"threadId": missing}, -32600},
		{"thread/read", map[string]any{}, -32602},
		{"thread/resume", map[string]any{"threadId": missing}, -32600},
		{"thread/fork", map[string]any{"threadId": missing}, -32600},
		{"thread/fork", map[string]any{"threadId": thread, "lastTurnId": "no-such-turn"}, -32600},
		{"thread/archive", map[string]any{"threadId": missing}, -32600},
		{"thread/unarchive", map[string]any{"threadId": thread}, -32600},
		{"thread/delete", map[string]any{"threadId": missing}, -32600},
		{"thread/name/set", map[string]any{"threadId": thread, "name": "  "}, -32602},
		{"thread/name/set", map[string]any{"threadId": missing, "name": "x"}, -32600},
		{"thread/list", map[string]any{"cursor": "garbage"}, -32600},
		{"thread/list", map[string]any{"sortKey": "size"}, -32602},
		{"thread/list", map[string]any{"limit": -1}, -32602},
		{"thread/list", map[string]any{"originators": []string{"x"}}, -32602},
		{"thread/turns/list", map[string]any{"threadId": thread, "cursor": "garbage"}, -32602},
		{"thread/turns/list", map[string]any{"threadId": thread, "itemsView": "some"}, -32602},
		{"thread/items/list", map[string]any{"threadId": thread, "cursor": map[string]any{"type": "item", "itemId": "x"}}, -32602},
		{"thread/items/list", map[string]any{"threadId": thread, "turnId": "nope"}, -32600},
		{"thread/turns/list", map[string]any{"threadId": missing}, -32600},
	} {
		m := s.call(tc.method, tc.params)
		require.NotNil(t, m.Error, "%s %v: %s", tc.method, tc.params, m.Raw)
		assert.Equal(t, tc.code, m.Error.Code, "%s %v: %s", tc.method, tc.params, m.Raw)
		assert.NotEmpty(t, m.Error.Message)
	}
	// The server keeps serving.
	assert.Equal(t, []string{thread}, ids(v2Call(s.appServer, "thread/list", map[string]any{})["data"]))
}
