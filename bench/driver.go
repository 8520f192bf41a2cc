package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/codex-go/codex/internal/rpcclient"
	"github.com/codex-go/codex/protocol"
)

// Notification methods a turn is followed by.
const (
	methodTaskComplete = protocol.NotificationCodexEventPrefix + protocol.EventTypeTaskComplete
	methodEventError   = protocol.NotificationCodexEventPrefix + protocol.EventTypeError
	methodMessageDelta = protocol.NotificationCodexEventPrefix + protocol.EventTypeAgentMessageDelta
	methodExecEnd      = protocol.NotificationCodexEventPrefix + protocol.EventTypeExecCommandEnd
)

// closeGrace is how long a server may take to exit after its stdin closed
// before it is killed.
const closeGrace = 10 * time.Second

// server is a running `codex app-server` driven through rpcclient.
type server struct {
	client *rpcclient.Client
}

// spawn starts `bin app-server` for t. The process is killed when ctx ends,
// so callers close it before cancelling ctx.
func spawn(ctx context.Context, t *target) (*server, error) {
	cmd := exec.CommandContext(ctx, t.Bin, "app-server")
	cmd.Env = t.env()
	c, err := rpcclient.Spawn(cmd, rpcclient.Options{})
	if err != nil {
		return nil, fmt.Errorf("start %s app-server: %w", t.Name, err)
	}
	return &server{client: c}, nil
}

// initialize sends the initialize request and waits for its answer.
func (s *server) initialize(ctx context.Context) error {
	params := protocol.InitializeParams{ClientInfo: protocol.ClientInfo{Name: "codex-bench", Version: "1.0.0"}}
	var resp protocol.InitializeResponse
	if err := s.client.Call(ctx, protocol.MethodInitialize, params, &resp); err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	if resp.UserAgent == "" {
		return errors.New("initialize: answer has no userAgent")
	}
	return nil
}

// textTurn starts a conversation in workspace, sends one user message and
// waits until the turn's task_complete notification arrives.
func (s *server) textTurn(ctx context.Context, workspace string) error {
	id, err := s.newConversation(ctx, workspace)
	if err != nil {
		return err
	}
	_, err = s.turn(ctx, id, "Say hello.")
	return err
}

// newConversation starts a conversation in workspace with the default
// policies and subscribes to its events; it returns the conversation id.
func (s *server) newConversation(ctx context.Context, workspace string) (string, error) {
	var conv protocol.NewConversationResponse
	if err := s.client.Call(ctx, protocol.MethodNewConversation,
		protocol.NewConversationParams{Cwd: &workspace}, &conv); err != nil {
		return "", fmt.Errorf("newConversation: %w", err)
	}
	if err := s.client.Call(ctx, protocol.MethodAddConversationListener,
		protocol.AddConversationListenerParams{ConversationID: conv.ConversationID}, nil); err != nil {
		return "", fmt.Errorf("addConversationListener: %w", err)
	}
	return conv.ConversationID, nil
}

// turnStats is what a turn's notifications showed.
type turnStats struct {
	// deltas counts the agent_message_delta notifications.
	deltas int
	// deltaBytes is the total length of their text.
	deltaBytes int
	// execExitCodes are the exit codes of the commands the turn ran, from
	// their exec_command_end notifications.
	execExitCodes []int
	// execOutputs are the aggregated outputs of the same commands.
	execOutputs []string
}

// turn sends text to conversation id and waits for the turn to complete.
func (s *server) turn(ctx context.Context, id, text string) (turnStats, error) {
	if err := s.client.Call(ctx, protocol.MethodSendUserMessage, protocol.SendUserMessageParams{
		ConversationID: id,
		Items:          []protocol.InputItem{protocol.TextInput(text)},
	}, nil); err != nil {
		return turnStats{}, fmt.Errorf("sendUserMessage: %w", err)
	}
	return s.awaitTaskComplete(ctx, id)
}

// awaitTaskComplete reads notifications until conversation id completes its
// turn, counting the conversation's message deltas on the way.
// Notifications of other conversations are skipped. Command and patch
// approval requests are approved, as a user clicking "allow" would; any
// other server request or an error event fails the turn.
func (s *server) awaitTaskComplete(ctx context.Context, id string) (turnStats, error) {
	var st turnStats
	for {
		m, err := s.client.Next(ctx)
		switch {
		case errors.Is(err, rpcclient.ErrOutputEnded):
			return st, errors.New("app-server exited before task_complete")
		case err != nil:
			return st, fmt.Errorf("waiting for task_complete: %w", err)
		case m.Invalid != nil:
			return st, fmt.Errorf("app-server wrote a line that is not JSON: %q", m.Raw)
		}
		if len(m.ID) > 0 {
			if err := s.answer(m); err != nil {
				return st, err
			}
			continue
		}
		switch m.Method {
		case methodTaskComplete, methodEventError, methodMessageDelta, methodExecEnd:
		default:
			continue
		}
		convID, ev, err := rpcclient.ConversationEvent(m)
		if err != nil {
			return st, fmt.Errorf("decode %s: %w", m.Method, err)
		}
		if convID != id {
			continue
		}
		switch e := ev.Msg.(type) {
		case protocol.AgentMessageDeltaEvent:
			st.deltas++
			st.deltaBytes += len(e.Delta)
		case protocol.ExecCommandEndEvent:
			st.execOutputs = append(st.execOutputs, e.AggregatedOutput)
			st.execExitCodes = append(st.execExitCodes, e.ExitCode)
		case protocol.ErrorEvent:
			return st, fmt.Errorf("turn failed: %s", e.Message)
		case protocol.TaskCompleteEvent:
			return st, nil
		}
	}
}

// answer approves a command or patch approval request; any other server
// request is an error.
func (s *server) answer(m rpcclient.Message) error {
	switch m.Method {
	case protocol.MethodExecCommandApproval, protocol.MethodApplyPatchApproval:
		if err := s.client.Reply(m.ID, protocol.ApprovalResponse{Decision: protocol.DecisionApproved}); err != nil {
			return fmt.Errorf("answer %s: %w", m.Method, err)
		}
		return nil
	default:
		return fmt.Errorf("unexpected server request %s during a turn", m.Method)
	}
}

// close closes the server's stdin and waits for it to exit, killing it
// when it takes longer than closeGrace.
func (s *server) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
	defer cancel()
	if err := s.client.Shutdown(ctx); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("app-server did not exit within %s of its stdin closing", closeGrace)
		}
		return fmt.Errorf("app-server exit: %w", err)
	}
	return nil
}

// peakRSS returns the server's resident-set high-water mark in bytes.
func (s *server) peakRSS() (int64, error) {
	return vmHWM(s.client.Pid())
}

// vmHWM reads the VmHWM line of /proc/<pid>/status, in bytes.
func vmHWM(pid int) (int64, error) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	return parseVmHWM(bufio.NewScanner(f))
}

// parseVmHWM finds the "VmHWM: <n> kB" line among the scanner's lines.
func parseVmHWM(sc *bufio.Scanner) (int64, error) {
	for sc.Scan() {
		value, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmHWM line %q", sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse VmHWM %q: %w", fields[0], err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read status: %w", err)
	}
	return 0, errors.New("no VmHWM line in status")
}
