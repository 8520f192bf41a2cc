package headless

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/codex-go/codex/protocol"
)

// maxOutputLines is how many lines of a command's or tool's output the
// transcript shows.
const maxOutputLines = 20

// timeLayout is the layout of the timestamp opening each transcript entry.
const timeLayout = "2006-01-02T15:04:05"

// ANSI styles of the transcript.
const (
	styleReset   = "\x1b[0m"
	styleBold    = "\x1b[1m"
	styleDim     = "\x1b[2m"
	styleItalic  = "\x1b[3m"
	styleRed     = "\x1b[31m"
	styleGreen   = "\x1b[32m"
	styleYellow  = "\x1b[33m"
	styleMagenta = "\x1b[35m"
	styleCyan    = "\x1b[36m"
)

// UseColor reports whether a transcript written to out should be styled:
// only on a terminal, and not when NO_COLOR is set to anything.
func UseColor(out any, getenv func(string) string) bool {
	return IsTerminal(out) && getenv("NO_COLOR") == ""
}

// Summary describes a run for the transcript header.
type Summary struct {
	// Version is the program version.
	Version string
	// SessionID is the conversation id.
	SessionID string
	// Workdir is the working directory of the conversation.
	Workdir string
	// Model is the model in use.
	Model string
	// Provider is the model provider id.
	Provider string
	// Approval is the approval policy.
	Approval protocol.AskForApproval
	// Sandbox is the sandbox policy.
	Sandbox protocol.SandboxPolicy
	// ReasoningEffort is the configured effort, when set.
	ReasoningEffort protocol.ReasoningEffort
	// ResumedFrom is the rollout file of a resumed conversation.
	ResumedFrom string
}

// printer turns the events of a run into output.
type printer interface {
	// header starts the output of a run.
	header(s Summary, initial []protocol.EventMsg)
	// prompt shows the user input of the run.
	prompt(text string, images []string)
	// event shows one event.
	event(ev protocol.Event)
}

// humanPrinter writes a timestamped transcript meant to be read.
type humanPrinter struct {
	w             io.Writer
	color         bool
	now           func() time.Time
	hideReasoning bool

	// commands maps the call ids of running commands to their text.
	commands map[string]string
	// tokens is the total last reported, so repeats are not shown again.
	tokens int64
}

func newHumanPrinter(w io.Writer, color bool, now func() time.Time, hideReasoning bool) *humanPrinter {
	if now == nil {
		now = time.Now
	}
	return &humanPrinter{w: w, color: color, now: now, hideReasoning: hideReasoning, commands: map[string]string{}}
}

// paint wraps s in style when colour is on.
func (p *humanPrinter) paint(style, s string) string {
	if !p.color || style == "" {
		return s
	}
	return style + s + styleReset
}

// entry writes one timestamped line.
func (p *humanPrinter) entry(style, text string) {
	stamp := p.paint(styleDim, "["+p.now().Format(timeLayout)+"]")
	fmt.Fprintf(p.w, "%s %s\n", stamp, p.paint(style, displayText(text)))
}

// body writes text under an entry, ending in a newline.
func (p *humanPrinter) body(style, text string) {
	if text == "" {
		return
	}
	text = displayText(strings.TrimSuffix(text, "\n"))
	if p.color && style != "" {
		lines := strings.Split(text, "\n")
		for i, l := range lines {
			lines[i] = p.paint(style, l)
		}
		text = strings.Join(lines, "\n")
	}
	fmt.Fprintln(p.w, text)
}

func (p *humanPrinter) header(s Summary, initial []protocol.EventMsg) {
	p.entry(styleBold, "codex exec "+s.Version)
	row := func(name, value string) {
		if value != "" {
			fmt.Fprintf(p.w, "  %s %s\n", p.paint(styleBold, fmt.Sprintf("%-9s", name)), value)
		}
	}
	row("session", s.SessionID)
	row("workdir", s.Workdir)
	row("model", s.Model)
	row("provider", s.Provider)
	row("approval", string(s.Approval))
	row("sandbox", describeSandbox(s.Sandbox))
	row("reasoning", string(s.ReasoningEffort))
	if s.ResumedFrom != "" {
		row("resumed", fmt.Sprintf("%s (%d earlier events)", s.ResumedFrom, len(initial)))
	}
}

// describeSandbox renders a sandbox policy in one line.
func describeSandbox(p protocol.SandboxPolicy) string {
	if p.Mode != protocol.SandboxWorkspaceWrite {
		return string(p.Mode)
	}
	parts := []string{string(p.Mode)}
	if p.NetworkAccess {
		parts = append(parts, "network on")
	} else {
		parts = append(parts, "network off")
	}
	if len(p.WritableRoots) > 0 {
		parts = append(parts, "also writable: "+strings.Join(p.WritableRoots, ", "))
	}
	return strings.Join(parts, "; ")
}

func (p *humanPrinter) prompt(text string, images []string) {
	p.entry(styleCyan+styleBold, "prompt")
	for _, img := range images {
		p.body(styleDim, "[image "+img+"]")
	}
	p.body("", text)
}

func (p *humanPrinter) event(ev protocol.Event) {
	switch m := ev.Msg.(type) {
	case protocol.TaskStartedEvent:
		p.entry(styleDim, "Task started")
	case protocol.ErrorEvent:
		p.entry(styleRed+styleBold, "ERROR: "+m.Message)
	case protocol.StreamErrorEvent:
		p.entry(styleYellow, m.Message)
	case protocol.BackgroundEvent:
		p.entry(styleDim, m.Message)
	case protocol.TokenCountEvent:
		if m.Info != nil && m.Info.TotalTokenUsage.TotalTokens != p.tokens {
			p.tokens = m.Info.TotalTokenUsage.TotalTokens
			p.entry(styleDim, fmt.Sprintf("tokens used: %d", p.tokens))
		}
	case protocol.AgentMessageEvent:
		p.entry(styleMagenta+styleBold, "codex")
		p.body("", m.Message)
	case protocol.AgentReasoningEvent:
		if !p.hideReasoning {
			p.entry(styleMagenta+styleItalic, "thinking")
			p.body(styleItalic, m.Text)
		}
	case protocol.AgentReasoningRawContentEvent:
		if !p.hideReasoning {
			p.entry(styleMagenta+styleItalic, "thinking (raw)")
			p.body(styleItalic, m.Text)
		}
	case protocol.UserMessageEvent:
		if m.Kind == "" || m.Kind == protocol.KindPlain {
			p.entry(styleCyan+styleBold, "user")
			p.body("", m.Message)
		}
	case protocol.ExecCommandBeginEvent:
		cmd := quoteCommand(m.Command)
		p.commands[m.CallID] = cmd
		p.entry("", fmt.Sprintf("%s %s in %s", p.paint(styleMagenta, "exec"), p.paint(styleBold, cmd), m.Cwd))
	case protocol.ExecCommandEndEvent:
		p.execEnd(m)
	case protocol.McpToolCallBeginEvent:
		p.entry("", p.paint(styleMagenta, "tool ")+p.paint(styleBold, describeInvocation(m.Invocation)))
	case protocol.McpToolCallEndEvent:
		p.mcpEnd(m)
	case protocol.ViewImageToolCallEvent:
		p.entry("", p.paint(styleMagenta, "viewed image ")+m.Path)
	case protocol.WebSearchEndEvent:
		p.entry("", p.paint(styleMagenta, "web search ")+m.Query)
	case protocol.ExecApprovalRequestEvent:
		p.entry(styleYellow, fmt.Sprintf("approval requested to run %s in %s: denied, exec cannot ask", quoteCommand(m.Command), m.Cwd))
	case protocol.ApplyPatchApprovalRequestEvent:
		p.entry(styleYellow, fmt.Sprintf("approval requested to change %s: denied, exec cannot ask", plural(len(m.Changes), "file")))
	case protocol.PatchApplyBeginEvent:
		title := "apply patch"
		if m.AutoApproved {
			title += " (auto-approved)"
		}
		p.entry(styleMagenta, title)
		p.body("", describeChanges(m.Changes))
	case protocol.PatchApplyEndEvent:
		if m.Success {
			p.entry(styleGreen, "patch applied")
		} else {
			p.entry(styleRed, "patch failed:")
			p.body(styleDim, truncateLines(m.Stderr, maxOutputLines))
		}
	case protocol.PlanUpdateEvent:
		p.entry(styleMagenta, "plan updated")
		if m.Explanation != nil && *m.Explanation != "" {
			p.body(styleItalic, *m.Explanation)
		}
		p.body("", describePlan(m.Plan))
	case protocol.TurnAbortedEvent:
		p.entry(styleRed, fmt.Sprintf("turn aborted (%s)", m.Reason))
	case protocol.ContextCompactedEvent:
		p.entry(styleMagenta, "context compacted: the conversation so far was summarised")
	}
}

// execEnd shows the outcome of a command and the start of its output.
func (p *humanPrinter) execEnd(m protocol.ExecCommandEndEvent) {
	cmd, ok := p.commands[m.CallID]
	delete(p.commands, m.CallID)
	if !ok {
		cmd = "command"
	}
	took := formatDuration(m.Duration.Std())
	var title string
	if m.ExitCode == 0 {
		title = fmt.Sprintf("%s %s in %s", p.paint(styleBold, cmd), p.paint(styleGreen, "succeeded"), took)
	} else {
		title = fmt.Sprintf("%s %s in %s", p.paint(styleBold, cmd), p.paint(styleRed, fmt.Sprintf("exited %d", m.ExitCode)), took)
	}
	output := m.AggregatedOutput
	if output == "" {
		output = m.Stdout + m.Stderr
	}
	if output == "" {
		p.entry("", title)
		return
	}
	p.entry("", title+":")
	p.body(styleDim, truncateLines(output, maxOutputLines))
}

// mcpEnd shows the outcome of an MCP tool call.
func (p *humanPrinter) mcpEnd(m protocol.McpToolCallEndEvent) {
	text, ok := describeToolResult(m.Result)
	outcome := p.paint(styleGreen, "succeeded")
	if !ok {
		outcome = p.paint(styleRed, "failed")
	}
	title := fmt.Sprintf("%s%s %s in %s", p.paint(styleMagenta, "tool "), p.paint(styleBold, describeInvocation(m.Invocation)),
		outcome, formatDuration(m.Duration.Std()))
	if text == "" {
		p.entry("", title)
		return
	}
	p.entry("", title+":")
	p.body(styleDim, truncateLines(text, maxOutputLines))
}

// describeInvocation renders server.tool(arguments).
func describeInvocation(inv protocol.McpInvocation) string {
	args := strings.TrimSpace(string(inv.Arguments))
	if args == "null" {
		args = ""
	}
	return fmt.Sprintf("%s.%s(%s)", inv.Server, inv.Tool, args)
}

// describeToolResult renders an MCP tool result, {"Ok":CallToolResult} or
// {"Err":message}, and reports whether the call succeeded.
func describeToolResult(raw json.RawMessage) (string, bool) {
	var r struct {
		Ok *struct {
			Content []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"content"`
			IsError bool `json:"isError"`
		} `json:"Ok"`
		Err *string `json:"Err"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return string(raw), false
	}
	switch {
	case r.Err != nil:
		return *r.Err, false
	case r.Ok == nil:
		return string(raw), false
	}
	parts := make([]string, 0, len(r.Ok.Content))
	for _, c := range r.Ok.Content {
		if c.Type == "text" {
			parts = append(parts, c.Text)
		} else {
			parts = append(parts, "["+c.Type+" content]")
		}
	}
	return strings.Join(parts, "\n"), !r.Ok.IsError
}

// describeChanges lists the files of a patch, one per line, sorted by path:
// A added, D deleted, M modified (with the new path when moved).
func describeChanges(changes map[string]protocol.FileChange) string {
	paths := make([]string, 0, len(changes))
	for path := range changes {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, path := range paths {
		c := changes[path]
		switch {
		case c.Add != nil:
			fmt.Fprintf(&b, "A %s\n", path)
		case c.Delete != nil:
			fmt.Fprintf(&b, "D %s\n", path)
		case c.Update != nil && c.Update.MovePath != nil:
			fmt.Fprintf(&b, "M %s -> %s\n", path, *c.Update.MovePath)
		default:
			fmt.Fprintf(&b, "M %s\n", path)
		}
	}
	return b.String()
}

// describePlan lists the steps of a plan with a mark for their status.
func describePlan(plan []protocol.PlanItem) string {
	var b strings.Builder
	for _, it := range plan {
		mark := "[ ]"
		switch it.Status {
		case "completed":
			mark = "[x]"
		case "in_progress":
			mark = "[>]"
		}
		fmt.Fprintf(&b, "  %s %s\n", mark, it.Step)
	}
	return b.String()
}

// truncateLines keeps the first max lines of s and says how many were left out.
func truncateLines(s string, max int) string {
	s = strings.TrimSuffix(s, "\n")
	lines := strings.Split(s, "\n")
	if len(lines) <= max {
		return s
	}
	hidden := len(lines) - max
	noun := "lines"
	if hidden == 1 {
		noun = "line"
	}
	return strings.Join(lines[:max], "\n") + fmt.Sprintf("\n... (%d more %s)", hidden, noun)
}

// plural renders n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// formatDuration renders a run time: milliseconds below a second, seconds
// with two decimals below a minute, then minutes and seconds.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.2fs", d.Seconds())
	default:
		m := int(d / time.Minute)
		s := int((d % time.Minute) / time.Second)
		return fmt.Sprintf("%dm%02ds", m, s)
	}
}

// quoteCommand joins argv into a command line a POSIX shell would read back
// the same way, quoting only the arguments that need it.
func quoteCommand(argv []string) string {
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = shellQuote(a)
	}
	return strings.Join(quoted, " ")
}

// shellQuote quotes s for a POSIX shell when it holds anything but plainly
// safe characters.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-+=/.,:@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// displayText makes text that came from a command, a tool or the model safe
// to show on a terminal: control characters other than newline and tab
// (escape sequences could set the clipboard or the window title, move the
// cursor over earlier lines, or answer back into the terminal's input) are
// shown as \xNN, and invalid UTF-8 as \uFFFD.
func displayText(text string) string {
	clean := true
	for _, r := range text {
		if isControl(r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + 16)
	for _, r := range text {
		switch {
		case r == utf8.RuneError:
			b.WriteRune('\uFFFD')
		case isControl(r):
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isControl reports whether r is a C0 or C1 control character (or DEL)
// other than newline and tab.
func isControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f)
}
