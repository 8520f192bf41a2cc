package stdioproxy

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// frameServer listens on a unix socket and hands every accepted WebSocket
// connection to serve.
func frameServer(t *testing.T, serve func(ctx context.Context, c *websocket.Conn)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		serve(ctx, c)
	})}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { cancel(); _ = hs.Close() })
	return path
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// recordingServer is a frameServer that passes on every message it reads.
func recordingServer(t *testing.T) (string, <-chan string) {
	t.Helper()
	got := make(chan string, 10)
	path := frameServer(t, func(ctx context.Context, c *websocket.Conn) {
		for {
			_, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			got <- string(msg)
		}
	})
	return path, got
}

func TestRunCarriesLinesAsFrames(t *testing.T) {
	got := make(chan string, 10)
	path := frameServer(t, func(ctx context.Context, c *websocket.Conn) {
		for {
			typ, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			assert.Equal(t, websocket.MessageText, typ)
			got <- string(msg)
			// Answer with a frame holding a trailing newline, which the
			// proxy does not double.
			if err := c.Write(ctx, websocket.MessageText, append([]byte(`{"echo":`), append(msg, "}\n"...)...)); err != nil {
				return
			}
		}
	})
	ctx := context.Background()
	conn, err := DialUnix(ctx, path)
	require.NoError(t, err)
	in := strings.NewReader("{\"id\":1}\n\n   \n{\"id\":2}\r\n{\"id\":3}\n")
	var out syncBuffer
	// The answers may still be on their way when stdin ends; wait for all
	// three frames to reach the server before letting Run see the end.
	pr, pw := io.Pipe()
	go func() {
		_, _ = io.Copy(pw, in)
		for range 3 {
			<-got
		}
		require.Eventually(t, func() bool { return strings.Count(out.String(), "\n") == 3 }, 10*time.Second, 5*time.Millisecond)
		_ = pw.Close()
	}()
	require.NoError(t, Run(ctx, conn, pr, &out, Options{}))
	assert.Equal(t, "{\"echo\":{\"id\":1}}\n{\"echo\":{\"id\":2}}\n{\"echo\":{\"id\":3}}\n", out.String())
}

func TestRunSendsLastLineWithoutNewline(t *testing.T) {
	path, got := recordingServer(t)
	ctx := context.Background()
	conn, err := DialUnix(ctx, path)
	require.NoError(t, err)
	var out syncBuffer
	require.NoError(t, Run(ctx, conn, strings.NewReader(`{"id":9}`), &out, Options{}))
	assert.Equal(t, `{"id":9}`, <-got)
	assert.Empty(t, out.String())
}

func TestRunSkipsLongLines(t *testing.T) {
	path, got := recordingServer(t)
	ctx := context.Background()
	conn, err := DialUnix(ctx, path)
	require.NoError(t, err)
	// The long line is far longer than the read buffer too.
	long := `{"x":"` + strings.Repeat("a", 200<<10) + `"}`
	var out syncBuffer
	require.NoError(t, Run(ctx, conn, strings.NewReader(long+"\n{\"id\":1}\n"), &out, Options{MaxMessageBytes: 1000}))
	assert.Equal(t, `{"id":1}`, <-got)
	assert.Equal(t, `{"error":{"code":-32600,"message":"Invalid request: the line exceeded 1000 bytes and was skipped"},"id":null}`+"\n", out.String())
}

func TestRunEndsWhenServerCloses(t *testing.T) {
	path := frameServer(t, func(ctx context.Context, c *websocket.Conn) {
		_ = c.Write(ctx, websocket.MessageText, []byte(`{"method":"bye"}`))
		_ = c.Close(websocket.StatusNormalClosure, "")
	})
	ctx := context.Background()
	conn, err := DialUnix(ctx, path)
	require.NoError(t, err)
	// stdin never ends: the server's close alone must end Run.
	pr, pw := io.Pipe()
	defer pw.Close()
	var out syncBuffer
	require.NoError(t, Run(ctx, conn, pr, &out, Options{}))
	assert.Equal(t, "{\"method\":\"bye\"}\n", out.String())
}

func TestRunFailsOnOversizedFrame(t *testing.T) {
	path := frameServer(t, func(ctx context.Context, c *websocket.Conn) {
		_ = c.Write(ctx, websocket.MessageText, bytes.Repeat([]byte("x"), 5000))
		_, _, _ = c.Read(ctx)
	})
	ctx := context.Background()
	conn, err := DialUnix(ctx, path)
	require.NoError(t, err)
	pr, pw := io.Pipe()
	defer pw.Close()
	var out syncBuffer
	err = Run(ctx, conn, pr, &out, Options{MaxMessageBytes: 1000})
	require.Error(t, err)
	assert.Empty(t, out.String())
}

func TestDialUnixNoServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.sock")
	_, err := DialUnix(context.Background(), path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
}
