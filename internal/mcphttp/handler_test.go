package mcphttp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echoServer is a line server for the tests: it answers every request
// with its method; "notify" first sends a notification tagged with the
// request's id and one that is not; "ask" sends a server request and
// answers with the client's response to it.
func echoServer(_ context.Context, in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	asked := map[string]json.RawMessage{} // server request id -> the client request id
	for sc.Scan() {
		var m wireMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return err
		}
		switch {
		case m.Method == "notify":
			fmt.Fprintf(out, `{"jsonrpc":"2.0","method":"tagged","params":{"_meta":{"requestId":%s}}}`+"\n", m.ID)
			fmt.Fprintf(out, `{"jsonrpc":"2.0","method":"untagged","params":{}}`+"\n")
			fmt.Fprintf(out, `{"jsonrpc":"2.0","id":%s,"result":"notify"}`+"\n", m.ID)
		case m.Method == "ask":
			asked["100"] = m.ID
			fmt.Fprintf(out, `{"jsonrpc":"2.0","id":100,"method":"question","params":{"about":%q}}`+"\n", idKey(m.ID))
		case m.Method == "" && string(m.ID) == "100":
			answer := m.Result
			if answer == nil {
				answer = m.Error
			}
			fmt.Fprintf(out, `{"jsonrpc":"2.0","id":%s,"result":%s}`+"\n", asked["100"], answer)
		case m.Method != "" && hasID(m.ID):
			fmt.Fprintf(out, `{"jsonrpc":"2.0","id":%s,"result":%q}`+"\n", m.ID, m.Method)
		}
	}
	return nil
}

// testHandler serves echoServer; "question" requests belong to the
// request named in their params.
func testHandler(t *testing.T) (*Handler, *httptest.Server) {
	t.Helper()
	h := New(Options{Serve: echoServer, Loopback: true, RelatedRequest: func(method string, params json.RawMessage) string {
		var p struct {
			About string `json:"about"`
		}
		_ = json.Unmarshal(params, &p)
		return p.About
	}})
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		require.NoError(t, h.Close(context.Background()))
	})
	return h, srv
}

// post sends body and returns the answer's status, session and SSE data lines.
func post(t *testing.T, url, session, body string) (int, string, []string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if session != "" {
		req.Header.Set(HeaderSessionID, session)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var lines []string
	for l := range strings.SplitSeq(string(data), "\n") {
		if d, ok := strings.CutPrefix(l, "data: "); ok {
			lines = append(lines, d)
		}
	}
	return resp.StatusCode, resp.Header.Get(HeaderSessionID), lines
}

func TestRouting(t *testing.T) {
	h, srv := testHandler(t)
	status, session, lines := post(t, srv.URL, "", `{"jsonrpc":"2.0","id":1,"method":"initialize"}`)
	require.Equal(t, http.StatusOK, status)
	require.NotEmpty(t, session)
	assert.Equal(t, []string{`{"jsonrpc":"2.0","id":1,"result":"initialize"}`}, lines)
	assert.Equal(t, 1, h.Sessions())

	// Without a GET stream, only the tagged notification reaches the client.
	_, _, lines = post(t, srv.URL, session, `{"jsonrpc":"2.0","id":"n1","method":"notify"}`)
	assert.Equal(t, []string{
		`{"jsonrpc":"2.0","method":"tagged","params":{"_meta":{"requestId":"n1"}}}`,
		`{"jsonrpc":"2.0","id":"n1","result":"notify"}`,
	}, lines)

	// With one, the other notification goes there.
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set(HeaderSessionID, session)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Eventually(t, func() bool {
		h.mu.Lock()
		s := h.sessions[session]
		h.mu.Unlock()
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.standalone != nil
	}, 5*time.Second, time.Millisecond)
	_, _, lines = post(t, srv.URL, session, `{"jsonrpc":"2.0","id":2,"method":"notify"}`)
	assert.Len(t, lines, 2)
	got, err := bufio.NewReader(resp.Body).ReadString('}')
	require.NoError(t, err)
	assert.Contains(t, got, `"untagged"`)

	// A server request goes on the stream of the request it belongs to;
	// the client's answer comes in a POST of its own.
	ask, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"jsonrpc":"2.0","id":3,"method":"ask"}`))
	require.NoError(t, err)
	ask.Header.Set("Content-Type", "application/json")
	ask.Header.Set("Accept", "text/event-stream")
	ask.Header.Set(HeaderSessionID, session)
	askResp, err := http.DefaultClient.Do(ask)
	require.NoError(t, err)
	defer func() { _ = askResp.Body.Close() }()
	events := bufio.NewReader(askResp.Body)
	next := func() string {
		for {
			line, err := events.ReadString('\n')
			require.NoError(t, err)
			if d, ok := strings.CutPrefix(strings.TrimSpace(line), "data: "); ok {
				return d
			}
		}
	}
	assert.Equal(t, `{"jsonrpc":"2.0","id":100,"method":"question","params":{"about":"3"}}`, next())
	status, _, _ = post(t, srv.URL, session, `{"jsonrpc":"2.0","id":100,"result":"yes"}`)
	require.Equal(t, http.StatusAccepted, status)
	assert.Equal(t, `{"jsonrpc":"2.0","id":3,"result":"yes"}`, next())
}

func TestServerRequestWithoutStreamIsAnsweredWithAnError(t *testing.T) {
	_, srv := testHandler(t)
	_, session, _ := post(t, srv.URL, "", `{"jsonrpc":"2.0","id":1,"method":"initialize"}`)
	// The request is answered with JSON, which cannot carry the question.
	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"jsonrpc":"2.0","id":4,"method":"ask"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set(HeaderSessionID, session)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.JSONEq(t, `{"jsonrpc":"2.0","id":4,"result":{"code":-32603,"message":"no open stream to deliver the request to the client"}}`, string(body))
}

func TestAdmission(t *testing.T) {
	h := New(Options{Serve: echoServer, Loopback: true, Token: "tok", AllowedOrigins: []string{"https://app.example/"}})
	t.Cleanup(func() { _ = h.Close(context.Background()) })
	for _, tc := range []struct {
		host, origin, auth string
		status             int
	}{
		{"127.0.0.1:1", "", "Bearer tok", 0},
		{"localhost:1", "http://localhost:5173", "bearer tok", 0},
		{"[::1]:1", "https://app.example", "Bearer tok", 0},
		{"evil.example:1", "", "Bearer tok", http.StatusForbidden},
		{"127.0.0.1:1", "http://evil.example", "Bearer tok", http.StatusForbidden},
		{"127.0.0.1:1", "file://", "Bearer tok", http.StatusForbidden},
		{"127.0.0.1:1", "", "", http.StatusUnauthorized},
		{"127.0.0.1:1", "", "Bearer tok2", http.StatusUnauthorized},
		{"127.0.0.1:1", "", "tok", http.StatusUnauthorized},
	} {
		r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		r.Host = tc.host
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		status, reason := h.admit(r)
		assert.Equal(t, tc.status, status, "%+v: %s", tc, reason)
	}
}
