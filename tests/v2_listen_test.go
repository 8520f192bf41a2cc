package tests

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/internal/listen"
	"github.com/codex-go/codex/internal/rpcclient"
	"github.com/codex-go/codex/tests/fakemodel"
)

// listeningServer is a `codex app-server --listen` child process.
type listeningServer struct {
	t       *testing.T
	ep      listen.Endpoint
	home    string
	workDir string
	model   *fakemodel.Server
	stderr  *lockedText
}

// lockedText is text written by one goroutine and read by another.
type lockedText struct {
	mu sync.Mutex
	b  strings.Builder
}

// add appends a line.
func (l *lockedText) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(line + "\n")
}

// String returns the text so far.
func (l *lockedText) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor waits until the text contains want.
func (l *lockedText) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !strings.Contains(l.String(), want) {
		require.True(t, time.Now().Before(deadline), "never written: %q", want)
		time.Sleep(10 * time.Millisecond)
	}
}

// startListening starts `codex app-server --listen url` plus args, whose
// model plays replies, and waits until it listens. A url of ws://...:0
// gets a free port.
func startListening(t *testing.T, url string, args []string, replies ...fakemodel.Reply) *listeningServer {
	t.Helper()
	model := fakemodel.Start(fakemodel.Script(replies...))
	t.Cleanup(model.Close)
	home, work := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(mockConfig(model.URL, 0, 0)), 0o600))
	url = strings.ReplaceAll(url, "$CODEX_HOME", home)
	cmd := exec.Command(codexBin, append([]string{"app-server", "--listen", url}, args...)...)
	cmd.Dir = work
	cmd.Env = append(filteredEnv(), "CODEX_HOME="+home, "HOME="+home)
	errPipe, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	s := &listeningServer{t: t, home: home, workDir: work, model: model, stderr: &lockedText{}}
	found := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			line := sc.Text()
			s.stderr.add(line)
			if _, addr, ok := strings.Cut(line, "listening on "); ok {
				found <- addr
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		exited := make(chan error, 1)
		go func() { <-done; exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			assert.NoError(t, err, "the server ends cleanly on SIGTERM")
		case <-time.After(waitLimit):
			_ = cmd.Process.Kill()
			t.Error("the server did not end on SIGTERM")
		}
		if t.Failed() {
			t.Logf("server stderr:\n%s", s.stderr.String())
		}
	})
	select {
	case addr := <-found:
		s.ep, err = listen.Parse(addr, home)
		require.NoError(t, err)
	case <-done:
		t.Fatalf("the server exited before listening: %s", s.stderr.String())
	case <-time.After(waitLimit):
		t.Fatal("the server did not listen")
	}
	return s
}

// dial connects a client, with token as its bearer token when not empty.
func (s *listeningServer) dial(token string) (*listen.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	return listen.Dial(ctx, s.ep, listen.DialOptions{Token: token})
}

// connect connects an initialized v2 client.
func (s *listeningServer) connect(token, name string) (v2Client, *listen.Conn) {
	s.t.Helper()
	conn, _, err := s.dial(token)
	require.NoError(s.t, err)
	c := rpcclient.New(conn, conn, rpcclient.Options{})
	s.t.Cleanup(func() { _ = conn.Close() })
	client := v2Client{&appServer{t: s.t, c: rpcclient.NewTester(s.t, c, waitLimit), home: s.home, workDir: s.workDir}, s.model}
	var init struct {
		CodexHome string `json:"codexHome"`
	}
	client.callResult("initialize", map[string]any{"clientInfo": map[string]any{"name": name, "version": "1.0"}}, &init)
	assert.Equal(s.t, s.home, init.CodexHome)
	client.notify("initialized")
	return client, conn
}

// startThread starts a thread with params and returns its id.
func (c v2Client) startThread(params map[string]any) string {
	c.t.Helper()
	if params == nil {
		params = map[string]any{}
	}
	params["cwd"] = c.workDir
	var started struct {
		Thread struct {
			ID string `json:"id"`
		} `json:"thread"`
	}
	res := c.callResult("thread/start", params, &started)
	checkV2(c.t, "thread/start", res.Result, "result")
	c.take(func(m rpcMessage) bool { return m.Method == "thread/started" }, "thread/started")
	return started.Thread.ID
}

// lastTurnStatus is the status of the turn a turn/completed ends.
func lastTurnStatus(ns []v2Notice) string {
	return ns[len(ns)-1].params["turn"].(map[string]any)["status"].(string)
}

// agentText joins the agent message deltas.
func agentText(ns []v2Notice) string {
	var b strings.Builder
	for _, n := range ns {
		if n.method == "item/agentMessage/delta" {
			b.WriteString(n.params["delta"].(string))
		}
	}
	return b.String()
}

func TestListenUnixSocketServesAV2Turn(t *testing.T) {
	s := startListening(t, "unix://", nil, fakemodel.TextDeltas([]string{"Hello ", "over a socket"}))
	// The default socket, private to its user.
	assert.Equal(t, filepath.Join(s.home, "app-server-control", "app-server-control.sock"), s.ep.Addr)
	fi, err := os.Stat(s.ep.Addr)
	require.NoError(t, err)
	assert.Equal(t, os.ModeSocket|0o600, fi.Mode()&(os.ModeSocket|os.ModePerm))

	c, _ := s.connect("", "unix-client")
	thread := c.startThread(nil)
	c.startTurn(thread, "hi")
	ns := c.untilTurnCompleted()
	assert.Equal(t, "completed", lastTurnStatus(ns))
	assert.Equal(t, "Hello over a socket", agentText(ns))

	// Bad JSON is answered and the connection keeps serving.
	c.sendRaw("{not json")
	bad := c.take(func(m rpcMessage) bool { return strings.Contains(m.Raw, "Parse error") }, "the parse error")
	assert.Contains(t, bad.Raw, `"code":-32700`)
	c.callResult("thread/loaded/list", map[string]any{}, nil)
}

func TestListenWebSocketCapabilityToken(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("s3cret-token\n"), 0o600))
	s := startListening(t, "ws://127.0.0.1:0", []string{"--ws-auth", "capability-token", "--ws-token-file", tokenFile},
		fakemodel.TextDeltas([]string{"Hello over ws"}))

	for _, token := range []string{"", "wrong-token"} {
		_, resp, err := s.dial(token)
		require.Error(t, err, "token %q", token)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
	s.stderr.waitFor(t, "connection refused")

	c, _ := s.connect("s3cret-token", "ws-client")
	thread := c.startThread(nil)
	c.startTurn(thread, "hi")
	ns := c.untilTurnCompleted()
	assert.Equal(t, "completed", lastTurnStatus(ns))
	assert.Equal(t, "Hello over ws", agentText(ns))
}

func TestListenWebSocketTokenSHA256(t *testing.T) {
	sum := sha256.Sum256([]byte("another-token"))
	s := startListening(t, "ws://127.0.0.1:0", []string{"--ws-auth", "capability-token", "--ws-token-sha256", hex.EncodeToString(sum[:])})
	_, resp, err := s.dial("another-token ")
	require.NoError(t, err, "surrounding space is not part of the token")
	_ = resp
	_, resp, err = s.dial("another-tokeN")
	require.Error(t, err)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	s.connect("another-token", "sha-client")
}

// signJWT returns an HS256 JSON Web Token of claims.
func signJWT(t *testing.T, secret string, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	head := enc(map[string]any{"alg": "HS256", "typ": "JWT"}) + "." + enc(claims)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(head))
	return head + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func TestListenWebSocketSignedBearerToken(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	const secret = "a shared secret of enough length!"
	require.NoError(t, os.WriteFile(secretFile, []byte(secret), 0o600))
	s := startListening(t, "ws://127.0.0.1:0", []string{"--ws-auth", "signed-bearer-token", "--ws-shared-secret-file", secretFile,
		"--ws-issuer", "test-issuer", "--ws-audience", "codex", "--ws-max-clock-skew-seconds", "5"})
	now := time.Now().Unix()
	valid := map[string]any{"iss": "test-issuer", "aud": []string{"other", "codex"}, "exp": now + 300, "iat": now}
	with := func(k string, v any) map[string]any {
		out := map[string]any{}
		for kk, vv := range valid {
			out[kk] = vv
		}
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	refused := []struct {
		name  string
		token string
	}{
		{"expired", signJWT(t, secret, with("exp", now-60))},
		{"no exp", signJWT(t, secret, with("exp", nil))},
		{"not yet valid", signJWT(t, secret, with("nbf", now+600))},
		{"wrong issuer", signJWT(t, secret, with("iss", "someone-else"))},
		{"wrong audience", signJWT(t, secret, with("aud", "not-codex"))},
		{"wrong secret", signJWT(t, "another secret", valid)},
		{"not a JWT", "abc.def"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, resp, err := s.dial(tt.token)
			require.Error(t, err)
			require.NotNil(t, resp)
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		})
	}
	// Within the clock skew, a just-expired token still works.
	_, _, err := s.dial(signJWT(t, secret, with("exp", now-2)))
	require.NoError(t, err)
	s.connect(signJWT(t, secret, valid), "jwt-client")
}

func TestListenRefusals(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"non-loopback without auth", []string{"--listen", "ws://0.0.0.0:0", "--ws-auth", "none"}, "without authentication"},
		{"loopback without an explicit opt-out", []string{"--listen", "ws://127.0.0.1:0"}, "--ws-auth none to serve a loopback address"},
		{"a host name", []string{"--listen", "ws://localhost:0"}, "an IP address"},
		{"unknown scheme", []string{"--listen", "http://127.0.0.1:0"}, "unsupported"},
		{"token mode without token", []string{"--listen", "ws://127.0.0.1:0", "--ws-auth", "capability-token"}, "needs --ws-token-file"},
		{"relative token file", []string{"--listen", "ws://127.0.0.1:0", "--ws-auth", "capability-token", "--ws-token-file", "token"}, "absolute"},
		{"unknown mode", []string{"--listen", "ws://127.0.0.1:0", "--ws-auth", "password"}, "expected capability-token, signed-bearer-token or none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			cmd := exec.Command(codexBin, append([]string{"app-server"}, tt.args...)...)
			cmd.Env = append(filteredEnv(), "CODEX_HOME="+home, "HOME="+home)
			out, err := cmd.CombinedOutput()
			require.Error(t, err, "%s", out)
			assert.Contains(t, string(out), tt.want)
		})
	}

	// Browsers (requests with an Origin) never reach the protocol.
	s := startListening(t, "ws://127.0.0.1:0", []string{"--ws-auth", "none"})
	req, err := http.NewRequest(http.MethodGet, "http://"+s.ep.Addr+"/", nil)
	require.NoError(t, err)
	for k, v := range map[string]string{"Origin": "http://evil.example", "Connection": "Upgrade", "Upgrade": "websocket",
		"Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="} {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, err = http.Get("http://" + s.ep.Addr + "/readyz")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// resumeLoaded subscribes c to a thread another client loaded.
func (c v2Client) resumeLoaded(thread string) {
	c.t.Helper()
	res := c.callResult("thread/resume", map[string]any{"threadId": thread}, nil)
	checkV2(c.t, "thread/resume", res.Result, "result")
}

func TestListenTwoClientsShareAThread(t *testing.T) {
	s := startListening(t, "unix://$CODEX_HOME/s.sock", nil,
		bashCall("call1", "echo one > one.txt"), answer(),
		bashCall("call2", "echo two > two.txt"), answer())
	a, _ := s.connect("", "client-a")
	b, _ := s.connect("", "client-b")
	thread := a.startThread(map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write"})
	b.resumeLoaded(thread)

	// A starts the turn: both see its notifications, only A is asked.
	a.startTurn(thread, "run one")
	req := a.take(func(m rpcMessage) bool { return m.isServerRequest() }, "the approval request")
	assert.Equal(t, "item/commandExecution/requestApproval", req.Method)
	b.take(func(m rpcMessage) bool { return m.Method == "turn/started" }, "B sees the turn start")
	a.respond(req.ID, map[string]any{"decision": "accept"})
	nsA, nsB := a.untilTurnCompleted(), b.untilTurnCompleted()
	assert.Equal(t, "completed", lastTurnStatus(nsA))
	assert.Equal(t, "completed", lastTurnStatus(nsB))
	assert.Equal(t, agentText(nsA), agentText(nsB))
	assert.Contains(t, methods(nsB), "item/completed")
	for _, m := range b.c.Client().Drain() {
		assert.False(t, m.IsRequest(), "B is never asked: %s", m.Raw)
	}
	_, err := os.Stat(filepath.Join(s.workDir, "one.txt"))
	assert.NoError(t, err)

	// A starts another turn and leaves while asked: B gets the request.
	a.startTurn(thread, "run two")
	a.take(func(m rpcMessage) bool { return m.isServerRequest() }, "A's approval request")
	require.NoError(t, a.c.Client().CloseInput())
	req = b.take(func(m rpcMessage) bool { return m.isServerRequest() }, "the approval request, moved to B")
	assert.Equal(t, "item/commandExecution/requestApproval", req.Method)
	checkV2(t, req.Method, req.Params, "request")
	b.respond(req.ID, map[string]any{"decision": "accept"})
	ns := b.untilTurnCompleted()
	assert.Equal(t, "completed", lastTurnStatus(ns))
	_, err = os.Stat(filepath.Join(s.workDir, "two.txt"))
	assert.NoError(t, err)
}

func TestListenLastClientLeavingDeclines(t *testing.T) {
	s := startListening(t, "unix://$CODEX_HOME/s.sock", nil, bashCall("call1", "echo one > one.txt"), answer(), answer())
	a, _ := s.connect("", "client-a")
	thread := a.startThread(map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write"})
	a.startTurn(thread, "run one")
	a.take(func(m rpcMessage) bool { return m.isServerRequest() }, "the approval request")
	require.NoError(t, a.c.Client().CloseInput())

	// Nobody is left to ask: the command is declined and the turn ends.
	b, _ := s.connect("", "client-b")
	b.resumeLoaded(thread)
	// The declined call's output goes back to the model, whose answer ends
	// the turn.
	deadline := time.Now().Add(waitLimit)
	for len(s.model.Requests()) < 2 {
		require.True(t, time.Now().Before(deadline), "the model never got the declined call's output")
		time.Sleep(10 * time.Millisecond)
	}
	assert.Contains(t, string(s.model.Requests()[1].Body), "call1")
	for {
		var read struct {
			Thread struct {
				Status struct {
					Type string `json:"type"`
				} `json:"status"`
			} `json:"thread"`
		}
		b.callResult("thread/read", map[string]any{"threadId": thread}, &read)
		if read.Thread.Status.Type == "idle" {
			break
		}
		require.True(t, time.Now().Before(deadline), "the turn never ended")
		time.Sleep(10 * time.Millisecond)
	}
	_, err := os.Stat(filepath.Join(s.workDir, "one.txt"))
	assert.True(t, os.IsNotExist(err), "the declined command did not run")
	// The thread goes on for B.
	b.startTurn(thread, "again")
	ns := b.untilTurnCompleted()
	assert.Equal(t, "completed", lastTurnStatus(ns))
}

func TestListenOneClientLeavingKeepsAnothersTurn(t *testing.T) {
	s := startListening(t, "ws://127.0.0.1:0", []string{"--ws-auth", "none"}, bashCall("call1", "echo b > b.txt"), answer())
	a, _ := s.connect("", "client-a")
	b, _ := s.connect("", "client-b")
	a.startThread(nil)
	threadB := b.startThread(map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write"})
	b.startTurn(threadB, "run it")
	req := b.take(func(m rpcMessage) bool { return m.isServerRequest() }, "B's approval request")
	require.NoError(t, a.c.Client().CloseInput())
	b.respond(req.ID, map[string]any{"decision": "accept"})
	ns := b.untilTurnCompleted()
	assert.Equal(t, "completed", lastTurnStatus(ns))
	_, err := os.Stat(filepath.Join(s.workDir, "b.txt"))
	assert.NoError(t, err)
	// A client that connects later sees the same server.
	c, _ := s.connect("", "client-c")
	var loaded struct {
		Data []string `json:"data"`
	}
	c.callResult("thread/loaded/list", map[string]any{}, &loaded)
	assert.Len(t, loaded.Data, 2)
}

// TestListenClientReachesTheReferenceServer connects our client to the
// unix socket of codex-cli 0.171.0's `app-server --listen unix://`, when
// CODEX_REF171 names that binary: both servers carry the same WebSocket
// upgrade and framing on the socket.
func TestListenClientReachesTheReferenceServer(t *testing.T) {
	ref := os.Getenv("CODEX_REF171")
	if ref == "" {
		t.Skip("CODEX_REF171 does not name a codex-cli 0.171.0 binary")
	}
	home, empty := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"),
		[]byte("check_for_update_on_startup = false\nmodel = \"gpt-5.5\"\n[analytics]\nenabled = false\n"), 0o600))
	sock := filepath.Join(home, "ref.sock")
	cmd := exec.Command(ref, "app-server", "--listen", "unix://"+sock)
	cmd.Env = append(filteredEnv(), "CODEX_HOME="+home, "HOME="+empty)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ep := listen.Endpoint{Scheme: listen.Unix, Addr: sock}
	var conn *listen.Conn
	deadline := time.Now().Add(waitLimit)
	for {
		var err error
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, _, err = listen.Dial(ctx, ep, listen.DialOptions{})
		cancel()
		if err == nil {
			break
		}
		require.True(t, time.Now().Before(deadline), "the reference server never listened: %v", err)
		time.Sleep(100 * time.Millisecond)
	}
	t.Cleanup(func() { _ = conn.Close() })
	c := rpcclient.NewTester(t, rpcclient.New(conn, conn, rpcclient.Options{}), waitLimit)
	var init struct {
		CodexHome string `json:"codexHome"`
	}
	c.CallResult("initialize", map[string]any{"clientInfo": map[string]any{"name": "interop", "version": "1"}}, &init)
	assert.Equal(t, home, init.CodexHome)
	c.Notify("initialized", nil)
	c.CallResult("thread/loaded/list", map[string]any{}, nil)
}

// TestListenTwoClientsFollowA045Conversation has a second connection
// listen to a 0.45 conversation the first one started: both get its
// events; approvals go to the connection that sent the turn's input, and
// when it leaves while asked the other still follows the turn to its end.
func TestListenTwoClientsFollowA045Conversation(t *testing.T) {
	s := startListening(t, "unix://$CODEX_HOME/s.sock", nil,
		bashCall("call1", "echo one > one.txt"), answer(),
		bashCall("call3", "echo three > three.txt"), answer(),
		bashCall("call2", "echo two > two.txt"), answer())
	a, _ := s.connect("", "client-a")
	b, _ := s.connect("", "client-b")
	conv := startConversation(a.appServer, map[string]any{"approvalPolicy": "untrusted", "sandbox": "workspace-write"})
	b.listen(conv)

	a.sendText(conv, "run one")
	req := a.take(func(m rpcMessage) bool { return m.isServerRequest() }, "the approval request")
	assert.Equal(t, "execCommandApproval", req.Method)
	b.take(func(m rpcMessage) bool { return m.eventType() == "exec_approval_request" }, "B sees the approval event")
	a.respond(req.ID, map[string]any{"decision": "approved"})
	a.take(func(m rpcMessage) bool { return m.eventType() == "task_complete" }, "A sees the turn end")
	b.take(func(m rpcMessage) bool { return m.eventType() == "task_complete" }, "B sees the turn end")
	for _, m := range b.c.Client().Drain() {
		assert.False(t, m.IsRequest(), "B is never asked while A listens: %s", m.Raw)
	}
	_, err := os.Stat(filepath.Join(s.workDir, "one.txt"))
	assert.NoError(t, err)

	// B sends the input of a turn: B is asked, A only sees the event.
	b.sendText(conv, "run three")
	req = b.take(func(m rpcMessage) bool { return m.isServerRequest() }, "B's approval request")
	a.take(func(m rpcMessage) bool { return m.eventType() == "exec_approval_request" }, "A sees the approval event")
	b.respond(req.ID, map[string]any{"decision": "approved"})
	a.take(func(m rpcMessage) bool { return m.eventType() == "task_complete" }, "A sees the turn end")
	b.take(func(m rpcMessage) bool { return m.eventType() == "task_complete" }, "B sees the turn end")
	for _, m := range a.c.Client().Drain() {
		assert.False(t, m.IsRequest(), "A is not asked about B's turn: %s", m.Raw)
	}

	// A leaves while asked: the command is declined, and B follows the
	// turn to its end.
	a.sendText(conv, "run two")
	a.take(func(m rpcMessage) bool { return m.isServerRequest() }, "A's second approval request")
	require.NoError(t, a.c.Client().CloseInput())
	b.take(func(m rpcMessage) bool { return m.eventType() == "task_complete" }, "B sees the second turn end")
	_, err = os.Stat(filepath.Join(s.workDir, "two.txt"))
	assert.True(t, os.IsNotExist(err), "the command of the approval nobody answered did not run")
}
