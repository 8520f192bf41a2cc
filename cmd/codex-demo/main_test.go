package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemo plays both sessions against a freshly built codex and the fake
// model, and checks the transcript for the steps each session must show.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs codex")
	}
	t.Setenv("OPENAI_API_KEY", "")
	bin := filepath.Join(t.TempDir(), "codex")
	build := exec.Command("go", "build", "-o", bin, "github.com/codex-go/codex/cmd/codex")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build codex: %v\n%s", err, out)
	}

	transcript := filepath.Join(t.TempDir(), "transcript")
	f, err := os.Create(transcript)
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = f
	runErr := run(bin, protocolBoth, "List the files in this project and tell me what it is.", defaultV2Prompt)
	os.Stdout = stdout
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(transcript)
	if err != nil {
		t.Fatal(err)
	}
	if runErr != nil {
		t.Fatalf("demo: %v\ntranscript:\n%s", runErr, out)
	}

	// The lines of each session, in order.
	want := []string{
		"The 0.45 protocol",
		"→ newConversation",
		"  $ ls",
		"  ? execCommandApproval",
		"    | A Go program that prints hi.",
		"  codex: The project has 2 files (README.md, main.go)",
		"• turn complete",

		"The v2 protocol",
		"→ initialize",
		"→ initialized",
		"→ thread/start",
		"← thread/started",
		"→ turn/start",
		"← turn/started",
		"  you: " + defaultV2Prompt,
		"  thinking: ",
		"  ← thread/status/changed (active: waitingOnApproval)",
		`  $ bash -c 'echo "Run it with: go run main.go" >> NOTES.md && cat NOTES.md'`,
		"  ? item/commandExecution/requestApproval: may it run? (accept | acceptForSession | decline | cancel)",
		`  → the editor answers {"decision":"accept"}`,
		"  ← serverRequest/resolved",
		"    | A Go program that prints hi.\n    | Run it with: go run main.go\n    completed, exit 0 after ",
		"  codex: NOTES.md now ends with how to run the program: `go run main.go`.",
		"  tokens: ",
		"← turn/completed",
	}
	rest := string(out)
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("the transcript lacks %q after the earlier lines:\n%s", w, out)
		}
		rest = rest[i+len(w):]
	}
	if !strings.Contains(rest, " completed after ") {
		t.Errorf("the v2 turn did not complete:\n%s", out)
	}
}
