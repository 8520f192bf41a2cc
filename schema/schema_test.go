package schema_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/internal/schemagen"
	"github.com/codex-go/codex/internal/schemagen/schemacheck"
	"github.com/codex-go/codex/internal/schemagen/schemafiles"
	"github.com/codex-go/codex/schema"
)

// referenceDir holds the copies of the reference captures.
const referenceDir = "../protocol/testdata/reference"

func TestSchemaIsFresh(t *testing.T) {
	root, err := schemagen.FindModuleRoot(".")
	require.NoError(t, err)
	generated, err := schemagen.Generate(root)
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, generated.Write(dir))
	written, err := schemafiles.ReadFiles(os.DirFS(dir))
	require.NoError(t, err)
	committed, err := schemafiles.ReadFiles(schema.FS())
	require.NoError(t, err)
	assert.Empty(t, written.Diff(committed), "the schema/ directory is stale: run `make schema`")
}

func TestSchemaEmbedPatternCoversTheTree(t *testing.T) {
	committed, err := schemafiles.ReadFiles(schema.FS())
	require.NoError(t, err)
	onDisk, err := schemafiles.ReadFiles(os.DirFS("."))
	require.NoError(t, err)
	assert.NotEmpty(t, committed)
	assert.Empty(t, onDisk.Diff(committed), "schema/ holds JSON files that the embed pattern of embed.go misses")
}

func TestSchemaDocumentsAreCanonical(t *testing.T) {
	files, err := schemafiles.ReadFiles(schema.FS())
	require.NoError(t, err)
	require.Contains(t, files, schemafiles.IndexFile)
	for _, p := range files.Paths() {
		body := files[p]
		assert.True(t, bytes.HasSuffix(body, []byte("}\n")), "%s ends with a newline", p)
		var v any
		require.NoError(t, json.Unmarshal(body, &v), p)
		if p == schemafiles.IndexFile {
			continue
		}
		doc := v.(map[string]any)
		assert.Equal(t, schemafiles.Draft, doc["$schema"], p)
		assert.Equal(t, schemafiles.BaseID+p, doc["$id"], p)
	}
}

func newValidator(t *testing.T) *schemacheck.Validator {
	t.Helper()
	v, err := schemacheck.New(schema.FS())
	require.NoError(t, err)
	return v
}

func TestSchemaEveryEventHasADocument(t *testing.T) {
	v := newValidator(t)
	files, err := schemafiles.ReadFiles(schema.FS())
	require.NoError(t, err)
	var eventFiles []string
	for _, p := range files.Paths() {
		if strings.HasPrefix(p, "event/") {
			eventFiles = append(eventFiles, p)
		}
	}
	var listed []string
	for _, e := range v.Index().Events {
		listed = append(listed, e.Msg.File)
		var doc struct {
			Ref  string `json:"$ref"`
			Defs map[string]struct {
				Properties map[string]struct {
					Const string `json:"const"`
				} `json:"properties"`
				Required []string `json:"required"`
			} `json:"$defs"`
		}
		require.NoError(t, json.Unmarshal(files[e.Msg.File], &doc))
		def := doc.Defs[strings.TrimPrefix(doc.Ref, "#/$defs/")]
		assert.Equal(t, e.Type, def.Properties["type"].Const, e.Msg.File)
		assert.Contains(t, def.Required, "type", e.Msg.File)
	}
	assert.ElementsMatch(t, eventFiles, listed)
}

// readLines returns the non-empty lines of a reference capture.
func readLines(t *testing.T, name string) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join(referenceDir, name))
	require.NoError(t, err)
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			out = append(out, append([]byte(nil), sc.Bytes()...))
		}
	}
	require.NoError(t, sc.Err())
	return out
}

func TestSchemaAppServerCapturesValidate(t *testing.T) {
	v := newValidator(t)
	// The captures hold what the server wrote; the client's requests were,
	// by id: initialize, newConversation, addConversationListener and
	// sendUserMessage (see the README of the captures).
	requests := map[string]string{"1": "initialize", "2": "newConversation", "3": "addConversationListener", "4": "sendUserMessage"}
	methodOf := func(id json.RawMessage) (string, bool) {
		m, ok := requests[string(id)]
		return m, ok
	}
	for _, name := range []string{"appserver-shell-never.jsonl", "appserver-shell-approval.jsonl"} {
		t.Run(name, func(t *testing.T) {
			lines := readLines(t, name)
			require.Greater(t, len(lines), 10)
			for _, line := range lines {
				assert.NoError(t, v.ServerLine(line, methodOf), "%s", line)
			}
		})
	}
}

func TestSchemaMcpServerCaptureEventsValidate(t *testing.T) {
	v := newValidator(t)
	events := 0
	for _, line := range readLines(t, "mcpserver-codex-tool.jsonl") {
		var msg struct {
			Method string `json:"method"`
			Params struct {
				Msg json.RawMessage `json:"msg"`
			} `json:"params"`
		}
		require.NoError(t, json.Unmarshal(line, &msg))
		if msg.Method != "codex/event" {
			continue
		}
		_, err := v.Event(msg.Params.Msg)
		assert.NoError(t, err, "%s", line)
		events++
	}
	assert.Greater(t, events, 5)
}

func TestSchemaRolloutCaptureValidates(t *testing.T) {
	v := newValidator(t)
	checked := map[string]int{}
	for _, line := range readLines(t, "rollout-example.jsonl") {
		var l struct {
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		require.NoError(t, json.Unmarshal(line, &l))
		switch l.Type {
		case "event_msg":
			_, err := v.Event(l.Payload)
			assert.NoError(t, err, "%s", line)
		case "response_item":
			assert.NoError(t, v.Document("type/ResponseItem.json", l.Payload), "%s", line)
		default:
			continue
		}
		checked[l.Type]++
	}
	assert.Positive(t, checked["event_msg"])
	assert.Positive(t, checked["response_item"])
}

func TestSchemaClientMessages(t *testing.T) {
	v := newValidator(t)
	text := `[{"type":"text","data":{"text":"hi"}}]`
	conv := `"01a20e36-493e-7313-8a97-70e3147c187f"`
	turn := func(policy string) string {
		return `{"conversationId":` + conv + `,"items":` + text + `,"cwd":"/w","approvalPolicy":"never","sandboxPolicy":` + policy + `,"model":"gpt-5","summary":"auto"}`
	}
	tests := []struct {
		name   string
		server bool // a response to a server request rather than a client request
		method string
		params string
		valid  bool
	}{
		{name: "initialize", method: "initialize", params: `{"clientInfo":{"name":"test","version":"0.0.1"}}`, valid: true},
		{name: "initialize without clientInfo", method: "initialize", params: `{}`},
		{name: "newConversation", method: "newConversation", params: `{"approvalPolicy":"never","sandbox":"workspace-write","cwd":"/w"}`, valid: true},
		{name: "newConversation with nulls", method: "newConversation", params: `{"model":null,"approvalPolicy":null}`, valid: true},
		{name: "newConversation bad policy", method: "newConversation", params: `{"approvalPolicy":"sometimes"}`},
		{name: "newConversation unknown field", method: "newConversation", params: `{"modle":"gpt-5"}`},
		{name: "sendUserMessage", method: "sendUserMessage", params: `{"conversationId":` + conv + `,"items":` + text + `}`, valid: true},
		{name: "sendUserMessage local image", method: "sendUserMessage", params: `{"conversationId":` + conv + `,"items":[{"type":"localImage","data":{"path":"/a.png"}}]}`, valid: true},
		{name: "sendUserMessage unknown item", method: "sendUserMessage", params: `{"conversationId":` + conv + `,"items":[{"type":"video","data":{}}]}`},
		{name: "sendUserMessage text without text", method: "sendUserMessage", params: `{"conversationId":` + conv + `,"items":[{"type":"text","data":{"path":"x"}}]}`},
		{name: "sendUserTurn workspace-write", method: "sendUserTurn", params: turn(`{"mode":"workspace-write","writable_roots":["/x"],"network_access":true}`), valid: true},
		{name: "sendUserTurn read-only", method: "sendUserTurn", params: turn(`{"mode":"read-only"}`), valid: true},
		{name: "sendUserTurn read-only with fields", method: "sendUserTurn", params: turn(`{"mode":"read-only","network_access":true}`)},
		{name: "sendUserTurn unknown mode", method: "sendUserTurn", params: turn(`{"mode":"open"}`)},
		{name: "getUserAgent without params", method: "getUserAgent", valid: true},
		{name: "getUserAgent with params", method: "getUserAgent", params: `{"x":1}`},
		{name: "unknown method", method: "noSuchMethod", params: `{}`},
		{name: "approval answer", server: true, method: "execCommandApproval", params: `{"decision":"approved"}`, valid: true},
		{name: "approval for session", server: true, method: "applyPatchApproval", params: `{"decision":"approved_for_session"}`, valid: true},
		{name: "approval bad decision", server: true, method: "execCommandApproval", params: `{"decision":"maybe"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.server {
				err = v.ServerResult(tt.method, json.RawMessage(tt.params))
			} else {
				err = v.ClientRequest(tt.method, json.RawMessage(tt.params))
			}
			if tt.valid {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

func TestSchemaServerLinesRejected(t *testing.T) {
	v := newValidator(t)
	noRequests := func(json.RawMessage) (string, bool) { return "", false }
	conv := `"conversationId":"c"`
	tests := []struct {
		name string
		line string
	}{
		{name: "event missing field", line: `{"method":"codex/event/task_started","params":{"id":"0","msg":{"type":"task_started"},` + conv + `}}`},
		{name: "event of another type", line: `{"method":"codex/event/agent_message","params":{"id":"0","msg":{"type":"task_started","model_context_window":1},` + conv + `}}`},
		{name: "unknown event", line: `{"method":"codex/event/teleport","params":{"id":"0","msg":{"type":"teleport"},` + conv + `}}`},
		{name: "event without conversation", line: `{"method":"codex/event/task_started","params":{"id":"0","msg":{"type":"task_started","model_context_window":1}}}`},
		{name: "extra event field", line: `{"method":"codex/event/agent_message","params":{"id":"0","msg":{"type":"agent_message","message":"m","extra":1},` + conv + `}}`},
		{name: "patch approval with two-key change", line: `{"method":"applyPatchApproval","id":0,"params":{` + conv + `,"callId":"c1","fileChanges":{"a.txt":{"add":{"content":"x"},"delete":{"content":"y"}}}}}`},
		{name: "unknown notification", line: `{"method":"somethingHappened","params":{}}`},
		{name: "response to unknown request", line: `{"id":9,"result":{}}`},
		{name: "error without message", line: `{"id":9,"error":{"code":-32600}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Error(t, v.ServerLine([]byte(tt.line), noRequests))
		})
	}
	valid := `{"method":"applyPatchApproval","id":0,"params":{` + conv + `,"callId":"c1","fileChanges":{"a.txt":{"update":{"unified_diff":"@@","move_path":null}}}}}`
	assert.NoError(t, v.ServerLine([]byte(valid), noRequests))
}
