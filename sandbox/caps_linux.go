package sandbox

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Secure bits that keep a process without capabilities from getting them
// back: uid 0 and set-user-ID programs grant none, and nothing can be
// raised into the ambient set; each is locked.
const lockedSecureBits = 1<<0 | 1<<1 | // SECBIT_NOROOT and its lock
	1<<2 | 1<<3 | // SECBIT_NO_SETUID_FIXUP and its lock
	1<<4 | 1<<5 | // SECBIT_KEEP_CAPS and its lock (off, locked)
	1<<6 | 1<<7 // SECBIT_NO_CAP_AMBIENT_RAISE and its lock

// maxCapability bounds the capability numbers tried; the kernel knows
// fewer, and those it does not know fail with EINVAL.
const maxCapability = 63

// dropCapabilities takes every capability away from the calling thread for
// good: the secure bits are locked so that uid 0 grants none, the bounding
// set is emptied (so execve cannot grant any either), the ambient set is
// cleared and the effective, permitted and inheritable sets become empty.
// A thread without CAP_SETPCAP (an ordinary user's) cannot change the
// secure bits or the bounding set, but it has no capabilities to lose and
// no_new_privs keeps file capabilities from granting any.
func dropCapabilities(m *measures) error {
	if err := unix.Prctl(unix.PR_SET_SECUREBITS, lockedSecureBits, 0, 0, 0); err != nil && !errors.Is(err, unix.EPERM) {
		return fmt.Errorf("sandbox: lock secure bits: %w", err)
	}
	for c := 0; c <= maxCapability; c++ {
		err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0)
		if errors.Is(err, unix.EINVAL) {
			break
		}
		if err != nil && !errors.Is(err, unix.EPERM) {
			return fmt.Errorf("sandbox: drop capability %d from the bounding set: %w", c, err)
		}
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("sandbox: clear ambient capabilities: %w", err)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("sandbox: drop capabilities: %w", err)
	}
	m.add(measureCapabilities)
	return nil
}
