// Command codex-demo plays a short editor session against `codex app-server`
// and prints it readably: first with the 0.45 protocol (conversations and
// codex/event notifications), then with the v2 protocol (threads, turns and
// items). Without OPENAI_API_KEY it starts a local fake model server, so it
// needs no account; with the key set it talks to the real API.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/codex-go/codex/internal/rpcclient"
	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

// Values of the --protocol flag.
const (
	protocolBoth = "both"
	protocol045  = "0.45"
	protocolV2   = "v2"
)

func main() {
	bin := flag.String("codex", "bin/codex", "path of the codex binary")
	prompt := flag.String("prompt", "List the files in this project and tell me what it is.", "the message sent to the model in the 0.45 session")
	v2Prompt := flag.String("v2-prompt", defaultV2Prompt, "the message sent to the model in the v2 session")
	which := flag.String("protocol", protocolBoth, "the sessions to play: both, 0.45 or v2")
	flag.Parse()
	if *which != protocolBoth && *which != protocol045 && *which != protocolV2 {
		fmt.Fprintf(os.Stderr, "demo: --protocol must be both, 0.45 or v2, not %q\n", *which)
		os.Exit(2)
	}
	if err := run(*bin, *which, *prompt, *v2Prompt); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(bin, which, prompt, v2Prompt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	home, err := os.MkdirTemp("", "codex-demo-home-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(home)
	workspace, err := os.MkdirTemp("", "codex-demo-workspace-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(workspace)
	if err := os.WriteFile(filepath.Join(workspace, "README.md"), []byte("# hello\nA tiny demo project.\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(workspace, "main.go"), []byte("package main\n\nfunc main() { println(\"hi\") }\n"), 0o644); err != nil {
		return err
	}

	config := "model = \"gpt-5\"\n"
	if os.Getenv("OPENAI_API_KEY") == "" {
		srv := fakemodel.Start(fakeModel(v2Prompt))
		defer srv.Close()
		config += srv.ConfigTOML()
		fmt.Printf("model:     fake Responses API server at %s (set OPENAI_API_KEY to use the real API)\n", srv.URL)
	} else {
		fmt.Println("model:     OpenAI Responses API (OPENAI_API_KEY is set)")
	}
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(config), 0o600); err != nil {
		return err
	}
	fmt.Printf("workspace: %s\n", workspace)

	if which != protocolV2 {
		heading("The 0.45 protocol: conversations and codex/event notifications")
		if err := session045(ctx, bin, home, workspace, prompt); err != nil {
			return err
		}
	}
	if which != protocol045 {
		heading("The v2 protocol: threads, turns and items")
		if err := sessionV2(ctx, bin, home, workspace, v2Prompt); err != nil {
			return err
		}
	}
	return nil
}

// heading starts the transcript of a session.
func heading(title string) {
	fmt.Printf("\n%s\n%s\n\n", title, strings.Repeat("─", len([]rune(title))))
}

// spawn starts `codex app-server` with home as its CODEX_HOME. Each session
// talks to a server process of its own.
func spawn(ctx context.Context, bin, home string) (*rpcclient.Client, error) {
	cmd := exec.CommandContext(ctx, bin, "app-server")
	cmd.Env = append(os.Environ(), "CODEX_HOME="+home)
	return rpcclient.Spawn(cmd, rpcclient.Options{})
}

// session045 opens a conversation with the 0.45 methods, sends prompt and
// prints the turn's events.
func session045(ctx context.Context, bin, home, workspace, prompt string) error {
	c, err := spawn(ctx, bin, home)
	if err != nil {
		return err
	}
	defer func() { _ = c.Shutdown(ctx) }()

	var init protocol.InitializeResponse
	if err := c.Call(ctx, protocol.MethodInitialize, protocol.InitializeParams{ClientInfo: protocol.ClientInfo{Name: "codex-demo", Version: "1.0.0"}}, &init); err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	step("initialize", "user agent "+init.UserAgent)

	approval, sandbox := protocol.ApprovalUntrusted, protocol.SandboxWorkspaceWrite
	var conv protocol.NewConversationResponse
	if err := c.Call(ctx, protocol.MethodNewConversation, protocol.NewConversationParams{
		Cwd: &workspace, ApprovalPolicy: &approval, Sandbox: &sandbox,
	}, &conv); err != nil {
		return fmt.Errorf("newConversation: %w", err)
	}
	step("newConversation", fmt.Sprintf("conversation %s, model %s, approval %s, sandbox %s", conv.ConversationID, conv.Model, approval, sandbox))
	if err := c.Call(ctx, protocol.MethodAddConversationListener, protocol.AddConversationListenerParams{ConversationID: conv.ConversationID}, nil); err != nil {
		return fmt.Errorf("addConversationListener: %w", err)
	}
	step("addConversationListener", "events will stream as codex/event/* notifications")
	if err := c.Call(ctx, protocol.MethodSendUserMessage, protocol.SendUserMessageParams{
		ConversationID: conv.ConversationID, Items: []protocol.InputItem{protocol.TextInput(prompt)},
	}, nil); err != nil {
		return fmt.Errorf("sendUserMessage: %w", err)
	}
	step("sendUserMessage", fmt.Sprintf("%q", prompt))
	fmt.Println()
	return follow(ctx, c)
}

// follow prints events until the turn ends, approving what the server asks.
func follow(ctx context.Context, c *rpcclient.Client) error {
	streaming, streamed := false, false
	var lastTotal int64
	for {
		m, err := next(ctx, c)
		if err != nil {
			return err
		}
		switch m.Method {
		case protocol.MethodExecCommandApproval, protocol.MethodApplyPatchApproval:
			var req struct {
				Command []string `json:"command"`
			}
			_ = json.Unmarshal(m.Params, &req)
			fmt.Printf("  ? %s %q: the editor approves\n", m.Method, strings.Join(req.Command, " "))
			if err := c.Reply(m.ID, protocol.ApprovalResponse{Decision: protocol.DecisionApproved}); err != nil {
				return err
			}
			continue
		case protocol.NotificationSessionConfigured:
			continue
		}
		if !strings.HasPrefix(m.Method, protocol.NotificationCodexEventPrefix) {
			continue
		}
		_, ev, err := rpcclient.ConversationEvent(m)
		if err != nil {
			return err
		}
		if _, delta := ev.Msg.(protocol.AgentMessageDeltaEvent); !delta && streaming {
			fmt.Println()
			streaming = false
		}
		switch e := ev.Msg.(type) {
		case protocol.TaskStartedEvent:
			fmt.Println("• turn started")
		case protocol.AgentReasoningEvent:
			fmt.Printf("  thinking: %s\n", e.Text)
		case protocol.AgentMessageDeltaEvent:
			if !streaming {
				fmt.Print("  codex: ")
				streaming, streamed = true, true
			}
			fmt.Print(e.Delta)
		case protocol.AgentMessageEvent:
			// A streamed message was printed as it arrived.
			if !streamed {
				fmt.Printf("  codex: %s\n", e.Message)
			}
			streamed = false
		case protocol.ExecCommandBeginEvent:
			fmt.Printf("  $ %s\n", strings.Join(e.Command, " "))
		case protocol.ExecCommandEndEvent:
			fmt.Printf("    exit %d after %s:\n%s", e.ExitCode, e.Duration.Std().Round(time.Millisecond), indent(e.AggregatedOutput, "    | "))
		case protocol.TokenCountEvent:
			// A token count is repeated when a new request starts; print changes only.
			if e.Info != nil && e.Info.TotalTokenUsage.TotalTokens != lastTotal {
				lastTotal = e.Info.TotalTokenUsage.TotalTokens
				fmt.Printf("  tokens: %d in, %d out (total %d)\n", e.Info.TotalTokenUsage.InputTokens, e.Info.TotalTokenUsage.OutputTokens, e.Info.TotalTokenUsage.TotalTokens)
			}
		case protocol.StreamErrorEvent:
			fmt.Printf("  ! %s\n", e.Message)
		case protocol.ErrorEvent:
			fmt.Printf("  ! error: %s\n", e.Message)
		case protocol.TaskCompleteEvent:
			fmt.Println("• turn complete")
			return nil
		case protocol.TurnAbortedEvent:
			fmt.Printf("• turn aborted (%s)\n", e.Reason)
			return nil
		}
	}
}

// next takes the next notification or request of the server from the inbox;
// it fails when the server stopped writing or wrote a line that is not JSON.
func next(ctx context.Context, c *rpcclient.Client) (rpcclient.Message, error) {
	m, err := c.Next(ctx)
	switch {
	case errors.Is(err, rpcclient.ErrOutputEnded):
		return m, fmt.Errorf("app-server exited before the turn ended: %s", strings.TrimSpace(c.Stderr()))
	case err != nil:
		return m, err
	case m.Invalid != nil:
		return m, fmt.Errorf("app-server wrote a line that is not JSON: %q", m.Raw)
	}
	return m, nil
}

// step prints a message the editor sent and what came of it.
func step(method, what string) { fmt.Printf("→ %-24s %s\n", method, what) }

func indent(s, prefix string) string {
	if s == "" {
		return ""
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return prefix + strings.Join(lines, "\n"+prefix) + "\n"
}

// fakeModel returns the model of both sessions: a request whose input
// holds the v2 session's prompt is answered by v2Model, any other by
// demoModel.
func fakeModel(v2Prompt string) fakemodel.Handler {
	return func(r fakemodel.Recorded, _ int) fakemodel.Reply {
		var body struct {
			Input []protocol.ResponseItem `json:"input"`
		}
		_ = json.Unmarshal(r.Body, &body)
		var outputs []string
		v2 := false
		for _, it := range body.Input {
			switch it.Type {
			case protocol.ItemFunctionCallOutput:
				var out struct {
					Output string `json:"output"`
				}
				_ = json.Unmarshal([]byte(it.Output), &out)
				outputs = append(outputs, out.Output)
			case protocol.ItemMessage:
				for _, part := range it.Content {
					if it.Role == "user" && part.Text == v2Prompt {
						v2 = true
					}
				}
			}
		}
		if v2 {
			return v2Model(outputs)
		}
		return demoModel(outputs)
	}
}

// withThought puts a reasoning summary before the output of reply.
func withThought(thought string, reply fakemodel.Reply) fakemodel.Reply {
	reply.Events = append(reply.Events[:1], append(fakemodel.Reasoning(thought), reply.Events[1:]...)...)
	return reply
}

// demoModel plays the model of the 0.45 session, given the outputs of the
// commands it ran so far: it lists the files (a read-only command that
// runs without asking), writes a notes file (which the untrusted approval
// policy sends to the editor for approval), then answers from what it saw.
func demoModel(outputs []string) fakemodel.Reply {
	switch len(outputs) {
	case 0:
		return withThought("Looking at the workspace to see what it contains.",
			fakemodel.FunctionCall("call_ls", "shell", `{"command":["ls"]}`))
	case 1:
		return withThought("Writing down what I found.",
			fakemodel.FunctionCall("call_notes", "shell", `{"command":["bash","-c","printf '%s\\n' '# Notes' 'A Go program that prints hi.' > NOTES.md && cat NOTES.md"]}`))
	default:
		files := strings.Fields(outputs[0])
		return fakemodel.Text(fmt.Sprintf("The project has %d files (%s): a tiny Go program that prints \"hi\". I wrote a summary to NOTES.md.", len(files), strings.Join(files, ", ")))
	}
}
