package headless

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

// failingReader fails every read.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("read failed") }

func TestResolvePrompt(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		stdin    string
		terminal bool
		want     string
		wantErr  string
	}{
		{name: "argument", args: []string{"fix the bug"}, stdin: "ignored", want: "fix the bug"},
		{name: "argument on a terminal", args: []string{"fix the bug"}, terminal: true, want: "fix the bug"},
		{name: "no argument reads piped stdin", stdin: "from a pipe\n", want: "from a pipe\n"},
		{name: "dash reads stdin", args: []string{"-"}, stdin: "dash input", want: "dash input"},
		{name: "dash reads stdin even on a terminal", args: []string{"-"}, stdin: "typed", terminal: true, want: "typed"},
		{name: "no argument on a terminal", stdin: "not read", terminal: true, wantErr: "no prompt given"},
		{name: "empty stdin", stdin: "", wantErr: "no prompt given"},
		{name: "blank stdin", stdin: " \n\t\n", wantErr: "no prompt given"},
		{name: "blank argument", args: []string{"   "}, wantErr: "no prompt given"},
		{name: "two arguments", args: []string{"a", "b"}, wantErr: "at most one prompt argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolvePrompt(tt.args, strings.NewReader(tt.stdin), tt.terminal)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestResolvePromptErrors(t *testing.T) {
	_, err := ResolvePrompt(nil, nil, false)
	assert.ErrorIs(t, err, ErrNoPrompt)

	_, err = ResolvePrompt([]string{"-"}, failingReader{}, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "read failed")
}

func TestInputItems(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "a.png")
	require.NoError(t, os.WriteFile(img, []byte("png"), 0o600))

	items, err := inputItems("describe", []string{img})
	require.NoError(t, err)
	assert.Equal(t, []protocol.InputItem{
		{Type: protocol.InputLocalImage, Data: protocol.InputItemData{Path: img}},
		protocol.TextInput("describe"),
	}, items)

	items, err = inputItems("only text", nil)
	require.NoError(t, err)
	assert.Equal(t, []protocol.InputItem{protocol.TextInput("only text")}, items)

	_, err = inputItems("x", []string{filepath.Join(dir, "missing.png")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.png")

	_, err = inputItems("x", []string{dir})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a regular file")
}
