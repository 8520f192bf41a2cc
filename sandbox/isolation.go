package sandbox

// isolationLevel is how far the process was isolated before the Go
// runtime started.
type isolationLevel int

// The isolation levels.
const (
	// isolationNone: no namespaces.
	isolationNone isolationLevel = iota
	// isolationMounts: a private mount namespace (and a user namespace
	// when not root), but no PID namespace.
	isolationMounts
	// isolationFull: also process 2 of a new PID namespace, with its own
	// /proc, whose init (process 1) waits for it, as does the process
	// that started it, outside.
	isolationFull
)

// isolation is what the process got before the Go runtime started.
type isolation struct {
	level isolationLevel
	// reason says why the isolation stopped short, or is empty.
	reason string
}
