//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package headless

import "golang.org/x/sys/unix"

// getTermios is the ioctl request that reads terminal attributes.
const getTermios = unix.TIOCGETA
