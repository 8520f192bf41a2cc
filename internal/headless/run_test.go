package headless

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

// watchWriter collects output and closes seen once it contains want.
type watchWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func newWatchWriter(want string) *watchWriter {
	return &watchWriter{want: want, seen: make(chan struct{})}
}

// Write appends p and checks for the awaited text.
func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.want != "" && strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

// String returns what was written.
func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// runSetup returns options for a run against a fake model answering
// replies, in a fresh git working directory.
func runSetup(t *testing.T, replies ...fakemodel.Reply) Options {
	t.Helper()
	model := fakemodel.Start(fakemodel.Script(replies...))
	t.Cleanup(model.Close)
	home := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(`model = "gpt-5"
`+model.ConfigTOML()), 0o600))
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, ".git"), 0o755))
	opts := Options{CodexHome: home, PromptArgs: []string{"hello"}, Now: fixedClock}
	opts.Typed.Cwd = dir
	return opts
}

func TestRunTextTurn(t *testing.T) {
	opts := runSetup(t, fakemodel.Text("Hi there"))
	var out, errs bytes.Buffer
	opts.Stdout, opts.Stderr = &out, &errs
	opts.LastMessageFile = filepath.Join(t.TempDir(), "last.txt")
	code, err := Run(context.Background(), opts)
	require.NoError(t, err)
	assert.Equal(t, ExitOK, code, errs.String())
	assert.Contains(t, out.String(), ts+"codex\nHi there\n")
	assert.Contains(t, out.String(), "  approval  never\n", "exec does not ask unless told to")
	last, err := os.ReadFile(opts.LastMessageFile)
	require.NoError(t, err)
	assert.Equal(t, "Hi there", string(last))
}

func TestRunInterruptedByContext(t *testing.T) {
	opts := runSetup(t, fakemodel.Reply{
		Events: []fakemodel.SSE{fakemodel.Created(), fakemodel.OutputTextDelta("par")},
		Stall:  true,
	})
	out := newWatchWriter(`"type":"turn.started"`)
	var errs bytes.Buffer
	opts.Stdout, opts.Stderr, opts.JSON = out, &errs, true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-out.seen
		cancel()
	}()
	code, err := Run(ctx, opts)
	require.NoError(t, err)
	assert.Equal(t, ExitInterrupted, code)
	assert.True(t, strings.HasSuffix(out.String(), `{"type":"turn.failed","error":{"message":"turn aborted: interrupted"}}`+"\n"), out.String())
	assert.Contains(t, errs.String(), "interrupting")
}

func TestRunRefusals(t *testing.T) {
	tests := []struct {
		name    string
		change  func(o *Options)
		wantErr string
	}{
		{name: "outside a git repository", change: func(o *Options) { o.Typed.Cwd = t.TempDir() }, wantErr: ErrNotGitRepo.Error()},
		{name: "no prompt", change: func(o *Options) { o.PromptArgs = nil; o.StdinIsTerminal = true }, wantErr: "no prompt given"},
		{name: "missing image", change: func(o *Options) { o.Images = []string{"/does/not/exist.png"} }, wantErr: "exist.png"},
		{name: "full-auto with another sandbox", change: func(o *Options) {
			o.FullAuto = true
			o.Typed.SandboxMode = protocol.SandboxReadOnly
		}, wantErr: "--full-auto"},
		{name: "nothing to resume", change: func(o *Options) { o.ResumeLast = true }, wantErr: "no recorded conversations"},
		{name: "unknown session id", change: func(o *Options) { o.ResumeID = "0199a213-81c0-7800-8aa1-bbab2a035a53" }, wantErr: "0199a213"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := runSetup(t)
			var out bytes.Buffer
			opts.Stdout = &out
			tt.change(&opts)
			code, err := Run(context.Background(), opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Equal(t, ExitFailed, code)
			assert.Empty(t, out.String(), "nothing is printed before the run starts")
			_, statErr := os.Stat(filepath.Join(opts.CodexHome, "sessions"))
			assert.True(t, os.IsNotExist(statErr), fmt.Sprintf("no rollout was written: %v", statErr))
		})
	}
}
