package exec

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartWithStdinPipe(t *testing.T) {
	var out deltaLog
	proc, err := Start(context.Background(), Params{Command: []string{"cat"}, Sandbox: fullAccess, StdinPipe: true, Timeout: hangGuard}, out.record)
	require.NoError(t, err)
	require.NoError(t, proc.Write([]byte("one ")))
	require.NoError(t, proc.Write([]byte("two")))
	require.NoError(t, proc.CloseStdin())
	require.NoError(t, proc.CloseStdin(), "closing twice does nothing")
	assert.ErrorIs(t, proc.Write([]byte("late")), ErrStdinClosed)
	assert.ErrorIs(t, proc.Resize(TermSize{Rows: 1, Cols: 1}), ErrNoTerminal)
	res, err := proc.Wait()
	require.NoError(t, err)
	assert.Equal(t, 0, res.ExitCode)
	assert.Equal(t, "one two", res.Stdout)
}

func TestStartWithoutStdin(t *testing.T) {
	proc, err := Start(context.Background(), Params{Command: []string{"true"}, Sandbox: fullAccess}, nil)
	require.NoError(t, err)
	assert.ErrorIs(t, proc.Write([]byte("x")), ErrNoStdin)
	assert.ErrorIs(t, proc.CloseStdin(), ErrNoStdin)
	_, err = proc.Wait()
	require.NoError(t, err)
}

func TestKillEndsAProcessWithoutTimeout(t *testing.T) {
	proc, err := Start(context.Background(), Params{Command: []string{"sleep", "300"}, Sandbox: fullAccess, NoTimeout: true}, nil)
	require.NoError(t, err)
	proc.Kill()
	proc.Kill()
	res, err := proc.Wait()
	require.NoError(t, err)
	assert.Equal(t, exitSignalBase+9, res.ExitCode)
	assert.False(t, res.TimedOut)
}

func TestStreamOnlyCapturesNothing(t *testing.T) {
	var out deltaLog
	res, err := Run(context.Background(), Params{Command: []string{"sh", "-c", "echo out; echo err >&2"}, Sandbox: fullAccess, StreamOnly: true}, out.record)
	require.NoError(t, err)
	assert.Empty(t, res.Stdout)
	assert.Empty(t, res.Aggregated)
	assert.Equal(t, "out\n", string(out.chunks[Stdout]))
	assert.Equal(t, "err\n", string(out.chunks[Stderr]))
}

func TestStartInATerminal(t *testing.T) {
	var out deltaLog
	proc, err := Start(context.Background(), Params{
		Command: []string{"sh", "-c", "stty size; read line; stty size"}, Sandbox: fullAccess,
		TTY: &TermSize{Rows: 12, Cols: 34}, Timeout: hangGuard,
	}, out.record)
	require.NoError(t, err)
	require.NoError(t, proc.Resize(TermSize{Rows: 56, Cols: 78}))
	require.NoError(t, proc.Write([]byte("go\r")))
	res, err := proc.Wait()
	require.NoError(t, err)
	assert.Equal(t, 0, res.ExitCode)
	// The first size is either: the resize may come before the first stty.
	assert.True(t, strings.HasSuffix(res.Stdout, "56 78\r\n"), "%q", res.Stdout)
	assert.Contains(t, res.Stdout, "go\r\n", "the terminal echoes input")
	assert.Empty(t, res.Stderr, "a terminal's output is all on stdout")
}

func TestMillis(t *testing.T) {
	assert.Equal(t, time.Nanosecond, Millis(0))
	assert.Equal(t, time.Nanosecond, Millis(-5))
	assert.Equal(t, 1500*time.Millisecond, Millis(1500))
	assert.Positive(t, Millis(math.MaxInt64))
}
