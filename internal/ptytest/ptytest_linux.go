// Package ptytest opens pseudo-terminals for tests that check, from
// outside, what a command did to a terminal: what it pushed into the
// input queue and what it wrote.
package ptytest

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Pair is a pseudo-terminal in raw mode, so that every byte pushed into its
// input queue counts at once, with a non-blocking master. The descriptors
// are raw ones: an *os.File would put them back into blocking mode.
type Pair struct {
	// Master and Slave are the two ends.
	Master, Slave int
	// Path is the slave's device path (/dev/pts/N).
	Path string
	// SlaveFile is a copy of the slave as an *os.File, to give to a
	// command.
	SlaveFile *os.File
}

// Open opens a pair, closed when the test ends.
func Open(t testing.TB) *Pair {
	t.Helper()
	master, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	require.NoError(t, unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetUint32(master, unix.TIOCGPTN)
	require.NoError(t, err)
	path := fmt.Sprintf("/dev/pts/%d", n)
	slave, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	tio, err := unix.IoctlGetTermios(slave, unix.TCGETS)
	require.NoError(t, err)
	// What cfmakeraw does.
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	require.NoError(t, unix.IoctlSetTermios(slave, unix.TCSETS, tio))
	require.NoError(t, unix.SetNonblock(master, true))
	dup, err := unix.Dup(slave)
	require.NoError(t, err)
	p := &Pair{Master: master, Slave: slave, Path: path, SlaveFile: os.NewFile(uintptr(dup), path)}
	t.Cleanup(func() {
		p.SlaveFile.Close()
		unix.Close(slave)
		unix.Close(master)
	})
	return p
}

// Queued returns the number of bytes waiting in the terminal's input
// queue, which a shell reading the terminal would get as typed input.
func (p *Pair) Queued(t testing.TB) int {
	t.Helper()
	n, err := unix.IoctlGetInt(p.Slave, unix.TIOCINQ)
	require.NoError(t, err)
	return n
}

// TypeIn puts text into the terminal's input queue, as if typed, and
// returns once it is there: the kernel moves what the master receives to
// the slave's queue later, from a worker thread, which a loaded machine
// may run only much later.
func (p *Pair) TypeIn(t testing.TB, text string) {
	t.Helper()
	before := p.Queued(t)
	_, err := unix.Write(p.Master, []byte(text))
	require.NoError(t, err)
	deadline := time.Now().Add(10 * time.Second)
	for p.Queued(t) < before+len(text) {
		require.True(t, time.Now().Before(deadline), "the typed text never reached the terminal's input queue")
		time.Sleep(time.Millisecond)
	}
}

// Shown returns what was written to the terminal (what its user would
// see), without waiting.
func (p *Pair) Shown(t testing.TB) string {
	t.Helper()
	var out []byte
	buf := make([]byte, 512)
	for {
		n, err := unix.Read(p.Master, buf)
		if n > 0 {
			out = append(out, buf[:n]...)
			continue
		}
		if err != nil && !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EIO) {
			require.NoError(t, err)
		}
		return string(out)
	}
}
