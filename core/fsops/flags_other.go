//go:build !unix

package fsops

// openNoFollow is zero where the system has no such open flag: there the
// check of the path with Lstat before opening it stands alone.
const openNoFollow = 0
