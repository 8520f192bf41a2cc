// Package review holds what a review turn needs beyond an ordinary turn:
// the reviewer's instructions, the task for each kind of target, and the
// reading and rendering of the reviewer's answer.
package review

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/codex-go/codex/protocol"
)

//go:embed instructions.md
var instructions string

// Instructions returns the reviewer's instructions: how to review and the
// JSON shape of the answer.
func Instructions() string { return instructions }

// Target is what to review; exactly one of its kinds applies.
type Target struct {
	// Kind is one of the Kind* constants.
	Kind string
	// Branch is the base branch of KindBaseBranch.
	Branch string
	// SHA and Title are the commit of KindCommit and its subject, if known.
	SHA, Title string
	// Instructions are the reviewer's task of KindCustom.
	Instructions string
}

// The kinds of targets.
const (
	// KindUncommittedChanges reviews the working tree: staged, unstaged and
	// untracked files.
	KindUncommittedChanges = "uncommittedChanges"
	// KindBaseBranch reviews the current branch against a base branch.
	KindBaseBranch = "baseBranch"
	// KindCommit reviews one commit.
	KindCommit = "commit"
	// KindCustom reviews what the instructions say.
	KindCustom = "custom"
)

// Request returns the review request for a target: the task sent to the
// model and the short description shown to the user. It fails for a
// target that misses what its kind needs.
func Request(t Target) (protocol.ReviewRequest, error) {
	switch t.Kind {
	case KindUncommittedChanges:
		return protocol.ReviewRequest{
			Prompt:         "Review the uncommitted changes of this repository: what is staged, what is not, and the untracked files (git status, git diff, git diff --staged). Report your findings by priority.",
			UserFacingHint: "current changes",
		}, nil
	case KindBaseBranch:
		if strings.TrimSpace(t.Branch) == "" {
			return protocol.ReviewRequest{}, fmt.Errorf("a baseBranch review needs a branch")
		}
		return protocol.ReviewRequest{
			Prompt: fmt.Sprintf("Review the changes this branch makes against the base branch %q: find where they diverge (git merge-base HEAD %s) and review the diff from there to the working tree. Report your findings by priority.",
				t.Branch, shellWord(t.Branch)),
			UserFacingHint: fmt.Sprintf("changes against '%s'", t.Branch),
		}, nil
	case KindCommit:
		if strings.TrimSpace(t.SHA) == "" {
			return protocol.ReviewRequest{}, fmt.Errorf("a commit review needs a sha")
		}
		hint := "commit " + short(t.SHA)
		prompt := fmt.Sprintf("Review the changes introduced by commit %s (git show %s). Report your findings by priority.", t.SHA, shellWord(t.SHA))
		if t.Title != "" {
			hint += ": " + t.Title
			prompt = fmt.Sprintf("Review the changes introduced by commit %s (%q; git show %s). Report your findings by priority.", t.SHA, t.Title, shellWord(t.SHA))
		}
		return protocol.ReviewRequest{Prompt: prompt, UserFacingHint: hint}, nil
	case KindCustom:
		text := strings.TrimSpace(t.Instructions)
		if text == "" {
			return protocol.ReviewRequest{}, fmt.Errorf("a custom review needs instructions")
		}
		return protocol.ReviewRequest{Prompt: text, UserFacingHint: text}, nil
	}
	return protocol.ReviewRequest{}, fmt.Errorf("unknown review target %q", t.Kind)
}

// short is the first seven characters of a commit id.
func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// shellWord quotes s for a shell command line when it needs it.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ParseOutput reads the reviewer's answer: the JSON object the
// instructions ask for, alone or inside other text (a fenced block, say).
// An answer that holds no such object becomes the explanation of a review
// without findings.
func ParseOutput(text string) protocol.ReviewOutput {
	text = strings.TrimSpace(text)
	for start := strings.Index(text, "{"); start >= 0; {
		end := strings.LastIndex(text, "}")
		if end < start {
			break
		}
		var out protocol.ReviewOutput
		var probe map[string]json.RawMessage
		if json.Unmarshal([]byte(text[start:end+1]), &probe) == nil && json.Unmarshal([]byte(text[start:end+1]), &out) == nil {
			_, hasFindings := probe["findings"]
			_, hasExplanation := probe["overall_explanation"]
			if hasFindings || hasExplanation {
				return out
			}
		}
		next := strings.Index(text[start+1:], "{")
		if next < 0 {
			break
		}
		start += next + 1
	}
	return protocol.ReviewOutput{OverallExplanation: text}
}

// Render writes a review as text for the user and the conversation: the
// explanation, then each finding with its place.
func Render(out protocol.ReviewOutput) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(out.OverallExplanation))
	if len(out.Findings) == 0 {
		if b.Len() == 0 {
			return "The review found nothing to report."
		}
		return b.String()
	}
	if b.Len() > 0 {
		b.WriteString("\n\n")
	}
	if len(out.Findings) == 1 {
		b.WriteString("Finding:\n")
	} else {
		b.WriteString("Findings:\n")
	}
	for _, f := range out.Findings {
		fmt.Fprintf(&b, "\n- [P%d] %s", f.Priority, strings.TrimSpace(f.Title))
		if loc := f.CodeLocation; loc.AbsoluteFilePath != "" {
			fmt.Fprintf(&b, " (%s:%d", loc.AbsoluteFilePath, loc.LineRange.Start)
			if loc.LineRange.End > loc.LineRange.Start {
				fmt.Fprintf(&b, "-%d", loc.LineRange.End)
			}
			b.WriteString(")")
		}
		if body := strings.TrimSpace(f.Body); body != "" {
			b.WriteString("\n  " + strings.ReplaceAll(body, "\n", "\n  "))
		}
	}
	return b.String()
}
