package main

import (
	"context"
	"fmt"
	"time"
)

// Messages the session benchmarks send.
const (
	streamPrompt = "Write a long answer. " + markStream
	shellPrompt  = "Run a command. " + markShell
)

// startServer spawns an app-server for t and initializes it.
func startServer(ctx context.Context, r *runner, t *target) (*server, error) {
	s, err := spawn(ctx, t)
	if err != nil {
		return nil, err
	}
	initCtx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := s.initialize(initCtx); err != nil {
		_ = s.close()
		return nil, err
	}
	return s, nil
}

// streamTurn sends the message that makes the provider stream its long
// answer to conversation id and checks that every delta reached the client.
func (r *runner) streamTurn(ctx context.Context, s *server, id string) error {
	calls := r.modelCalls()
	st, err := s.turn(ctx, id, streamPrompt)
	if err != nil {
		return err
	}
	if err := r.checkModelCalled(calls); err != nil {
		return err
	}
	if st.deltas != streamDeltas {
		return fmt.Errorf("got %d agent_message_delta notifications, want %d", st.deltas, streamDeltas)
	}
	return nil
}

// prepareStreamTurn starts one app-server for all samples; each sample is a
// new conversation whose single answer arrives as streamDeltas text deltas,
// every one of which the client reads as an agent_message_delta
// notification before task_complete.
func prepareStreamTurn(ctx context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	s, err := startServer(ctx, r, t)
	if err != nil {
		return nil, nil, err
	}
	sample := func(ctx context.Context) (float64, error) {
		ctx, cancel := context.WithTimeout(ctx, r.timeout)
		defer cancel()
		start := time.Now()
		id, err := s.newConversation(ctx, t.Workspace)
		if err != nil {
			return 0, err
		}
		if err := r.streamTurn(ctx, s, id); err != nil {
			return 0, err
		}
		return millisSince(start), nil
	}
	return sample, s.close, nil
}

// sessionTurn is one step of the session the rss-session benchmark plays.
type sessionTurn struct {
	// prompt is the user message.
	prompt string
	// modelCalls is the least number of provider requests the turn makes.
	modelCalls int
	// commands is the number of commands the turn runs, each of which must
	// exit with status 0.
	commands int
}

// sessionTurns is the session of the rss-session benchmark: text, a shell
// call and its follow-up, the long streamed answer, then two more texts,
// all in one conversation whose history grows with every turn.
func sessionTurns() []sessionTurn {
	return []sessionTurn{
		{prompt: "Say hello.", modelCalls: 1},
		{prompt: shellPrompt, modelCalls: 2, commands: 1},
		{prompt: streamPrompt, modelCalls: 1},
		{prompt: "Say hello again.", modelCalls: 1},
		{prompt: "Thanks, that is all.", modelCalls: 1},
	}
}

// playSession runs sessionTurns in a new conversation of s.
func (r *runner) playSession(ctx context.Context, s *server, workspace string) error {
	id, err := s.newConversation(ctx, workspace)
	if err != nil {
		return err
	}
	for i, turn := range sessionTurns() {
		if turn.prompt == streamPrompt {
			if err := r.streamTurn(ctx, s, id); err != nil {
				return fmt.Errorf("turn %d: %w", i+1, err)
			}
			continue
		}
		calls := r.modelCalls()
		st, err := s.turn(ctx, id, turn.prompt)
		if err != nil {
			return fmt.Errorf("turn %d: %w", i+1, err)
		}
		if len(st.execExitCodes) != turn.commands {
			return fmt.Errorf("turn %d ran %d commands, want %d", i+1, len(st.execExitCodes), turn.commands)
		}
		for j, code := range st.execExitCodes {
			if code != 0 {
				return fmt.Errorf("turn %d: command exited with status %d: %s", i+1, code, st.execOutputs[j])
			}
		}
		if got := r.modelCalls() - calls; got < turn.modelCalls {
			return fmt.Errorf("turn %d made %d model requests, want at least %d", i+1, got, turn.modelCalls)
		}
	}
	return nil
}

// prepareSessionRSS measures, per sample, a fresh app-server's resident-set
// high-water mark after initialize and the whole of sessionTurns.
func prepareSessionRSS(_ context.Context, r *runner, t *target) (sampleFunc, func() error, error) {
	sample := func(ctx context.Context) (float64, error) {
		ctx, cancel := context.WithTimeout(ctx, r.timeout)
		defer cancel()
		s, err := startServer(ctx, r, t)
		if err != nil {
			return 0, err
		}
		hwm, err := func() (int64, error) {
			if err := r.playSession(ctx, s, t.Workspace); err != nil {
				return 0, err
			}
			return s.peakRSS()
		}()
		closeErr := s.close()
		if err != nil {
			return 0, err
		}
		if closeErr != nil {
			return 0, closeErr
		}
		return float64(hwm) / (1 << 20), nil
	}
	return sample, noCleanup, nil
}
