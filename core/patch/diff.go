package patch

import (
	"fmt"
	"strings"
)

// DefaultContext is the number of unchanged lines shown around each change by
// UnifiedDiff.
const DefaultContext = 3

// noNewline is the marker written after a diff line that lacks a terminator.
const noNewline = "\\ No newline at end of file\n"

// UnifiedDiff returns a unified diff from oldText to newText: "--- oldName"
// and "+++ newName" headers followed by hunks with DefaultContext lines of
// context. Names are written as given, so callers pass "a/path", "b/path" or
// "/dev/null". It returns "" when the texts are equal.
func UnifiedDiff(oldName, newName, oldText, newText string) string {
	hunks := Hunks(oldText, newText, DefaultContext)
	if hunks == "" {
		return ""
	}
	return "--- " + oldName + "\n+++ " + newName + "\n" + hunks
}

// Hunks returns the "@@ -a,b +c,d @@" hunks of a unified diff from oldText to
// newText, with context unchanged lines around each change, and no file
// headers. A line missing its final newline is followed by the usual
// "\ No newline at end of file" marker. It returns "" when the texts are
// equal.
func Hunks(oldText, newText string, context int) string {
	if oldText == newText {
		return ""
	}
	if context < 0 {
		context = 0
	}
	ops := diffLines(splitKeepEOL(oldText), splitKeepEOL(newText))
	return formatHunks(ops, context)
}

// splitKeepEOL splits s into lines, each keeping its "\n" (the last one may
// have none).
func splitKeepEOL(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// editOp is one line of an edit script: kept (' '), removed ('-') or added
// ('+').
type editOp struct {
	kind byte
	text string
}

// diffLines returns a shortest edit script turning a into b, with the
// removals of each changed region before its additions.
func diffLines(a, b []string) []editOp {
	ids := make(map[string]int, len(a)+len(b))
	intern := func(lines []string) []int {
		out := make([]int, len(lines))
		for i, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = len(ids)
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	m := &myers{a: intern(a), b: intern(b)}
	m.removed = make([]bool, len(a))
	m.added = make([]bool, len(b))
	size := len(a) + len(b) + 5
	m.vf = make([]int, size)
	m.vb = make([]int, size)
	m.compare(0, len(a), 0, len(b))

	ops := make([]editOp, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if i < len(a) && j < len(b) && !m.removed[i] && !m.added[j] {
			ops = append(ops, editOp{' ', a[i]})
			i++
			j++
			continue
		}
		progressed := false
		for ; i < len(a) && m.removed[i]; i++ {
			ops = append(ops, editOp{'-', a[i]})
			progressed = true
		}
		for ; j < len(b) && m.added[j]; j++ {
			ops = append(ops, editOp{'+', b[j]})
			progressed = true
		}
		if !progressed {
			// The marks are inconsistent (cannot happen with a valid
			// script); finish with a plain replacement to stay correct.
			for ; i < len(a); i++ {
				ops = append(ops, editOp{'-', a[i]})
			}
			for ; j < len(b); j++ {
				ops = append(ops, editOp{'+', b[j]})
			}
		}
	}
	return ops
}

// myers computes a shortest edit script with Myers' O(ND) algorithm in its
// linear-space form: find a point on an optimal path by searching from both
// ends at once, then recurse on the two halves.
type myers struct {
	a, b           []int
	removed, added []bool
	vf, vb         []int // furthest-reaching x per diagonal, forward and backward
}

func (m *myers) compare(aLo, aHi, bLo, bHi int) {
	for aLo < aHi && bLo < bHi && m.a[aLo] == m.b[bLo] {
		aLo++
		bLo++
	}
	for aLo < aHi && bLo < bHi && m.a[aHi-1] == m.b[bHi-1] {
		aHi--
		bHi--
	}
	if aLo == aHi || bLo == bHi {
		m.replace(aLo, aHi, bLo, bHi)
		return
	}
	x, y, ok := m.split(aLo, aHi, bLo, bHi)
	if !ok || (x == aLo && y == bLo) || (x == aHi && y == bHi) {
		m.replace(aLo, aHi, bLo, bHi)
		return
	}
	m.compare(aLo, x, bLo, y)
	m.compare(x, aHi, y, bHi)
}

// replace marks a[aLo:aHi] removed and b[bLo:bHi] added.
func (m *myers) replace(aLo, aHi, bLo, bHi int) {
	for i := aLo; i < aHi; i++ {
		m.removed[i] = true
	}
	for j := bLo; j < bHi; j++ {
		m.added[j] = true
	}
}

// split returns a point (x, y) on a shortest edit path through the box
// a[aLo:aHi] x b[bLo:bHi]. Both sequences are non-empty and differ at both
// ends.
func (m *myers) split(aLo, aHi, bLo, bHi int) (int, int, bool) {
	n, mm := aHi-aLo, bHi-bLo
	maxD := (n + mm + 1) / 2
	off := maxD + 1
	vf, vb := m.vf[:2*off+1], m.vb[:2*off+1]
	for i := range vf {
		vf[i] = -1
		vb[i] = -1
	}
	vf[off+1], vb[off+1] = 0, 0
	delta := n - mm
	odd := delta%2 != 0
	// Diagonals that ran off the box are skipped from then on.
	fStart, fEnd, bStart, bEnd := 0, 0, 0, 0
	for d := 0; d < maxD+1; d++ {
		for k := -d + fStart; k <= d-fEnd; k += 2 {
			var x int
			if k == -d || (k != d && vf[off+k-1] < vf[off+k+1]) {
				x = vf[off+k+1]
			} else {
				x = vf[off+k-1] + 1
			}
			y := x - k
			for x < n && y < mm && m.a[aLo+x] == m.b[bLo+y] {
				x++
				y++
			}
			vf[off+k] = x
			switch {
			case x > n:
				fEnd += 2
			case y > mm:
				fStart += 2
			case odd:
				kb := off + delta - k
				if kb >= 0 && kb < len(vb) && vb[kb] != -1 && x >= n-vb[kb] {
					return aLo + x, bLo + y, true
				}
			}
		}
		for k := -d + bStart; k <= d-bEnd; k += 2 {
			var x int
			if k == -d || (k != d && vb[off+k-1] < vb[off+k+1]) {
				x = vb[off+k+1]
			} else {
				x = vb[off+k-1] + 1
			}
			y := x - k
			for x < n && y < mm && m.a[aHi-1-x] == m.b[bHi-1-y] {
				x++
				y++
			}
			vb[off+k] = x
			switch {
			case x > n:
				bEnd += 2
			case y > mm:
				bStart += 2
			case !odd:
				kf := off + delta - k
				if kf >= 0 && kf < len(vf) && vf[kf] != -1 && vf[kf] >= n-x {
					fx := vf[kf]
					return aLo + fx, bLo + fx - (kf - off), true
				}
			}
		}
	}
	return 0, 0, false
}

// formatHunks renders an edit script as unified diff hunks.
func formatHunks(ops []editOp, context int) string {
	// oldAt[i] and newAt[i] count the old and new lines before ops[i].
	oldAt := make([]int, len(ops)+1)
	newAt := make([]int, len(ops)+1)
	for i, op := range ops {
		oldAt[i+1], newAt[i+1] = oldAt[i], newAt[i]
		if op.kind != '+' {
			oldAt[i+1]++
		}
		if op.kind != '-' {
			newAt[i+1]++
		}
	}
	var b strings.Builder
	next := 0
	for {
		change := next
		for change < len(ops) && ops[change].kind == ' ' {
			change++
		}
		if change == len(ops) {
			break
		}
		start := max(next, change-context)
		end := change
		for {
			for end < len(ops) && ops[end].kind != ' ' {
				end++
			}
			same := end
			for same < len(ops) && ops[same].kind == ' ' {
				same++
			}
			if same == len(ops) || same-end > 2*context {
				end = min(end+context, len(ops))
				break
			}
			end = same
		}
		fmt.Fprintf(&b, "@@ -%s +%s @@\n",
			hunkRange(oldAt[start], oldAt[end]-oldAt[start]),
			hunkRange(newAt[start], newAt[end]-newAt[start]))
		for _, op := range ops[start:end] {
			b.WriteByte(op.kind)
			b.WriteString(op.text)
			if !strings.HasSuffix(op.text, "\n") {
				b.WriteString("\n" + noNewline)
			}
		}
		next = end
	}
	return b.String()
}

// hunkRange formats a hunk range given the number of lines before it and its
// length: "start,count", or just "start" for one line; an empty range names
// the line before it.
func hunkRange(before, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", before)
	case 1:
		return fmt.Sprintf("%d", before+1)
	}
	return fmt.Sprintf("%d,%d", before+1, count)
}
