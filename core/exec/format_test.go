package exec

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// numberedLines returns n lines "<prefix><i>\n".
func numberedLines(prefix string, n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("%s%d\n", prefix, i)
	}
	return lines
}

func TestFormatForModel(t *testing.T) {
	tests := []struct {
		name string
		r    Result
		want string
	}{
		{"simple", Result{Aggregated: "hi\n", Duration: 202 * time.Millisecond},
			`{"output":"hi\n","metadata":{"exit_code":0,"duration_seconds":0.2}}`},
		{"zero duration keeps one decimal", Result{Aggregated: "", ExitCode: 3},
			`{"output":"","metadata":{"exit_code":3,"duration_seconds":0.0}}`},
		{"whole seconds keep one decimal", Result{Aggregated: "x", Duration: time.Second},
			`{"output":"x","metadata":{"exit_code":0,"duration_seconds":1.0}}`},
		{"rounds half up", Result{Aggregated: "x", Duration: 1250 * time.Millisecond},
			`{"output":"x","metadata":{"exit_code":0,"duration_seconds":1.3}}`},
		{"html characters are not escaped", Result{Aggregated: "<a> & \"b\"\t\n", ExitCode: 1, Duration: 40 * time.Millisecond},
			`{"output":"<a> & \"b\"\t\n","metadata":{"exit_code":1,"duration_seconds":0.0}}`},
		{"timeout prefix", Result{Aggregated: "started\n", ExitCode: ExitTimedOut, TimedOut: true, Duration: 1503 * time.Millisecond},
			`{"output":"command timed out after 1503 milliseconds\nstarted\n","metadata":{"exit_code":124,"duration_seconds":1.5}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, FormatForModel(tt.r))
		})
	}
}

func TestFormattedOutputKeepsShortOutput(t *testing.T) {
	exact := strings.Join(numberedLines("l", MaxOutputLines), "")
	for _, s := range []string{"", "one line without newline", "a\nb\n", exact, strings.Repeat("x", MaxOutputBytes)} {
		assert.Equal(t, s, FormattedOutput(Result{Aggregated: s}))
	}
}

func TestFormattedOutputHeadAndTail(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
	}{
		{"one line too many", numberedLines("line", MaxOutputLines+1)},
		{"many lines", numberedLines("line", 300)},
		{"no final newline", append(numberedLines("line", 299), "last")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total := len(tt.lines)
			got := FormattedOutput(Result{Aggregated: strings.Join(tt.lines, "")})
			want := strings.Join(tt.lines[:128], "") +
				fmt.Sprintf("[... omitted %d of %d lines ...]\n", total-256, total) +
				strings.Join(tt.lines[total-128:], "")
			assert.Equal(t, want, got)
		})
	}
}

func TestFormattedOutputByteBudget(t *testing.T) {
	// 100 lines of 200 bytes: few enough lines, too many bytes.
	lines := make([]string, 100)
	for i := range lines {
		lines[i] = fmt.Sprintf("%03d%s\n", i, strings.Repeat("y", 196))
	}
	got := FormattedOutput(Result{Aggregated: strings.Join(lines, "")})
	require.LessOrEqual(t, len(got), MaxOutputBytes)
	assert.True(t, strings.HasPrefix(got, lines[0]), "starts with the first line")
	assert.True(t, strings.HasSuffix(got, lines[99]), "ends with the last line")

	// The marker counts exactly the lines not shown in full.
	shown := 0
	for _, l := range lines {
		if strings.Contains(got, l) {
			shown++
		}
	}
	assert.Contains(t, got, fmt.Sprintf("\n[... omitted %d of 100 lines ...]\n", 100-shown))
	assert.Greater(t, shown, 40, "most of the budget is used")
}

func TestFormattedOutputCutsOnRuneBoundaries(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"one huge line of 3-byte runes", strings.Repeat("€", 5000)},
		{"one huge line of 4-byte runes", strings.Repeat("😀", 4000) + "\n"},
		{"mixed widths", strings.Repeat("aé€😀", 2000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FormattedOutput(Result{Aggregated: tt.text})
			assert.LessOrEqual(t, len(got), MaxOutputBytes)
			assert.True(t, utf8.ValidString(got), "the result is valid UTF-8")
			assert.Contains(t, got, "\n[... omitted 1 of 1 lines ...]\n")
			head, tail, ok := strings.Cut(got, "\n[... omitted 1 of 1 lines ...]\n")
			require.True(t, ok)
			assert.True(t, strings.HasPrefix(tt.text, head))
			assert.True(t, strings.HasSuffix(tt.text, tail))
			assert.Greater(t, len(head)+len(tail), MaxOutputBytes-100)
		})
	}
}

func TestCutHelpers(t *testing.T) {
	s := "a€b" // 'a', 3 bytes, 'b'
	assert.Equal(t, "a", cutPrefix(s, 2))
	assert.Equal(t, "a", cutPrefix(s, 3))
	assert.Equal(t, "a€", cutPrefix(s, 4))
	assert.Equal(t, "", cutPrefix(s, 0))
	assert.Equal(t, "b", cutSuffix(s, 2))
	assert.Equal(t, "b", cutSuffix(s, 3))
	assert.Equal(t, "€b", cutSuffix(s, 4))
	assert.Equal(t, s, cutSuffix(s, 10))
	// Invalid UTF-8 does not make the cut wander.
	bad := strings.Repeat("\x80", 20)
	assert.Len(t, cutPrefix(bad, 10), 10)
	assert.Len(t, cutSuffix(bad, 10), 10)
}

func TestSandboxTexts(t *testing.T) {
	r := Result{ExitCode: 1, Stderr: "touch: cannot touch 'x': Permission denied\n"}
	assert.True(t, LikelyDenied(r))
	assert.False(t, LikelyDenied(Result{ExitCode: 1, Stderr: "no such file\n"}))
	assert.False(t, LikelyDenied(Result{ExitCode: ExitTimedOut, TimedOut: true, Stderr: "Permission denied"}))
	assert.Equal(t, "failed in sandbox: touch: cannot touch 'x': Permission denied\n", FailedInSandboxText(r))
	assert.Equal(t, "Execution failed: sandbox denied exec error, exit code: 1, stdout: , stderr: touch: cannot touch 'x': Permission denied\n",
		SandboxDeniedMessage(r))
}
