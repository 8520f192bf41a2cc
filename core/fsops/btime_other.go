//go:build !linux

package fsops

import "time"

// birthTime returns the zero time: outside Linux the creation time is not
// read.
func birthTime(string, bool) time.Time { return time.Time{} }
