package sandbox

// isolationLevel is how far the process was isolated before the Go
// runtime started.
type isolationLevel int

// The isolation levels.
const (
	// isolationNone: no namespaces.
	isolationNone isolationLevel = iota
	// isolationFull: process 2 of new mount, PID and IPC namespaces (and a
	// user namespace when not root), with its own /proc, whose init
	// (process 1) waits for it, as does the process that started it,
	// outside.
	isolationFull isolationLevel = 2
)

// isolation is what the process got before the Go runtime started.
type isolation struct {
	level isolationLevel
	// reason says why the isolation stopped short, or is empty.
	reason string
}
