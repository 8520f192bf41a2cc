package sandbox

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// processSnapshot reads the process table (pid -> parent pid) through the
// kern.proc.all sysctl.
func processSnapshot() (map[int]int, error) {
	procs, err := unix.SysctlKinfoProcSlice("kern.proc.all")
	if err != nil {
		return nil, fmt.Errorf("sandbox: read process table: %w", err)
	}
	parents := make(map[int]int, len(procs))
	for _, p := range procs {
		parents[int(p.Proc.P_pid)] = int(p.Eproc.Ppid)
	}
	return parents, nil
}
