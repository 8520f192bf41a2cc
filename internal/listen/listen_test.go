package listen

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		raw  string
		want Endpoint
		err  string
	}{
		{"", Endpoint{Scheme: Stdio}, ""},
		{"stdio://", Endpoint{Scheme: Stdio}, ""},
		{"unix://", Endpoint{Scheme: Unix, Addr: "/home/u/.codex/app-server-control/app-server-control.sock"}, ""},
		{"unix:///run/x.sock", Endpoint{Scheme: Unix, Addr: "/run/x.sock"}, ""},
		{"ws://127.0.0.1:4500", Endpoint{Scheme: WebSocket, Addr: "127.0.0.1:4500"}, ""},
		{"ws://[::1]:0", Endpoint{Scheme: WebSocket, Addr: "[::1]:0"}, ""},
		{"ws://localhost:4500", Endpoint{}, "IP address"},
		{"ws://127.0.0.1", Endpoint{}, "IP:PORT"},
		{"wss://127.0.0.1:1", Endpoint{}, "unsupported"},
		{"off", Endpoint{}, "unsupported"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.raw, "/home/u/.codex")
		if tt.err != "" {
			assert.ErrorContains(t, err, tt.err, tt.raw)
			continue
		}
		require.NoError(t, err, tt.raw)
		assert.Equal(t, tt.want, got, tt.raw)
	}
	ep, _ := Parse("ws://127.0.0.1:1", "")
	assert.True(t, ep.Loopback())
	ep, _ = Parse("ws://0.0.0.0:1", "")
	assert.False(t, ep.Loopback())
}

func TestAsLine(t *testing.T) {
	assert.Equal(t, "{\"a\":1}\n", string(asLine([]byte("{\"a\":1}"))))
	assert.Equal(t, "{\"a\":\"x\\ny\"}\n", string(asLine([]byte("{\n \"a\": \"x\\ny\"\n}"))))
	assert.Equal(t, "{not  json\n", string(asLine([]byte("{not\n json"))))
}

func jwt(secret string, claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	head := enc(map[string]any{"alg": "HS256"}) + "." + enc(claims)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(head))
	return head + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func TestSignedBearerValidate(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	b := &SignedBearer{Secret: []byte("k"), Issuer: "i", Audience: "a", MaxClockSkew: 10 * time.Second, Now: func() time.Time { return now }}
	ok := map[string]any{"exp": 1_000_100, "iss": "i", "aud": "a"}
	require.NoError(t, b.Validate(jwt("k", ok)))
	require.NoError(t, b.Validate(jwt("k", map[string]any{"exp": 999_995, "iss": "i", "aud": []string{"a"}})), "within the skew")
	assert.ErrorContains(t, b.Validate(jwt("k", map[string]any{"exp": 999_989, "iss": "i", "aud": "a"})), "expired")
	assert.ErrorContains(t, b.Validate(jwt("k", map[string]any{"exp": 1_000_100, "nbf": 1_000_011, "iss": "i", "aud": "a"})), "not valid yet")
	assert.ErrorContains(t, b.Validate(jwt("other", ok)), "bad signature")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + strings.Split(jwt("k", ok), ".")[1] + "."
	assert.ErrorContains(t, b.Validate(none), "HS256")
}

// echo is a handler that writes back every line it reads.
func echo(_ context.Context, in io.Reader, out io.Writer) error {
	_, err := io.Copy(out, in)
	return err
}

func TestServeLimits(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ep := Endpoint{Scheme: Unix, Addr: filepath.Join(t.TempDir(), "s.sock")}
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ep, echo, Options{MaxConnections: 1, MaxMessageBytes: 1024, Ready: func(string) { close(ready) }})
	}()
	<-ready
	c1, _, err := Dial(ctx, ep, DialOptions{})
	require.NoError(t, err)
	_, err = c1.Write([]byte("{\"a\":1}\n"))
	require.NoError(t, err)
	buf := make([]byte, 64)
	n, err := c1.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "{\"a\":1}\n", string(buf[:n]))

	// The second connection is over the limit.
	_, resp, err := Dial(ctx, ep, DialOptions{})
	require.Error(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)

	// A message over the size limit ends the connection.
	_, err = c1.Write([]byte("\"" + strings.Repeat("x", 2000) + "\"\n"))
	require.NoError(t, err)
	_, err = io.ReadAll(c1)
	require.NoError(t, err)
	assert.Equal(t, websocket.StatusMessageTooBig, websocket.CloseStatus(c1.in.err))

	// The slot is free again.
	require.Eventually(t, func() bool {
		c2, _, err := Dial(ctx, ep, DialOptions{})
		if err == nil {
			_ = c2.Close()
		}
		return err == nil
	}, 5*time.Second, 10*time.Millisecond)

	cancel()
	require.NoError(t, <-done)
	assert.NoFileExists(t, ep.Addr)
}
