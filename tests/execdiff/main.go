// Command execdiff runs the same `codex exec --json` turn with our codex
// and a reference release against one scripted fake model, and prints both
// outputs, normalised (ids, paths, times), one after the other, then the
// lines whose shape differs. It is a tool for comparing the JSON Lines
// format, not a test: `make test` does not run it.
//
//	go run ./tests/execdiff -ours /tmp/codex -ref "$REF"
//
// The turn: the model runs a command that writes a file, adds a file with
// apply_patch, updates its plan, and answers.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/codex-go/codex/protocol"
	"github.com/codex-go/codex/tests/fakemodel"
)

func main() {
	ours := flag.String("ours", "", "our codex binary")
	ref := flag.String("ref", "", "the reference codex binary")
	var set settings
	flag.StringVar(&set.scenario, "scenario", "task", "the turn: task (a command, a patch, a plan and an answer), reasoning, search, http-error, failed")
	flag.StringVar(&set.extraArgs, "args", "", "extra arguments of codex exec, space-separated")
	flag.BoolVar(&set.showRequests, "requests", false, "also print, per model request, the tools offered and the outputs of the calls")
	flag.Parse()
	if *ours == "" || *ref == "" {
		fmt.Fprintln(os.Stderr, "usage: execdiff -ours BIN -ref BIN")
		os.Exit(2)
	}
	var outs [2][]string
	for i, bin := range []string{*ours, *ref} {
		lines, err := set.run(bin)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", bin, err)
			os.Exit(1)
		}
		outs[i] = lines
	}
	for i, name := range []string{"ours", "reference"} {
		fmt.Printf("=== %s\n%s\n\n", name, strings.Join(outs[i], "\n"))
	}
	fmt.Println("=== lines whose shape differs (type, item type, members)")
	same := true
	for i := range max(len(outs[0]), len(outs[1])) {
		a, b := shapeAt(outs[0], i), shapeAt(outs[1], i)
		if a != b {
			same = false
			fmt.Printf("%3d ours: %s\n    ref:  %s\n", i+1, a, b)
		}
	}
	if same {
		fmt.Println("none")
	}
}

// settings are the command line's choices.
type settings struct {
	// scenario names the turn to run.
	scenario string
	// extraArgs are more arguments for codex exec.
	extraArgs string
	// showRequests prints what each binary sent to the model.
	showRequests bool
}

// script is the model's part of the turn.
func (set settings) script(work string) []fakemodel.Reply {
	switch set.scenario {
	case "reasoning":
		return []fakemodel.Reply{fakemodel.Turn(append(fakemodel.Reasoning("Thinking about it"),
			fakemodel.ItemDone(protocol.AssistantText("The answer")))...)}
	case "search":
		return []fakemodel.Reply{fakemodel.Turn(
			fakemodel.ItemAdded(protocol.ResponseItem{Type: protocol.ItemWebSearchCall, ID: "ws_1"}),
			fakemodel.ItemDone(protocol.ResponseItem{Type: protocol.ItemWebSearchCall, ID: "ws_1", Status: "completed", Action: json.RawMessage(`{"type":"search","query":"weather"}`)}),
			fakemodel.ItemDone(protocol.AssistantText("Sunny")))}
	case "http-error":
		return []fakemodel.Reply{fakemodel.Error(400, "the model broke")}
	case "failed":
		return []fakemodel.Reply{{Events: []fakemodel.SSE{fakemodel.Created(), fakemodel.FailedCode("server_error", "the model broke")}}}
	}
	patch := "*** Begin Patch\n*** Add File: " + filepath.Join(work, "notes.txt") + "\n+a note\n*** End Patch\n"
	return []fakemodel.Reply{
		fakemodel.FunctionCall("call_1", "shell", `{"command":["bash","-lc","echo hi > out.txt; cat out.txt"]}`),
		fakemodel.Turn(fakemodel.ItemDone(protocol.ResponseItem{Type: protocol.ItemCustomToolCall, ID: "ctc_1", Name: "apply_patch", Input: patch, CallID: "call_2"})),
		fakemodel.FunctionCall("call_3", "update_plan", `{"plan":[{"step":"write the file","status":"completed"},{"step":"add the note","status":"in_progress"}]}`),
		fakemodel.Text("Done: wrote out.txt and notes.txt"),
	}
}

// run runs the turn with bin and returns its normalised stdout lines.
func (set settings) run(bin string) ([]string, error) {
	tmp, err := os.MkdirTemp("", "execdiff-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	home, user, work := filepath.Join(tmp, "codex-home"), filepath.Join(tmp, "home"), filepath.Join(tmp, "work")
	for _, d := range []string{home, user, work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	if out, err := exec.Command("git", "init", "-q", work).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("git init: %v: %s", err, out)
	}
	model := fakemodel.Start(fakemodel.Script(set.script(work)...))
	defer model.Close()
	cfg := "model = \"gpt-5-codex\"\nmodel_provider = \"mock\"\ncheck_for_update_on_startup = false\n" +
		"[model_providers.mock]\nname = \"mock\"\nbase_url = \"" + model.URL + "/v1\"\nwire_api = \"responses\"\n" +
		"request_max_retries = 0\nstream_max_retries = 0\n"
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "exec", "--json", "--skip-git-repo-check", "-s", "workspace-write",
		"--include-plan-tool")
	cmd.Args = append(cmd.Args, strings.Fields(set.extraArgs)...)
	cmd.Args = append(cmd.Args, "do the task")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "CODEX_HOME="+home, "HOME="+user)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			// The exit status is part of what is compared.
			defer func() { fmt.Fprintf(os.Stderr, "%s exited with status %d\n", filepath.Base(bin), exit.ExitCode()) }()
		} else if err != nil {
			return nil, fmt.Errorf("%v; stderr: %s", err, stderr.String())
		}
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("timed out; stderr: %s", stderr.String())
	}
	if set.showRequests {
		printRequests(bin, model)
	}
	text := strings.ReplaceAll(stdout.String(), work, "$WORKSPACE")
	text = uuidPattern.ReplaceAllString(text, "<UUID>")
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines, nil
}

// printRequests prints the tools offered and the call outputs of each
// model request.
func printRequests(bin string, model *fakemodel.Server) {
	for i, r := range model.Requests() {
		var body struct {
			Tools []struct {
				Type, Name string
			} `json:"tools"`
			Text  json.RawMessage `json:"text"`
			Input []struct {
				Type   string          `json:"type"`
				CallID string          `json:"call_id"`
				Output json.RawMessage `json:"output"`
			} `json:"input"`
		}
		_ = json.Unmarshal(r.Body, &body)
		var tools, outputs []string
		for _, t := range body.Tools {
			tools = append(tools, t.Type+":"+t.Name)
		}
		for _, in := range body.Input {
			if strings.HasSuffix(in.Type, "_output") {
				outputs = append(outputs, in.CallID+"="+string(in.Output))
			}
		}
		fmt.Fprintf(os.Stderr, "%s request %d\n  tools: %s\n  text: %s\n  outputs: %s\n", filepath.Base(bin), i, strings.Join(tools, ", "), body.Text, strings.Join(outputs, "\n    "))
	}
}

var uuidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// shapeAt describes line i: its type, its item's type and the sorted
// member paths of the object.
func shapeAt(lines []string, i int) string {
	if i >= len(lines) {
		return "(none)"
	}
	var v any
	if json.Unmarshal([]byte(lines[i]), &v) != nil {
		return "not JSON: " + lines[i]
	}
	var paths []string
	walk("", v, &paths)
	sort.Strings(paths)
	return strings.Join(paths, " ")
}

// walk collects the member paths of v, with the values of type members.
func walk(prefix string, v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			if s, ok := e.(string); ok && (k == "type" || k == "status" || k == "kind") {
				*out = append(*out, p+"="+s)
				continue
			}
			walk(p, e, out)
		}
	case []any:
		for _, e := range x {
			walk(prefix+"[]", e, out)
		}
	default:
		*out = append(*out, prefix)
	}
}
