//go:build !cgo

package sandbox

// preinitIsolation reports no isolation: the namespaces are created by C
// code that runs before the Go runtime, which needs cgo.
func preinitIsolation() isolation {
	return isolation{reason: "namespaces need a build with cgo"}
}
