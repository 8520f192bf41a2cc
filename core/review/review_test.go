package review

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codex-go/codex/protocol"
)

func TestRequest(t *testing.T) {
	tests := []struct {
		name    string
		target  Target
		hint    string
		prompt  []string
		errText string
	}{
		{"uncommitted changes", Target{Kind: KindUncommittedChanges}, "current changes", []string{"uncommitted", "untracked"}, ""},
		{"base branch", Target{Kind: KindBaseBranch, Branch: "main"}, "changes against 'main'", []string{`"main"`, "git merge-base HEAD main"}, ""},
		{"base branch with a hostile name", Target{Kind: KindBaseBranch, Branch: "x; rm -rf /"}, "changes against 'x; rm -rf /'", []string{`git merge-base HEAD 'x; rm -rf /'`}, ""},
		{"commit", Target{Kind: KindCommit, SHA: "0123456789abcdef"}, "commit 0123456", []string{"git show 0123456789abcdef"}, ""},
		{"commit with a title", Target{Kind: KindCommit, SHA: "abc", Title: "Fix it"}, "commit abc: Fix it", []string{`"Fix it"`}, ""},
		{"custom", Target{Kind: KindCustom, Instructions: " look at the parser "}, "look at the parser", []string{"look at the parser"}, ""},
		{"base branch without a branch", Target{Kind: KindBaseBranch}, "", nil, "needs a branch"},
		{"commit without a sha", Target{Kind: KindCommit}, "", nil, "needs a sha"},
		{"custom without instructions", Target{Kind: KindCustom, Instructions: "  "}, "", nil, "needs instructions"},
		{"unknown kind", Target{Kind: "everything"}, "", nil, `unknown review target "everything"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Request(tt.target)
			if tt.errText != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.errText)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.hint, req.UserFacingHint)
			for _, p := range tt.prompt {
				assert.Contains(t, req.Prompt, p)
			}
		})
	}
}

func TestParseOutput(t *testing.T) {
	full := `{"findings":[{"title":"Off by one","body":"The loop skips the last item.","confidence_score":0.9,"priority":1,"code_location":{"absolute_file_path":"/w/a.go","line_range":{"start":3,"end":5}}}],"overall_correctness":"patch is incorrect","overall_explanation":"One bug.","overall_confidence_score":0.8}`
	tests := []struct {
		name     string
		text     string
		findings int
		explain  string
	}{
		{"the JSON object alone", full, 1, "One bug."},
		{"inside a fenced block", "Here it is:\n```json\n" + full + "\n```", 1, "One bug."},
		{"no findings", `{"findings":[],"overall_explanation":"Looks right."}`, 0, "Looks right."},
		{"plain text", "Nothing to flag.", 0, "Nothing to flag."},
		{"braces that are not a review", `use {x} here`, 0, "use {x} here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := ParseOutput(tt.text)
			assert.Len(t, out.Findings, tt.findings)
			assert.Equal(t, tt.explain, out.OverallExplanation)
		})
	}
}

func TestRender(t *testing.T) {
	assert.Equal(t, "Nothing to flag.", Render(protocol.ReviewOutput{OverallExplanation: "Nothing to flag."}))
	assert.Equal(t, "The review found nothing to report.", Render(protocol.ReviewOutput{}))
	got := Render(ParseOutput(`{"findings":[{"title":"Off by one","body":"The loop\nskips the last item.","priority":1,"code_location":{"absolute_file_path":"/w/a.go","line_range":{"start":3,"end":5}}},{"title":"Typo","priority":3,"code_location":{"absolute_file_path":"/w/b.go","line_range":{"start":7,"end":7}}}],"overall_explanation":"Two problems."}`))
	assert.Equal(t, strings.Join([]string{
		"Two problems.",
		"",
		"Findings:",
		"",
		"- [P1] Off by one (/w/a.go:3-5)",
		"  The loop",
		"  skips the last item.",
		"- [P3] Typo (/w/b.go:7)",
	}, "\n"), got)
}
