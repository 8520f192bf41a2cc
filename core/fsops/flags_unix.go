//go:build unix

package fsops

import "syscall"

// openNoFollow makes opening fail on a symbolic link at the path itself.
const openNoFollow = syscall.O_NOFOLLOW
