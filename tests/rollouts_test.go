package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/tests/fakemodel"
)

// listedConversation is one item of listConversations.
type listedConversation struct {
	ConversationID string  `json:"conversationId"`
	Path           string  `json:"path"`
	Preview        string  `json:"preview"`
	Timestamp      *string `json:"timestamp"`
}

// conversationPage is the result of listConversations.
type conversationPage struct {
	Items      []listedConversation `json:"items"`
	NextCursor *string              `json:"nextCursor"`
}

// list calls listConversations with params.
func (s *appServer) list(params map[string]any) conversationPage {
	s.t.Helper()
	if params == nil {
		params = map[string]any{}
	}
	var page conversationPage
	s.callResult("listConversations", params, &page)
	return page
}

// ids returns the conversation ids of a page, in order.
func (p conversationPage) ids() []string {
	out := make([]string, 0, len(p.Items))
	for _, it := range p.Items {
		out = append(out, it.ConversationID)
	}
	return out
}

// startInHome starts an initialised app server whose CODEX_HOME is home,
// e.g. that of a server that ran before.
func startInHome(t *testing.T, home string) *appServer {
	t.Helper()
	s := startAppServer(t, serverEnv{env: []string{"CODEX_HOME=" + home}})
	s.initialize()
	return s
}

// recordConversation starts a conversation, runs one turn with text and
// returns the conversation id and rollout path.
func recordConversation(s *appServer, text string) (string, string) {
	s.t.Helper()
	conv, path := s.newConversation(map[string]any{"approvalPolicy": "never"})
	s.listen(conv)
	s.sendText(conv, text)
	s.eventsUntil(conv, "task_complete")
	return conv, path
}

// requestMessages lists "role: text" of the message items of the n-th model
// request's input.
func requestMessages(t *testing.T, model *fakemodel.Server, n int) []string {
	t.Helper()
	reqs := model.Requests()
	require.Greater(t, len(reqs), n, "model requests")
	var body struct {
		Input []struct {
			Type    string `json:"type"`
			Role    string `json:"role"`
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
		} `json:"input"`
	}
	require.NoError(t, json.Unmarshal(reqs[n].Body, &body))
	var out []string
	for _, it := range body.Input {
		if it.Type != "message" {
			continue
		}
		var texts []string
		for _, c := range it.Content {
			texts = append(texts, c.Text)
		}
		out = append(out, it.Role+": "+strings.Join(texts, ""))
	}
	return out
}

// withoutContext drops the generated environment context messages.
func withoutContext(msgs []string) []string {
	var out []string
	for _, m := range msgs {
		if !strings.HasPrefix(m, "user: <environment_context>") {
			out = append(out, m)
		}
	}
	return out
}

func TestListConversationsPaging(t *testing.T) {
	replies := make([]fakemodel.Reply, 4)
	for i := range replies {
		replies[i] = answer()
	}
	s, _ := startModel(t, nil, replies...)

	empty := s.call("listConversations", map[string]any{})
	assert.Equal(t, fmt.Sprintf(`{"id":%s,"result":{"items":[]}}`, empty.ID), empty.Raw)

	convA, pathA := recordConversation(s, "first conversation")
	convB, pathB := recordConversation(s, "second conversation")

	// A conversation without typed user input yet is not listed.
	s.newConversation(nil)

	all := s.list(nil)
	require.Equal(t, []string{convB, convA}, all.ids(), "newest first")
	assert.Equal(t, pathB, all.Items[0].Path)
	assert.Equal(t, "second conversation", all.Items[0].Preview)
	assert.Equal(t, pathA, all.Items[1].Path)
	assert.Equal(t, "first conversation", all.Items[1].Preview)
	for _, it := range all.Items {
		require.NotNil(t, it.Timestamp)
		assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, *it.Timestamp)
	}

	first := s.list(map[string]any{"pageSize": 1})
	require.Equal(t, []string{convB}, first.ids())
	require.NotNil(t, first.NextCursor)
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\|`+convB+`$`, *first.NextCursor)

	// A conversation recorded while the client pages does not shift the
	// pages after the cursor.
	convC, _ := recordConversation(s, "third conversation")
	second := s.list(map[string]any{"pageSize": 1, "cursor": *first.NextCursor})
	require.Equal(t, []string{convA}, second.ids())
	if second.NextCursor != nil {
		rest := s.list(map[string]any{"pageSize": 1, "cursor": *second.NextCursor})
		assert.Empty(t, rest.Items, "nothing is older than the first conversation")
	}
	assert.Equal(t, []string{convC, convB, convA}, s.list(map[string]any{"pageSize": 10}).ids())

	for _, bad := range []map[string]any{{"cursor": "not-a-cursor"}, {"cursor": "2025-01-01T00-00-00|nope"}, {"pageSize": -1}, {"pageSize": "ten"}} {
		m := s.call("listConversations", bad)
		require.NotNil(t, m.Error, m.Raw)
		assert.Equal(t, int64(-32602), m.Error.Code, m.Raw)
	}
}

func TestResumeAfterServerKilledMidTurn(t *testing.T) {
	stalled := fakemodel.Reply{Events: []fakemodel.SSE{fakemodel.Created(), fakemodel.OutputTextDelta("partial")}, Stall: true}
	model := fakemodel.Start(fakemodel.Script(
		fakemodel.TextDeltas([]string{"first answer"}),
		stalled,
		fakemodel.TextDeltas([]string{"answer after resume"}),
	))
	t.Cleanup(model.Close)

	first := startAppServer(t, serverEnv{config: mockConfig(model.URL, 0, 0)})
	first.initialize()
	home := first.home
	conv, rolloutPath := recordConversation(first, "first question")
	first.sendText(conv, "second question")
	first.eventsUntil(conv, "agent_message_delta")
	// The server dies in the middle of the turn, without any chance to
	// flush or close the rollout.
	proc, err := os.FindProcess(first.pid())
	require.NoError(t, err)
	require.NoError(t, proc.Kill())
	<-first.exited()

	second := startInHome(t, home)
	page := second.list(nil)
	require.Equal(t, []string{conv}, page.ids())
	assert.Equal(t, rolloutPath, page.Items[0].Path)
	assert.Equal(t, "first question", page.Items[0].Preview)

	// sessionConfigured comes first, then the answer.
	id := second.send("resumeConversation", map[string]any{"path": rolloutPath, "overrides": map[string]any{"approvalPolicy": "never"}})
	note := second.next()
	require.Equal(t, "sessionConfigured", note.Method, note.Raw)
	resp := second.next()
	require.Equal(t, fmt.Sprint(id), string(resp.ID), resp.Raw)
	require.Nil(t, resp.Error, resp.Raw)

	var configured struct {
		SessionID       string            `json:"sessionId"`
		Model           string            `json:"model"`
		RolloutPath     string            `json:"rolloutPath"`
		InitialMessages []json.RawMessage `json:"initialMessages"`
	}
	require.NoError(t, json.Unmarshal(note.Params, &configured), note.Raw)
	assert.Equal(t, conv, configured.SessionID)
	assert.Equal(t, "gpt-5", configured.Model)
	assert.Equal(t, rolloutPath, configured.RolloutPath)
	var result struct {
		ConversationID  string            `json:"conversationId"`
		Model           string            `json:"model"`
		InitialMessages []json.RawMessage `json:"initialMessages"`
		RolloutPath     *string           `json:"rolloutPath"`
	}
	require.NoError(t, json.Unmarshal(resp.Result, &result), resp.Raw)
	assert.Equal(t, conv, result.ConversationID, "the resumed conversation keeps its id")
	assert.Equal(t, "gpt-5", result.Model)
	assert.Nil(t, result.RolloutPath)
	assert.Equal(t, configured.InitialMessages, result.InitialMessages)
	var replayed []string
	for _, raw := range result.InitialMessages {
		var m struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		}
		require.NoError(t, json.Unmarshal(raw, &m))
		if m.Message != "" {
			replayed = append(replayed, m.Type+": "+m.Message)
		}
	}
	assert.Equal(t, []string{"user_message: first question", "agent_message: first answer", "user_message: second question"}, replayed)

	// The conversation goes on, with the whole history sent to the model.
	second.listen(conv)
	second.sendText(conv, "third question")
	events := second.eventsUntil(conv, "task_complete")
	assert.Contains(t, events[len(events)-1].Raw, `"last_agent_message":"answer after resume"`)
	msgs := requestMessages(t, model, 2)
	require.NotEmpty(t, msgs)
	assert.True(t, strings.HasPrefix(msgs[0], "user: <environment_context>"), msgs[0])
	assert.Equal(t, []string{
		"user: first question",
		"assistant: first answer",
		"user: second question",
		"user: third question",
	}, withoutContext(msgs))
	// The request carries the conversation's id.
	assert.Equal(t, conv, model.Requests()[2].Header.Get("Session_id"))

	// The new turn is appended to the same rollout file.
	data, err := os.ReadFile(rolloutPath)
	require.NoError(t, err)
	assert.Contains(t, string(data), "third question")
	assert.Contains(t, string(data), "answer after resume")
	require.NoError(t, second.closeAndWait())
}

func TestResumeErrors(t *testing.T) {
	s, _ := startModel(t, nil, answer())
	conv, path := recordConversation(s, "hello")

	missing := filepath.Join(s.home, "sessions", "nope.jsonl")
	m := s.call("resumeConversation", map[string]any{"path": missing})
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, int64(-32602), m.Error.Code)
	assert.True(t, strings.HasPrefix(m.Error.Message, "error resuming conversation: "), m.Raw)

	// A conversation that is running answers with itself
	// (TestV045ResumeOfALoadedConversation).
	var res struct {
		ConversationID string `json:"conversationId"`
	}
	s.callResult("resumeConversation", map[string]any{"path": path}, &res)
	assert.Equal(t, conv, res.ConversationID)

	for _, bad := range []any{map[string]any{}, map[string]any{"path": path, "overrides": map[string]any{"approvalPolicy": "bogus"}}} {
		m = s.call("resumeConversation", bad)
		require.NotNil(t, m.Error, m.Raw)
		assert.Equal(t, int64(-32602), m.Error.Code, m.Raw)
	}
}

func TestArchiveConversation(t *testing.T) {
	model := fakemodel.Start(fakemodel.Script(answer(), answer(), answer()))
	t.Cleanup(model.Close)
	first := startAppServer(t, serverEnv{config: mockConfig(model.URL, 0, 0)})
	first.initialize()
	home := first.home
	convA, pathA := recordConversation(first, "conversation a")
	convB, pathB := recordConversation(first, "conversation b")
	require.NoError(t, first.closeAndWait())

	s := startInHome(t, home)
	archived := filepath.Join(home, "archived_sessions")

	// A recorded conversation that is not loaded.
	s.callResult("archiveConversation", map[string]any{"conversationId": convB, "rolloutPath": pathB}, nil)
	assert.NoFileExists(t, pathB)
	assert.FileExists(t, filepath.Join(archived, filepath.Base(pathB)))
	assert.Equal(t, []string{convA}, s.list(nil).ids())

	// A loaded conversation is shut down first; its rollout holds the turn
	// it just ran, and the server forgets it.
	s.callResult("resumeConversation", map[string]any{"path": pathA}, nil)
	s.take(func(m rpcMessage) bool { return m.Method == "sessionConfigured" }, "sessionConfigured")
	s.listen(convA)
	s.sendText(convA, "one more turn")
	s.eventsUntil(convA, "task_complete")
	s.callResult("archiveConversation", map[string]any{"conversationId": convA, "rolloutPath": pathA}, nil)
	dest := filepath.Join(archived, filepath.Base(pathA))
	data, err := os.ReadFile(dest)
	require.NoError(t, err)
	assert.Contains(t, string(data), "one more turn")
	assert.NoFileExists(t, pathA)
	assert.Empty(t, s.list(nil).Items)
	m := s.call("sendUserMessage", map[string]any{
		"conversationId": convA,
		"items":          []any{map[string]any{"type": "text", "data": map[string]any{"text": "x"}}},
	})
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, "conversation not found: "+convA, m.Error.Message)

	// Archiving again fails: the file is gone.
	m = s.call("archiveConversation", map[string]any{"conversationId": convA, "rolloutPath": pathA})
	require.NotNil(t, m.Error, m.Raw)
	assert.Equal(t, int64(-32602), m.Error.Code)
	require.NoError(t, s.closeAndWait())
}

func TestArchiveRefusesPathsOutsideSessions(t *testing.T) {
	s, _ := startModel(t, nil, answer())
	conv, path := recordConversation(s, "keep me")
	sessions := filepath.Join(s.home, "sessions")

	// A rollout-like file outside sessions/, and a link to it inside.
	outside := t.TempDir()
	other := uuid.NewString()
	name := "rollout-2025-01-01T00-00-00-" + other + ".jsonl"
	outsideFile := filepath.Join(outside, name)
	require.NoError(t, os.WriteFile(outsideFile, []byte("{}\n"), 0o600))
	linkDir := filepath.Join(sessions, "2025", "01", "01")
	require.NoError(t, os.MkdirAll(linkDir, 0o755))
	link := filepath.Join(linkDir, name)
	require.NoError(t, os.Symlink(outsideFile, link))
	// A directory link pointing out of sessions/.
	dirLink := filepath.Join(sessions, "escape")
	require.NoError(t, os.Symlink(outside, dirLink))

	tests := []struct {
		name    string
		id      string
		path    string
		message string
	}{
		{name: "absolute path elsewhere", id: conv, path: "/nonexistent.jsonl", message: "rollout path `/nonexistent.jsonl` must be in sessions directory"},
		{name: "dot-dot out of sessions", id: conv, path: filepath.Join(sessions, "..", "config.toml"), message: "must be in sessions directory"},
		{name: "dot-dot from sessions to a rollout outside", id: other, path: filepath.Join(sessions, "..", "..", filepath.Base(outside), name), message: "must be in sessions directory"},
		{name: "file link out of sessions", id: other, path: link, message: "outside the sessions directory"},
		{name: "directory link out of sessions", id: other, path: filepath.Join(dirLink, name), message: "outside the sessions directory"},
		{name: "id mismatch", id: other, path: path, message: "does not belong to conversation"},
		{name: "missing file", id: other, path: filepath.Join(linkDir, "rollout-2025-01-01T00-00-01-"+other+".jsonl"), message: "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := s.call("archiveConversation", map[string]any{"conversationId": tt.id, "rolloutPath": tt.path})
			require.NotNil(t, m.Error, m.Raw)
			assert.Equal(t, int64(-32602), m.Error.Code, m.Raw)
			assert.Contains(t, m.Error.Message, tt.message, m.Raw)
		})
	}
	for _, bad := range []map[string]any{{"conversationId": "not-a-uuid", "rolloutPath": path}, {"conversationId": conv}} {
		m := s.call("archiveConversation", bad)
		require.NotNil(t, m.Error, m.Raw)
		assert.Equal(t, int64(-32602), m.Error.Code, m.Raw)
	}

	// Nothing moved, and the conversation is still served.
	assert.FileExists(t, path)
	assert.FileExists(t, outsideFile)
	entries, err := os.ReadDir(filepath.Join(s.home, "archived_sessions"))
	if err == nil {
		assert.Empty(t, entries)
	}
	assert.Equal(t, []string{conv}, s.list(nil).ids())
	s.listen(conv)
}
