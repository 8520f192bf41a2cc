package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/core/config"
	"github.com/codex-go/codex/protocol"
)

// recordingHandler answers elicitations with answer and records what it was
// asked.
type recordingHandler struct {
	mu     sync.Mutex
	asked  []ElicitationRequest
	answer func(ctx context.Context) (ElicitationResponse, error)
}

func (h *recordingHandler) handle(ctx context.Context, req ElicitationRequest) (ElicitationResponse, error) {
	h.mu.Lock()
	h.asked = append(h.asked, req)
	h.mu.Unlock()
	return h.answer(ctx)
}

func (h *recordingHandler) requests() []ElicitationRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]ElicitationRequest(nil), h.asked...)
}

// waitForEnd waits for ctx to end and returns its error.
func waitForEnd(ctx context.Context) (ElicitationResponse, error) {
	<-ctx.Done()
	return ElicitationResponse{}, ctx.Err()
}

func TestElicitationCapabilityShowsTheTool(t *testing.T) {
	without := startAll(t, map[string]config.MCPServerConfig{"test": testServer()})
	_, ok := without.Tool("test__ask")
	assert.False(t, ok, "a server hides its eliciting tool from a client without the capability")

	h := &recordingHandler{answer: waitForEnd}
	with := startAll(t, map[string]config.MCPServerConfig{"test": testServer()}, WithElicitation(h.handle))
	_, ok = with.Tool("test__ask")
	assert.True(t, ok, "the capability is declared")
}

func TestElicitationAnswers(t *testing.T) {
	tests := []struct {
		name    string
		timeout float64
		answer  func(ctx context.Context) (ElicitationResponse, error)
		want    string
	}{
		{"accept", 0, func(context.Context) (ElicitationResponse, error) {
			return ElicitationResponse{Action: protocol.ElicitationAccept, Content: json.RawMessage(`{"name":"Ada"}`)}, nil
		}, "hello Ada"},
		{"decline", 0, func(context.Context) (ElicitationResponse, error) {
			return ElicitationResponse{Action: protocol.ElicitationDecline}, nil
		}, "the user declined to answer"},
		{"cancel", 0, func(context.Context) (ElicitationResponse, error) {
			return ElicitationResponse{Action: protocol.ElicitationCancel}, nil
		}, "the user cancelled the question"},
		{"unknown action declines", 0, func(context.Context) (ElicitationResponse, error) {
			return ElicitationResponse{Action: "maybe"}, nil
		}, "the user declined to answer"},
		{"accept with content that is not an object declines", 0, func(context.Context) (ElicitationResponse, error) {
			return ElicitationResponse{Action: protocol.ElicitationAccept, Content: json.RawMessage(`"Ada"`)}, nil
		}, "the user declined to answer"},
		{"handler failure cancels", 0, func(context.Context) (ElicitationResponse, error) {
			return ElicitationResponse{}, errors.New("nobody to ask")
		}, "the user cancelled the question"},
		{"timeout declines", 0.2, waitForEnd, "the user declined to answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &recordingHandler{answer: tt.answer}
			cfg := testServer()
			cfg.ElicitationTimeoutSec = tt.timeout
			m := startAll(t, map[string]config.MCPServerConfig{"srv": cfg}, WithElicitation(h.handle))
			result, err := m.Call(context.Background(), "srv__ask", "")
			require.NoError(t, err)
			assert.Equal(t, tt.want, OutputText(result))
			asked := h.requests()
			require.Len(t, asked, 1)
			assert.Equal(t, "srv", asked[0].Server)
			assert.Equal(t, "What is your name?", asked[0].Message)
			assert.JSONEq(t, `{"type":"object","properties":{"name":{"type":"string","title":"Name","description":"Your name"}},"required":["name"]}`,
				string(asked[0].RequestedSchema))
			assert.NotEmpty(t, asked[0].ID)
		})
	}
}

func TestElicitationDoesNotUseUpTheToolTimeout(t *testing.T) {
	// The answer comes after the call's tool_timeout_sec: the time the user
	// takes does not count.
	h := &recordingHandler{answer: func(ctx context.Context) (ElicitationResponse, error) {
		select {
		case <-time.After(700 * time.Millisecond):
			return ElicitationResponse{Action: protocol.ElicitationAccept, Content: json.RawMessage(`{"name":"Grace"}`)}, nil
		case <-ctx.Done():
			return ElicitationResponse{}, ctx.Err()
		}
	}}
	cfg := testServer()
	cfg.ToolTimeoutSec = 0.3
	m := startAll(t, map[string]config.MCPServerConfig{"srv": cfg}, WithElicitation(h.handle))
	result, err := m.Call(context.Background(), "srv__ask", "")
	require.NoError(t, err)
	assert.Equal(t, "hello Grace", OutputText(result))

	// The clock runs again once the elicitation is over.
	_, err = m.Call(context.Background(), "srv__slow", `{"ms":5000}`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "timed out after 300ms")
}

func TestElicitationEndsWithTheCall(t *testing.T) {
	// A call cancelled while its server waits for the user: the handler's
	// wait ends when the server is shut down.
	started := make(chan struct{})
	var once sync.Once
	h := &recordingHandler{answer: func(ctx context.Context) (ElicitationResponse, error) {
		once.Do(func() { close(started) })
		return waitForEnd(ctx)
	}}
	m, failures := Start(context.Background(), map[string]config.MCPServerConfig{"srv": testServer()}, WithElicitation(h.handle))
	require.Empty(t, failures)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := m.Call(ctx, "srv__ask", "")
		done <- err
	}()
	<-started
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	closed := make(chan struct{})
	go func() {
		_ = m.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end the pending elicitation")
	}
}

func TestElicitationWithoutHandlerIsMethodNotFound(t *testing.T) {
	// The connection answers requests it does not serve with an error.
	h := &recordingHandler{answer: waitForEnd}
	s := &server{name: "x", elicit: nil}
	_, _, served := s.serveRequest(context.Background(), json.RawMessage(`1`), "elicitation/create", json.RawMessage(`{}`))
	assert.False(t, served)
	s.elicit = h.handle
	_, rpcErr, served := s.serveRequest(context.Background(), json.RawMessage(`1`), "elicitation/create", json.RawMessage(`{"message":"hi"}`))
	assert.True(t, served)
	require.NotNil(t, rpcErr)
	assert.Equal(t, -32602, rpcErr.Code)
	res, rpcErr, served := s.serveRequest(context.Background(), json.RawMessage(`1`), "elicitation/create",
		json.RawMessage(`{"mode":"url","message":"open it","url":"https://example.com","elicitationId":"e1"}`))
	assert.True(t, served)
	assert.Nil(t, rpcErr)
	assert.Equal(t, elicitResult{Action: protocol.ElicitationDecline}, res)
	_, _, served = s.serveRequest(context.Background(), json.RawMessage(`1`), "sampling/createMessage", json.RawMessage(`{}`))
	assert.False(t, served)
	assert.Empty(t, h.requests())
}
