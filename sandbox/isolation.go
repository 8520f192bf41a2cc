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
	// isolationFull: also process 1 of a new PID namespace, with its own
	// /proc; the parent waits outside.
	isolationFull
)

// isolation is what the process got before the Go runtime started.
type isolation struct {
	level isolationLevel
	// reason says why the isolation stopped short, or is empty.
	reason string
	// statusFD is where process 1 reports the signal that ended the
	// command to the waiting parent, or -1.
	statusFD int
}
