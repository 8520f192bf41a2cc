package exec

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/sandbox"
)

// Bounds of the output text reported to the model.
const (
	// MaxOutputLines is the most lines of output reported to the model.
	MaxOutputLines = 256
	// MaxOutputBytes is the most bytes of output reported to the model.
	MaxOutputBytes = 10 << 10
	// headLines and tailLines are the lines kept from each end of a longer output.
	headLines = 128
	tailLines = 128
)

// modelOutput is the JSON object returned to the model for a shell call.
type modelOutput struct {
	Output   string        `json:"output"`
	Metadata modelMetadata `json:"metadata"`
}

// modelMetadata describes how the command ended.
type modelMetadata struct {
	ExitCode        int         `json:"exit_code"`
	DurationSeconds json.Number `json:"duration_seconds"`
}

// FormatForModel returns the text returned to the model for a finished
// command: {"output":"...","metadata":{"exit_code":N,"duration_seconds":S}}
// where output is FormattedOutput(r), prefixed with "command timed out
// after <ms> milliseconds\n" when the timeout killed the command, and S is
// the duration in seconds rounded to one decimal.
func FormatForModel(r Result) string {
	out := FormattedOutput(r)
	if r.TimedOut {
		out = fmt.Sprintf("command timed out after %d milliseconds\n", r.Duration.Milliseconds()) + out
	}
	seconds := math.Round(r.Duration.Seconds()*10) / 10
	v := modelOutput{
		Output: out,
		Metadata: modelMetadata{
			ExitCode:        r.ExitCode,
			DurationSeconds: json.Number(strconv.FormatFloat(seconds, 'f', 1, 64)),
		},
	}
	data, err := protocol.Marshal(v)
	if err != nil {
		// A string, an int and a well-formed number always encode.
		return out
	}
	return string(data)
}

// FormattedOutput returns the aggregated output bounded to MaxOutputLines
// lines and MaxOutputBytes bytes. A longer output keeps its first 128 and
// last 128 lines, shortened further to fit the byte budget (cut on UTF-8
// boundaries), with the line "[... omitted N of M lines ...]" between them;
// N counts the lines not shown in full.
func FormattedOutput(r Result) string {
	return truncateOutput(r.Aggregated)
}

// truncateOutput applies the bounds of FormattedOutput to s.
func truncateOutput(s string) string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	total := len(lines)
	if total <= MaxOutputLines && len(s) <= MaxOutputBytes {
		return s
	}

	// Over the line limit: 128 lines from each end. Within it (too many
	// bytes only): half of the lines from each end, the byte budget
	// deciding how much of them is shown.
	headN := min(headLines, (total+1)/2)
	tailN := min(tailLines, total-headN)
	head := lines[:headN]
	tail := lines[total-tailN:]
	headText := strings.Join(head, "")
	tailText := strings.Join(tail, "")

	// Reserve room for the longest possible marker and for a newline that
	// ends a head cut in the middle of a line.
	budget := MaxOutputBytes - len(omittedMarker(total, total)) - 1
	headBudget := budget / 2
	if len(tailText) < budget-headBudget {
		headBudget = budget - len(tailText)
	}
	headPart := cutPrefix(headText, headBudget)
	tailPart := cutSuffix(tailText, budget-len(headPart))

	shown := wholeLines(head, len(headPart), false) + wholeLines(tail, len(tailPart), true)
	var b strings.Builder
	b.Grow(len(headPart) + len(tailPart) + 64)
	b.WriteString(headPart)
	if headPart != "" && !strings.HasSuffix(headPart, "\n") {
		b.WriteByte('\n')
	}
	b.WriteString(omittedMarker(total-shown, total))
	b.WriteString(tailPart)
	return b.String()
}

// omittedMarker is the line put where lines were left out.
func omittedMarker(omitted, total int) string {
	return fmt.Sprintf("[... omitted %d of %d lines ...]\n", omitted, total)
}

// wholeLines counts the lines that fit entirely in n bytes taken from the
// start of lines, or from the end when fromEnd is set.
func wholeLines(lines []string, n int, fromEnd bool) int {
	count, used := 0, 0
	for i := range lines {
		l := lines[i]
		if fromEnd {
			l = lines[len(lines)-1-i]
		}
		used += len(l)
		if used > n {
			break
		}
		count++
	}
	return count
}

// cutPrefix returns at most n leading bytes of s, not splitting a UTF-8
// sequence.
func cutPrefix(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	i := n
	for back := 0; back < utf8.UTFMax && i > 0 && !utf8.RuneStart(s[i]); back++ {
		i--
	}
	if !utf8.RuneStart(s[i]) {
		i = n
	}
	return s[:i]
}

// cutSuffix returns at most n trailing bytes of s, not splitting a UTF-8
// sequence.
func cutSuffix(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	start := len(s) - n
	i := start
	for fwd := 0; fwd < utf8.UTFMax && i < len(s) && !utf8.RuneStart(s[i]); fwd++ {
		i++
	}
	if i < len(s) && !utf8.RuneStart(s[i]) {
		i = start
	}
	return s[i:]
}

// LikelyDenied reports whether a failed sandboxed run looks like the
// sandbox refused something (see sandbox.LikelyDenied). A timed-out run is
// never a refusal.
func LikelyDenied(r Result) bool {
	return !r.TimedOut && sandbox.LikelyDenied(r.ExitCode, r.Stdout, r.Stderr)
}

// FailedInSandboxText is the output reported (as stderr, aggregated and
// formatted output, and to the model as a plain string) for a command the
// sandbox refused when the user is not asked to retry it.
func FailedInSandboxText(r Result) string {
	return "failed in sandbox: " + r.Stderr
}

// SandboxDeniedMessage is the background event text announcing that a
// sandboxed run failed and the user will be asked to retry it without the
// sandbox.
func SandboxDeniedMessage(r Result) string {
	return fmt.Sprintf("Execution failed: sandbox denied exec error, exit code: %d, stdout: %s, stderr: %s", r.ExitCode, r.Stdout, r.Stderr)
}
