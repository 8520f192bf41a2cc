//go:build unix

package patch

import (
	"io/fs"
	"syscall"
)

// identity returns the device and inode numbers of the file info describes.
// (The conversions are needed: the field types differ between systems.)
func identity(info fs.FileInfo) (dirID, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return dirID{}, false
	}
	return dirID{Dev: uint64(st.Dev), Ino: uint64(st.Ino)}, true
}
