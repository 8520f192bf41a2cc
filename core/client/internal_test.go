package client

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/codex-go/codex/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSSEReader(t *testing.T) {
	type ev struct{ name, data string }
	tests := []struct {
		name string
		in   string
		want []ev
	}{
		{"simple", "event: a\ndata: 1\n\n", []ev{{"a", "1"}}},
		{"CRLF", "event: a\r\ndata: 1\r\n\r\n", []ev{{"a", "1"}}},
		{"CR", "event: a\rdata: 1\r\rdata: 2\r\r", []ev{{"a", "1"}, {"", "2"}}},
		{"mixed endings", "data: 1\r\n\ndata: 2\r\r\n", []ev{{"", "1"}, {"", "2"}}},
		{"multi-line data", "data: a\ndata:b\ndata:  c\n\n", []ev{{"", "a\nb\n c"}}},
		{"empty data line dispatches empty data", "data\n\n", []ev{{"", ""}}},
		{"comments", ": hi\ndata: x\n:more\n\n", []ev{{"", "x"}}},
		{"name without data is dropped", "event: lonely\n\ndata: y\n\n", []ev{{"", "y"}}},
		{"id and retry ignored", "id: 1\nretry: 5\ndata: z\n\n", []ev{{"", "z"}}},
		{"colon in value", "data: a: b\n\n", []ev{{"", "a: b"}}},
		{"unterminated event discarded", "data: 1\n\ndata: 2\n", []ev{{"", "1"}}},
		{"bom", "\xEF\xBB\xBFdata: 1\n\n", []ev{{"", "1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []io.Reader{strings.NewReader(tt.in), iotest.OneByteReader(strings.NewReader(tt.in))} {
				p := newSSEReader(r)
				var got []ev
				for {
					e, err := p.next()
					if err == io.EOF {
						break
					}
					require.NoError(t, err)
					got = append(got, ev{e.name, string(e.data)})
				}
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

func TestSSEReaderLongLine(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	p := newSSEReader(strings.NewReader("data: " + long + "\n\n"))
	e, err := p.next()
	require.NoError(t, err)
	assert.Equal(t, long, string(e.data))
}

func TestSSEReaderReadError(t *testing.T) {
	boom := io.ErrClosedPipe
	p := newSSEReader(io.MultiReader(strings.NewReader("data: 1\n"), iotest.ErrReader(boom)))
	_, err := p.next()
	require.ErrorIs(t, err, boom)
}

func TestBackoff(t *testing.T) {
	for n, base := range map[int]time.Duration{1: 200 * time.Millisecond, 2: 400 * time.Millisecond, 3: 800 * time.Millisecond, 5: 3200 * time.Millisecond} {
		for range 50 {
			d := Backoff(n)
			assert.GreaterOrEqual(t, d, base*9/10, "retry %d", n)
			assert.LessOrEqual(t, d, base*11/10, "retry %d", n)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		want    time.Duration
	}{
		{"none", nil, 0},
		{"seconds", map[string]string{"Retry-After": "3"}, 3 * time.Second},
		{"fractional seconds", map[string]string{"Retry-After": "0.5"}, 500 * time.Millisecond},
		{"milliseconds", map[string]string{"retry-after-ms": "250"}, 250 * time.Millisecond},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0},
		{"past date", map[string]string{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			assert.Equal(t, tt.want, retryAfter(h))
		})
	}
}

func TestSuggestedDelay(t *testing.T) {
	tests := map[string]time.Duration{
		"Rate limit reached. Please try again in 1.898s. Visit": 1898 * time.Millisecond,
		"Please try again in 20ms.":                             20 * time.Millisecond,
		"please TRY AGAIN IN 2 seconds":                         2 * time.Second,
		"try again later":                                       0,
		"nothing here":                                          0,
		"Please try again in 5m":                                0,
		"Please try again in .5s":                               500 * time.Millisecond,
	}
	for msg, want := range tests {
		assert.Equal(t, want, suggestedDelay(msg), msg)
	}
}

func TestUserAgent(t *testing.T) {
	dir := t.TempDir()
	debian := filepath.Join(dir, "debian")
	require.NoError(t, os.WriteFile(debian, []byte("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n"), 0o644))
	ubuntu := filepath.Join(dir, "ubuntu")
	require.NoError(t, os.WriteFile(ubuntu, []byte("# comment\nID=ubuntu\nVERSION_ID='22.04'\n"), 0o644))
	alpine := filepath.Join(dir, "alpine")
	require.NoError(t, os.WriteFile(alpine, []byte("ID=alpine\nVERSION_ID=3.19.1\n"), 0o644))
	rolling := filepath.Join(dir, "arch")
	require.NoError(t, os.WriteFile(rolling, []byte("ID=arch\nVERSION_ID=rolling\n"), 0o644))
	noVersion := filepath.Join(dir, "noversion")
	require.NoError(t, os.WriteFile(noVersion, []byte("ID=gentoo\n"), 0o644))

	tests := []struct {
		name         string
		env          map[string]string
		osRelease    string
		arch         string
		client, cliV string
		want         string
	}{
		{"debian term program", map[string]string{"TERM_PROGRAM": "vscode", "TERM_PROGRAM_VERSION": "1.90.0", "TERM": "xterm"}, debian, "amd64", "", "",
			"codex_cli_go/1.0.0 (Debian 12.0.0; x86_64) vscode/1.90.0"},
		{"client suffix", map[string]string{"TERM_PROGRAM": "iTerm.app"}, ubuntu, "arm64", "zed", "0.200.1",
			"codex_cli_go/1.0.0 (Ubuntu 22.4.0; aarch64) iTerm.app (zed; 0.200.1)"},
		{"wezterm", map[string]string{"WEZTERM_VERSION": "2024", "TERM": "xterm"}, alpine, "amd64", "", "",
			"codex_cli_go/1.0.0 (Alpine 3.19.1; x86_64) WezTerm/2024"},
		{"kitty", map[string]string{"KITTY_WINDOW_ID": "1", "TERM": "xterm-kitty"}, rolling, "riscv64", "", "",
			"codex_cli_go/1.0.0 (Arch rolling; riscv64) kitty"},
		{"alacritty", map[string]string{"ALACRITTY_SOCKET": "/tmp/s"}, noVersion, "386", "", "",
			"codex_cli_go/1.0.0 (Gentoo unknown; i686) Alacritty"},
		{"TERM fallback and missing os-release", map[string]string{"TERM": "xterm-256color"}, filepath.Join(dir, "missing"), "amd64", "", "",
			"codex_cli_go/1.0.0 (plan9 unknown; x86_64) xterm-256color"},
		{"nothing known", nil, filepath.Join(dir, "missing"), "amd64", "", "",
			"codex_cli_go/1.0.0 (plan9 unknown; x86_64) unknown"},
		{"non-printable replaced", map[string]string{"TERM_PROGRAM": "tërm\x01"}, debian, "amd64", "édit", "1\n2",
			"codex_cli_go/1.0.0 (Debian 12.0.0; x86_64) t_rm_ (_dit; 1_2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := UserAgentEnv{
				Getenv:        func(k string) string { return tt.env[k] },
				OSReleasePath: tt.osRelease,
				GOOS:          "plan9",
				GOARCH:        tt.arch,
			}
			assert.Equal(t, tt.want, e.UserAgent("1.0.0", tt.client, tt.cliV))
		})
	}
	ua := UserAgent("9.9.9", "", "")
	assert.True(t, strings.HasPrefix(ua, "codex_cli_go/9.9.9 ("), ua)
}

func TestSupportsReasoning(t *testing.T) {
	for model, want := range map[string]bool{
		"gpt-5": true, "gpt-5-codex": true, "o3": true, "o4-mini": true, "o1": true, "codex-mini-latest": true,
		"gpt-4.1": false, "gpt-4o": false, "llama3": false, "": false,
	} {
		assert.Equal(t, want, SupportsReasoning(model), model)
	}
}

func TestSSEReaderDoesNotWaitForLFAfterCR(t *testing.T) {
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write([]byte("data: 1\r\r"))
	}()
	p := newSSEReader(pr)
	e, err := p.next()
	require.NoError(t, err)
	assert.Equal(t, "1", string(e.data))
	go func() {
		_, _ = pw.Write([]byte("\ndata: 2\n\n"))
		_ = pw.Close()
	}()
	e, err = p.next()
	require.NoError(t, err)
	assert.Equal(t, "2", string(e.data))
	_, err = p.next()
	assert.ErrorIs(t, err, io.EOF)
}

func TestRequestInputLeavesOutItemIDs(t *testing.T) {
	enc := "encrypted"
	items := []protocol.ResponseItem{
		{Type: protocol.ItemMessage, ID: "msg_1", Role: "assistant", Content: []protocol.ContentItem{{Type: protocol.ContentOutputText, Text: "hi"}}},
		{Type: protocol.ItemReasoning, ID: "rs_1", EncryptedContent: &enc},
		{Type: protocol.ItemFunctionCall, ID: "fc_1", Name: "shell", Arguments: "{}", CallID: "call_1"},
		{Type: protocol.ItemWebSearchCall, ID: "ws_1", Status: "completed"},
		{Type: protocol.ItemLocalShellCall, ID: "lsh_1", Status: "completed", Action: []byte(`{"type":"exec","command":["ls"]}`)},
	}
	body, err := responsesWire{}.encode(Request{Model: "gpt-5", Prompt: Prompt{Input: items}})
	require.NoError(t, err)
	for _, id := range []string{"msg_1", "rs_1", "fc_1", "ws_1"} {
		assert.NotContains(t, string(body), id)
	}
	assert.Contains(t, string(body), `"id":"lsh_1"`)
	assert.Equal(t, "msg_1", items[0].ID, "the caller's history is not changed")
}

// TestChatToolContentParts sends a function output given as content items
// as a tool message of text and image_url parts, as codex-cli 0.80 did, and
// a text output as a string.
func TestChatToolContentParts(t *testing.T) {
	msgs := chatMessages("sys", []protocol.ResponseItem{
		{Type: protocol.ItemFunctionCall, Name: "s__img", Arguments: "{}", CallID: "c1"},
		{Type: protocol.ItemFunctionCallOutput, CallID: "c1", OutputContent: []protocol.ContentItem{
			{Type: protocol.ContentInputText, Text: "Here's the image you requested:"},
			{Type: protocol.ContentInputImage, ImageURL: "data:image/png;base64,iVBO", Detail: "high"},
		}},
		{Type: protocol.ItemFunctionCall, Name: "s__txt", Arguments: "{}", CallID: "c2"},
		protocol.FunctionOutput("c2", `{"temperature":36}`),
	})
	out, err := protocol.Marshal(msgs[2:])
	require.NoError(t, err)
	assert.JSONEq(t, `[
		{"role":"tool","tool_call_id":"c1","content":[
			{"type":"text","text":"Here's the image you requested:"},
			{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBO"}}]},
		{"role":"assistant","content":null,"tool_calls":[{"id":"c2","type":"function","function":{"name":"s__txt","arguments":"{}"}}]},
		{"role":"tool","tool_call_id":"c2","content":"{\"temperature\":36}"}]`, string(out))
}
