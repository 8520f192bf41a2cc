package exec

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// openTerminal opens a new pseudo-terminal of the given size and returns
// its master side, which the caller reads and writes, and its slave side,
// which becomes the command's terminal. The terminal keeps the kernel's
// default settings (canonical input, echo), as a login terminal has.
func openTerminal(size TermSize) (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	var n uint32
	err = control(master, func(fd int) error {
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return fmt.Errorf("unlock: %w", err)
		}
		var err error
		n, err = unix.IoctlGetUint32(fd, unix.TIOCGPTN)
		return err
	})
	if err == nil {
		err = resizeTerminal(master, size)
	}
	if err != nil {
		closeAll(master)
		return nil, nil, err
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		closeAll(master)
		return nil, nil, err
	}
	return master, slave, nil
}

// resizeTerminal sets the size of the terminal whose master side is f.
func resizeTerminal(f *os.File, size TermSize) error {
	return control(f, func(fd int) error {
		return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: size.Rows, Col: size.Cols})
	})
}

// control runs op on f's descriptor without taking it out of the
// runtime's poller (as Fd would), so that reads and writes on f stay
// interruptible by Close.
func control(f *os.File, op func(fd int) error) error {
	raw, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var opErr error
	if err := raw.Control(func(fd uintptr) { opErr = op(int(fd)) }); err != nil {
		return err
	}
	return opErr
}

// controllingTerminal makes the command's standard input, a terminal, its
// controlling terminal; the command leads a session of its own already
// (see sysProcAttr).
func controllingTerminal(a *syscall.SysProcAttr) {
	a.Setctty = true
	a.Ctty = 0
}
