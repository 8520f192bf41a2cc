//go:build cgo

package sandbox

/*
extern int codex_isolation;
extern char codex_isolation_error[160];
*/
import "C"

// preinitIsolation returns what the constructor in preinit_linux.c
// achieved before the Go runtime started.
func preinitIsolation() isolation {
	return isolation{
		level:  isolationLevel(C.codex_isolation),
		reason: C.GoString(&C.codex_isolation_error[0]),
	}
}
