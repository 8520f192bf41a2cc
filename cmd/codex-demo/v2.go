package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/codex-go/codex/internal/rpcclient"
	"github.com/codex-go/codex/protocol"
	v2 "github.com/codex-go/codex/protocol/v2"
	"github.com/codex-go/codex/tests/fakemodel"
)

// defaultV2Prompt is what the editor asks in the v2 session.
const defaultV2Prompt = "Add a line to NOTES.md that says how to run the program."

// sessionV2 starts a thread with the v2 methods, runs one turn with prompt
// and prints its notifications.
func sessionV2(ctx context.Context, bin, home, workspace, prompt string) error {
	c, err := spawn(ctx, bin, home)
	if err != nil {
		return err
	}
	defer func() { _ = c.Shutdown(ctx) }()

	var init protocol.InitializeResponse
	if err := c.Call(ctx, protocol.MethodInitialize, protocol.InitializeParams{
		ClientInfo:   protocol.ClientInfo{Name: "codex-demo", Version: "1.0.0"},
		Capabilities: &protocol.InitializeCapabilities{},
	}, &init); err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	step("initialize", fmt.Sprintf("user agent %s, platform %s (%s)", init.UserAgent, init.PlatformOs, init.PlatformFamily))
	if err := c.Notify(v2.NotificationInitialized, nil); err != nil {
		return err
	}
	step(v2.NotificationInitialized, "(notification) the editor is ready")

	approval, sandbox := protocol.ApprovalUntrusted, protocol.SandboxWorkspaceWrite
	var started v2.ThreadStartResponse
	if err := c.Call(ctx, v2.MethodThreadStart, v2.ThreadStartParams{
		Cwd: &workspace, ApprovalPolicy: &approval, Sandbox: &sandbox,
	}, &started); err != nil {
		return fmt.Errorf("%s: %w", v2.MethodThreadStart, err)
	}
	thread := started.Thread.ID
	step(v2.MethodThreadStart, fmt.Sprintf("thread %s, model %s, approval %s, sandbox %s",
		thread, started.Model, started.ApprovalPolicy, started.Sandbox.Type))
	// thread/started follows the answer.
	m, err := c.Take(ctx, func(m rpcclient.Message) bool { return m.Method == v2.NotificationThreadStarted })
	if err != nil {
		return fmt.Errorf("waiting for %s: %w", v2.NotificationThreadStarted, err)
	}
	var announced v2.ThreadStartedNotification
	if err := json.Unmarshal(m.Params, &announced); err != nil {
		return fmt.Errorf("%s: %w", m.Method, err)
	}
	notice(m.Method, "thread "+announced.Thread.ID+", "+announced.Thread.Status.Type)

	var turn struct {
		Turn turnInfo `json:"turn"`
	}
	if err := c.Call(ctx, v2.MethodTurnStart, v2.TurnStartParams{
		ThreadID: thread, Input: []v2.UserInput{{Type: v2.InputText, Text: prompt}},
	}, &turn); err != nil {
		return fmt.Errorf("%s: %w", v2.MethodTurnStart, err)
	}
	step(v2.MethodTurnStart, fmt.Sprintf("turn %s (%s): %q", turn.Turn.ID, turn.Turn.Status, prompt))
	fmt.Println()
	return followV2(ctx, c, thread)
}

// turnInfo is what the demo reads of a turn: every member but its items.
type turnInfo struct {
	ID         string        `json:"id"`
	Status     string        `json:"status"`
	Error      *v2.TurnError `json:"error"`
	DurationMs *int64        `json:"durationMs"`
}

// turnNotification is the params of turn/started and turn/completed.
type turnNotification struct {
	ThreadID string   `json:"threadId"`
	Turn     turnInfo `json:"turn"`
}

// v2Printer prints the notifications of a v2 turn as they come.
type v2Printer struct {
	// streaming is the id of the agent message whose deltas are being
	// printed on the current line.
	streaming string
	// streamed holds the agent messages whose text was printed from deltas.
	streamed map[string]bool
	// output holds the unfinished last line of each command's output.
	output map[string]string
	// printedOutput holds the commands whose output was printed from deltas.
	printedOutput map[string]bool
	lastTotal     int64
	waiting       bool
}

// followV2 prints the notifications of the thread until its turn completes,
// accepting the commands the server asks about.
func followV2(ctx context.Context, c *rpcclient.Client, thread string) error {
	p := &v2Printer{streamed: map[string]bool{}, output: map[string]string{}, printedOutput: map[string]bool{}}
	for {
		m, err := next(ctx, c)
		if err != nil {
			return err
		}
		if m.Method != v2.NotificationAgentMessageDelta {
			p.endLine()
		}
		if m.IsRequest() {
			if err := p.answer(c, m); err != nil {
				return err
			}
			continue
		}
		done, err := p.notification(m, thread)
		if err != nil {
			return fmt.Errorf("%s: %w", m.Method, err)
		}
		if done {
			return nil
		}
	}
}

// answer answers a request of the server: the editor accepts every
// command, and declines what this demo does not know.
func (p *v2Printer) answer(c *rpcclient.Client, m rpcclient.Message) error {
	if m.Method != v2.MethodCommandExecutionRequestApproval {
		fmt.Printf("  ? %s: the editor declines, it does not know this request\n", m.Method)
		return c.ReplyError(m.ID, -32601, "Method not found: "+m.Method)
	}
	var req v2.CommandExecutionRequestApprovalParams
	if err := json.Unmarshal(m.Params, &req); err != nil {
		return err
	}
	question := "may it run?"
	if req.Reason != nil {
		question = *req.Reason
	}
	fmt.Printf("  ? %s: %s (%s)\n", m.Method, question, strings.Join(req.AvailableDecisions, " | "))
	answer := map[string]string{"decision": v2.DecisionAccept}
	raw, _ := json.Marshal(answer)
	fmt.Printf("  → the editor answers %s\n", raw)
	return c.Reply(m.ID, answer)
}

// notification prints one notification; it reports whether the turn is over.
func (p *v2Printer) notification(m rpcclient.Message, thread string) (bool, error) {
	switch m.Method {
	case v2.NotificationServerRequestResolved:
		var n v2.ServerRequestResolvedNotification
		if err := json.Unmarshal(m.Params, &n); err != nil {
			return false, err
		}
		fmt.Printf("  ← %s (request %s)\n", m.Method, n.RequestID)
	case v2.NotificationThreadStatusChanged:
		// Only the wait for the editor's answer is worth a line.
		var n v2.ThreadStatusChangedNotification
		if err := json.Unmarshal(m.Params, &n); err != nil {
			return false, err
		}
		waiting := slices.Contains(n.Status.ActiveFlags, v2.ActiveFlagWaitingOnApproval)
		if waiting && !p.waiting {
			fmt.Printf("  ← %s (%s: %s)\n", m.Method, n.Status.Type, strings.Join(n.Status.ActiveFlags, ", "))
		}
		p.waiting = waiting
	case v2.NotificationTurnStarted:
		var n turnNotification
		if err := json.Unmarshal(m.Params, &n); err != nil {
			return false, err
		}
		notice(m.Method, "turn "+n.Turn.ID)
	case v2.NotificationItemStarted:
		var n struct {
			Item json.RawMessage `json:"item"`
		}
		if err := json.Unmarshal(m.Params, &n); err != nil {
			return false, err
		}
		item, err := decodeItem(n.Item)
		if err != nil {
			return false, err
		}
		if cmd, ok := item.(v2.CommandExecutionItem); ok {
			fmt.Printf("  $ %s\n", cmd.Command)
		}
	case v2.NotificationAgentMessageDelta:
		var n v2.DeltaNotification
		if err := json.Unmarshal(m.Params, &n); err != nil {
			return false, err
		}
		if p.streaming != n.ItemID {
			p.endLine()
			fmt.Print("  codex: ")
			p.streaming = n.ItemID
			p.streamed[n.ItemID] = true
		}
		fmt.Print(n.Delta)
	case v2.NotificationCommandOutputDelta:
		var n v2.DeltaNotification
		if err := json.Unmarshal(m.Params, &n); err != nil {
			return false, err
		}
		// Print whole lines; keep a partial last line for the next delta.
		text := p.output[n.ItemID] + n.Delta
		if cut := strings.LastIndexByte(text, '\n'); cut >= 0 {
			fmt.Print(indent(text[:cut+1], "    | "))
			text = text[cut+1:]
		}
		p.output[n.ItemID] = text
		p.printedOutput[n.ItemID] = true
	case v2.NotificationItemCompleted:
		var n struct {
			Item json.RawMessage `json:"item"`
		}
		if err := json.Unmarshal(m.Params, &n); err != nil {
			return false, err
		}
		item, err := decodeItem(n.Item)
		if err != nil {
			return false, err
		}
		p.itemCompleted(item)
	case v2.NotificationTokenUsageUpdated:
		var n v2.TokenUsageUpdatedNotification
		if err := json.Unmarshal(m.Params, &n); err != nil {
			return false, err
		}
		if t := n.TokenUsage.Total; t.TotalTokens != p.lastTotal {
			p.lastTotal = t.TotalTokens
			fmt.Printf("  tokens: %d in, %d out (total %d)\n", t.InputTokens, t.OutputTokens, t.TotalTokens)
		}
	case v2.NotificationError:
		var n v2.ErrorNotification
		if err := json.Unmarshal(m.Params, &n); err != nil {
			return false, err
		}
		fmt.Printf("  ! error: %s\n", n.Error.Message)
	case v2.NotificationTurnCompleted:
		var n turnNotification
		if err := json.Unmarshal(m.Params, &n); err != nil {
			return false, err
		}
		if n.ThreadID != thread {
			return false, nil
		}
		what := "turn " + n.Turn.ID + " " + n.Turn.Status
		if n.Turn.DurationMs != nil {
			what += fmt.Sprintf(" after %s", time.Duration(*n.Turn.DurationMs)*time.Millisecond)
		}
		if n.Turn.Error != nil {
			what += ": " + n.Turn.Error.Message
		}
		notice(m.Method, what)
		return true, nil
	}
	return false, nil
}

// itemCompleted prints what an item of the turn came to.
func (p *v2Printer) itemCompleted(item v2.Item) {
	switch it := item.(type) {
	case v2.UserMessageItem:
		for _, in := range it.Content {
			if in.Type == v2.InputText {
				fmt.Printf("  you: %s\n", in.Text)
			}
		}
	case v2.ReasoningItem:
		for _, s := range it.Summary {
			fmt.Printf("  thinking: %s\n", s)
		}
	case v2.AgentMessageItem:
		// A streamed message was printed as it arrived.
		if !p.streamed[it.ID] {
			fmt.Printf("  codex: %s\n", it.Text)
		}
	case v2.CommandExecutionItem:
		if rest := p.output[it.ID]; rest != "" {
			fmt.Print(indent(rest, "    | "))
		}
		if !p.printedOutput[it.ID] && it.AggregatedOutput != nil {
			fmt.Print(indent(*it.AggregatedOutput, "    | "))
		}
		what := "    " + it.Status
		if it.ExitCode != nil {
			what += fmt.Sprintf(", exit %d", *it.ExitCode)
		}
		if it.DurationMs != nil {
			what += fmt.Sprintf(" after %s", time.Duration(*it.DurationMs)*time.Millisecond)
		}
		fmt.Println(what)
	case unknownItem:
		fmt.Printf("  (%s item)\n", it.Type)
	}
}

// endLine ends the line of a streamed agent message.
func (p *v2Printer) endLine() {
	if p.streaming != "" {
		fmt.Println()
		p.streaming = ""
	}
}

// notice prints a notification of the server about the thread or turn.
func notice(method, what string) { fmt.Printf("← %-24s %s\n", method, what) }

// unknownItem is an item of a type this demo does not print in full.
type unknownItem struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// ItemID returns the item's id.
func (i unknownItem) ItemID() string { return i.ID }

// decodeItem decodes an item of a thread into its type by its "type" member.
func decodeItem(raw json.RawMessage) (v2.Item, error) {
	var head unknownItem
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, err
	}
	var err error
	switch head.Type {
	case v2.ItemUserMessage:
		var it v2.UserMessageItem
		err = json.Unmarshal(raw, &it)
		return it, err
	case v2.ItemAgentMessage:
		var it v2.AgentMessageItem
		err = json.Unmarshal(raw, &it)
		return it, err
	case v2.ItemReasoning:
		var it v2.ReasoningItem
		err = json.Unmarshal(raw, &it)
		return it, err
	case v2.ItemCommandExecution:
		var it v2.CommandExecutionItem
		err = json.Unmarshal(raw, &it)
		return it, err
	}
	return head, nil
}

// v2Model plays the model of the v2 session, given the outputs of the
// commands it ran so far: it appends a line to NOTES.md (a write, which the
// untrusted approval policy sends to the editor for approval), then says
// what it did.
func v2Model(outputs []string) fakemodel.Reply {
	if len(outputs) == 0 {
		return withThought("Appending the way to run the program to NOTES.md.",
			fakemodel.FunctionCall("call_run_note", "shell", `{"command":["bash","-c","echo \"Run it with: go run main.go\" >> NOTES.md && cat NOTES.md"]}`))
	}
	return fakemodel.Text("NOTES.md now ends with how to run the program: `go run main.go`.")
}
