package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// processSnapshot reads the process table (pid -> parent pid) from /proc.
// Processes that exit while it is read are left out.
func processSnapshot() (map[int]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("sandbox: read process table: %w", err)
	}
	parents := make(map[int]int, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		if ppid, ok := parentFromStat(string(data)); ok {
			parents[pid] = ppid
		}
	}
	return parents, nil
}

// parentFromStat extracts the parent pid from the text of /proc/PID/stat:
// "PID (COMM) STATE PPID ...", where COMM may contain spaces and
// parentheses, so the fields are counted from the last ')'.
func parentFromStat(stat string) (int, bool) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(stat[i+1:])
	if len(fields) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		return 0, false
	}
	return ppid, true
}
