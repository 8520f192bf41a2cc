package conversation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/core/conversation"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/sandbox"
)

// fakeModel is a model provider on loopback that answers every request
// with one assistant message, streamed the way the Responses API streams
// it: response.created, the finished output item, response.completed.
func fakeModel(answer string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		send := func(event string, data map[string]any) {
			data["type"] = event
			payload, _ := json.Marshal(data)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, payload)
		}
		send("response.created", map[string]any{"response": map[string]any{"id": "resp_1"}})
		send("response.output_item.done", map[string]any{"item": map[string]any{
			"type":    "message",
			"role":    "assistant",
			"content": []any{map[string]any{"type": "output_text", "text": answer}},
		}})
		send("response.completed", map[string]any{"response": map[string]any{"id": "resp_1"}})
	}))
}

// Example runs one conversation with the engine directly: a configuration
// directory (CODEX_HOME) whose config.toml selects the model provider, a
// Manager, one user message, and the events of the turn it starts.
func Example() {
	model := fakeModel("Hello from the model.")
	defer model.Close()

	// CODEX_HOME holds config.toml and receives the session's rollout.
	home, err := os.MkdirTemp("", "codex-home-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(home)
	configTOML := fmt.Sprintf(`model = "gpt-5"
model_provider = "fake"
approval_policy = "never"
sandbox_mode = "read-only"

[model_providers.fake]
name = "fake"
base_url = %q
wire_api = "responses"
`, model.URL)
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(configTOML), 0o600); err != nil {
		log.Fatal(err)
	}
	workdir := filepath.Join(home, "project")
	if err := os.Mkdir(workdir, 0o755); err != nil {
		log.Fatal(err)
	}

	cfg, err := config.Load(config.LoadOptions{
		CodexHome: home,
		Typed:     config.Typed{Cwd: workdir},
	})
	if err != nil {
		log.Fatal(err)
	}

	// Commands the model asks for run through this very binary as the
	// sandbox helper: its main calls sandbox.RunHelperIfRequested first.
	self, err := sandbox.SelfExecutable()
	if err != nil {
		log.Fatal(err)
	}
	mgr := conversation.NewManager(conversation.Deps{CodexHome: home, SelfExe: self})
	defer mgr.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conv, _, err := mgr.NewConversation(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}

	if _, err := conv.Submit(protocol.UserInputOp{
		Items: []protocol.InputItem{protocol.TextInput("Say hello.")},
	}); err != nil {
		log.Fatal(err)
	}
	for {
		ev, err := conv.NextEvent(ctx)
		if err != nil {
			log.Fatal(err)
		}
		switch msg := ev.Msg.(type) {
		case protocol.AgentMessageEvent:
			fmt.Println("agent:", msg.Message)
		case protocol.ErrorEvent:
			fmt.Println("error:", msg.Message)
		case protocol.TaskCompleteEvent:
			fmt.Println("turn complete")
			return
		}
	}

	// Output:
	// agent: Hello from the model.
	// turn complete
}
