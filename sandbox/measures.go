package sandbox

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// A measure is one protection the helper applied.
type measure string

// The measures reported by `codex sandbox linux --log-denials`.
const (
	measureReadOnlyMounts   measure = "read-only mounts outside the writable roots"
	measurePIDNamespace     measure = "own PID namespace and /proc"
	measureFreshPTS         measure = "own /dev/pts"
	measurePrivateShm       measure = "own /dev/shm"
	measureCapabilities     measure = "all capabilities dropped"
	measureLandlockFiles    measure = "landlock file rules"
	measureLandlockTCP      measure = "landlock TCP rules"
	measureLandlockSignals  measure = "landlock signal scope"
	measureLandlockAbstract measure = "landlock abstract unix socket scope"
	measureSeccomp          measure = "seccomp filter (terminal injection, kernel interfaces, namespaces)"
	measureSeccompNetwork   measure = "seccomp network filter (sockets, connect, sendto, sendmsg)"
)

// measures records what the helper applied, for the report.
type measures struct {
	applied []measure
	// missing are measures that could not be applied, with the reason.
	missing   []string
	isolation isolation
	abi       int
	protected []string
	hidden    []string
}

// add records m as applied.
func (ms *measures) add(m measure) {
	if !slices.Contains(ms.applied, m) {
		ms.applied = append(ms.applied, m)
	}
}

// miss records m as not applied because of err.
func (ms *measures) miss(m measure, err error) {
	ms.missing = append(ms.missing, fmt.Sprintf("%s (%v)", m, err))
}

// has reports whether m was applied.
func (ms *measures) has(m measure) bool {
	return slices.Contains(ms.applied, m)
}

// report writes what was applied and what this system could not apply.
func (ms *measures) report(w io.Writer) {
	fmt.Fprintf(w, "sandbox: landlock ABI %d\n", ms.abi)
	for _, m := range ms.applied {
		fmt.Fprintf(w, "sandbox: applied: %s\n", m)
	}
	for _, p := range ms.protected {
		fmt.Fprintf(w, "sandbox: read-only: %s\n", p)
	}
	for _, p := range ms.hidden {
		fmt.Fprintf(w, "sandbox: hidden: %s\n", p)
	}
	missing := append([]string(nil), ms.missing...)
	for _, m := range []measure{measureReadOnlyMounts, measurePIDNamespace, measureCapabilities,
		measureLandlockFiles, measureLandlockSignals, measureSeccomp} {
		if !ms.has(m) && !slices.ContainsFunc(missing, func(s string) bool { return strings.HasPrefix(s, string(m)) }) {
			missing = append(missing, string(m))
		}
	}
	if ms.isolation.level < isolationFull && ms.isolation.reason != "" {
		missing = append(missing, "namespaces ("+ms.isolation.reason+")")
	}
	for _, m := range missing {
		fmt.Fprintf(w, "sandbox: unavailable: %s\n", m)
	}
}
