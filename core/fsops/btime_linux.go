package fsops

import (
	"time"

	"golang.org/x/sys/unix"
)

// birthTime returns the creation time of path (of what it points to when
// follow is set), or the zero time when the file system does not record
// it.
func birthTime(path string, follow bool) time.Time {
	flags := unix.AT_SYMLINK_NOFOLLOW
	if follow {
		flags = 0
	}
	var st unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, path, flags, unix.STATX_BTIME, &st); err != nil || st.Mask&unix.STATX_BTIME == 0 {
		return time.Time{}
	}
	return time.Unix(st.Btime.Sec, int64(st.Btime.Nsec))
}
