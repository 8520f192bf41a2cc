// Package notify runs the user's `notify` program after each turn, passing a
// JSON description of the turn as its last argument.
package notify

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/sandbox"
)

// TurnComplete is the JSON argument describing a finished turn.
type TurnComplete struct {
	// Type is always "agent-turn-complete".
	Type string `json:"type"`
	// TurnID identifies the turn (its submission id).
	TurnID string `json:"turn-id"`
	// InputMessages are the user messages of the turn.
	InputMessages []string `json:"input-messages"`
	// LastAssistantMessage is the final assistant message, if any.
	LastAssistantMessage *string `json:"last-assistant-message"`
}

// TypeTurnComplete is the type of a TurnComplete notification.
const TypeTurnComplete = "agent-turn-complete"

// Start launches argv with the notification appended as one JSON argument
// and returns without waiting; the process is reaped in the background.
// Its output is discarded.
func Start(argv []string, n TurnComplete) error {
	if len(argv) == 0 {
		return nil
	}
	if n.Type == "" {
		n.Type = TypeTurnComplete
	}
	if n.InputMessages == nil {
		n.InputMessages = []string{}
	}
	payload, err := protocol.Marshal(n)
	if err != nil {
		return fmt.Errorf("encode notification: %w", err)
	}
	cmd := exec.Command(argv[0], append(append([]string(nil), argv[1:]...), string(payload))...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
	cmd.Env = sandbox.WithoutLoaderVariables(os.Environ())
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start notify program %s: %w", argv[0], err)
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
