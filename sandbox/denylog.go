package sandbox

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// DenialsHeader is printed before the list of denials a command ran into.
const DenialsHeader = "\n=== Sandbox denials ===\n"

// denialLogPredicate selects the Seatbelt violation reports of the macOS
// unified log: messages the kernel's Sandbox extension sends, and those of
// the sandbox reporting subsystem.
const denialLogPredicate = `(((processID == 0) AND (senderImagePath CONTAINS "/Sandbox")) OR (subsystem == "com.apple.sandbox.reporting"))`

// DenialLogCommand returns the argv of the macOS command that streams
// Seatbelt violation reports as one JSON object per line.
func DenialLogCommand() []string {
	return []string{"/usr/bin/log", "stream", "--style", "ndjson", "--predicate", denialLogPredicate}
}

// Denial is one operation the Seatbelt sandbox refused to a process.
type Denial struct {
	// Process is the name of the process, as the report gives it.
	Process string
	// PID is its process id.
	PID int
	// Operation is the refused Seatbelt operation, e.g. "file-write-create".
	Operation string
	// Target is what the operation was applied to (a path, a service name,
	// an address); it may be empty.
	Target string
}

// String renders d as "(process) operation target".
func (d Denial) String() string {
	s := "(" + d.Process + ") " + d.Operation
	if d.Target != "" {
		s += " " + d.Target
	}
	return s
}

// denialPattern matches the text of a violation report after its
// "Sandbox:" prefix: "NAME(PID) deny(COUNT) OPERATION [TARGET]". NAME may
// itself contain spaces and parentheses, so it is the shortest text that is
// followed by "(PID) deny(".
var denialPattern = regexp.MustCompile(`^\s*(.+?)\((\d+)\)\s+deny\(\d+\)\s+(\S+)(?:\s+(.*))?$`)

// logEntry holds the fields of a `log stream --style ndjson` line that
// matter here.
type logEntry struct {
	EventMessage string `json:"eventMessage"`
}

// ParseDenialLogLine extracts the denial reported by one line of
// `log stream --style ndjson` output. It reports false for lines that are
// not JSON (such as the banner log prints first), entries without a
// violation and reports of allowed operations. Only the first line of a
// multi-line message is read; later lines repeat the details.
func ParseDenialLogLine(line []byte) (Denial, bool) {
	var e logEntry
	if err := json.Unmarshal(line, &e); err != nil {
		return Denial{}, false
	}
	msg, _, _ := strings.Cut(e.EventMessage, "\n")
	msg = strings.TrimSpace(msg)
	// The report may be prefixed ("Sandbox: ", or "1 duplicate report for
	// Sandbox: "); the text after the last such marker is the report.
	if i := strings.LastIndex(msg, "Sandbox:"); i >= 0 {
		msg = msg[i+len("Sandbox:"):]
	}
	m := denialPattern.FindStringSubmatch(msg)
	if m == nil {
		return Denial{}, false
	}
	pid, err := strconv.Atoi(m[2])
	if err != nil {
		return Denial{}, false
	}
	return Denial{
		Process:   strings.TrimSpace(m[1]),
		PID:       pid,
		Operation: m[3],
		Target:    strings.TrimSpace(m[4]),
	}, true
}

// processTree is the set of processes descending from one root process,
// built from successive snapshots of the system's process table. A process
// stays a member once seen, so descendants that exit or are re-parented
// later are still recognised.
type processTree struct {
	members map[int]bool
}

// newProcessTree returns a tree holding only root.
func newProcessTree(root int) *processTree {
	return &processTree{members: map[int]bool{root: true}}
}

// observe adds every process of the snapshot (pid -> parent pid) whose
// chain of parents reaches a member.
func (t *processTree) observe(parents map[int]int) {
	// verdict caches the answer for the processes already walked in this
	// snapshot.
	verdict := make(map[int]bool, len(parents))
	for pid := range parents {
		var chain []int
		in := false
		for p := pid; ; {
			if t.members[p] {
				in = true
				break
			}
			if v, ok := verdict[p]; ok {
				in = v
				break
			}
			parent, ok := parents[p]
			if !ok || parent <= 1 || parent == p || len(chain) > len(parents) {
				break
			}
			chain = append(chain, p)
			p = parent
		}
		for _, p := range chain {
			verdict[p] = in
			if in {
				t.members[p] = true
			}
		}
		verdict[pid] = in
		if in {
			t.members[pid] = true
		}
	}
}

// contains reports whether pid was seen as a descendant of the root (or is
// the root).
func (t *processTree) contains(pid int) bool { return t.members[pid] }

// FilterDenials returns the denials of processes in keep, without
// duplicates (same process name, operation and target), in the order they
// were first reported.
func FilterDenials(denials []Denial, keep func(pid int) bool) []Denial {
	type key struct{ process, operation, target string }
	seen := map[key]bool{}
	var out []Denial
	for _, d := range denials {
		if keep != nil && !keep(d.PID) {
			continue
		}
		k := key{d.Process, d.Operation, d.Target}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	return out
}

// FormatDenials renders the report printed after a command: DenialsHeader
// followed by one line per denial.
func FormatDenials(denials []Denial) string {
	var b strings.Builder
	b.WriteString(DenialsHeader)
	for _, d := range denials {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}
