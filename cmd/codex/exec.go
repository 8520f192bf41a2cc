package main

import (
	"fmt"
	"os"
	"os/signal"

	"github.com/spf13/cobra"

	"github.com/codex-go/codex/internal/headless"
)

// execFlags are the flags of `codex exec` and `codex exec resume`.
type execFlags struct {
	json             bool
	lastMessageFile  string
	images           []string
	fullAuto         bool
	skipGitRepoCheck bool
	resumeLast       bool
	includePlanTool  bool
	outputSchema     string
	color            string
	ephemeral        bool
}

// newExecCommand builds `codex exec` and `codex exec resume`.
func newExecCommand(flags *globalFlags, std stdio) *cobra.Command {
	var local execFlags
	cmd := &cobra.Command{
		Use:   "exec [flags] [PROMPT | -]",
		Short: "Run one turn without user interaction and print what happens",
		Long: "exec runs one turn of a conversation with PROMPT and exits when the turn ends. The prompt is the " +
			"argument, or standard input when the argument is - or absent and stdin is not a terminal. The " +
			"transcript goes to stdout (with --json: one event per line and nothing else); notes and errors go " +
			"to stderr. Commands run with approval policy never unless -a says otherwise; approval requests are " +
			"denied, as nobody can answer them. The working directory must be inside a git repository unless " +
			"--skip-git-repo-check is given. Ctrl-C stops the turn; a second Ctrl-C exits at once. Exit status: " +
			"0 when the turn completed, 1 after an error or an aborted turn, 130 when interrupted.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExec(cmd, flags, std, &local, args, "")
		},
	}
	pf := cmd.PersistentFlags()
	pf.BoolVar(&local.json, "json", false, "print every event as one JSON line on stdout instead of the transcript")
	pf.StringVarP(&local.lastMessageFile, "output-last-message", "o", "", "write the final message of the turn to `file` when the run ends")
	pf.StringArrayVarP(&local.images, "image", "i", nil, "attach the image `file` to the prompt (repeatable)")
	pf.BoolVar(&local.fullAuto, "full-auto", false, "use the workspace-write sandbox")
	pf.BoolVar(&local.skipGitRepoCheck, "skip-git-repo-check", false, "run even when the working directory is not inside a git repository")
	pf.BoolVar(&local.includePlanTool, "include-plan-tool", false, "offer the model the plan tool (update_plan)")
	pf.StringVar(&local.outputSchema, "output-schema", "", "make the model's final answer follow the JSON Schema in `file`")
	pf.StringVar(&local.color, "color", "auto", "color the transcript: always, never or auto (when stdout is a terminal)")
	pf.BoolVar(&local.ephemeral, "ephemeral", false, "do not record the conversation under $CODEX_HOME/sessions")

	resume := &cobra.Command{
		Use:   "resume [flags] (--last | SESSION_ID) [PROMPT | -]",
		Short: "Continue a recorded conversation with one more turn",
		Long: "resume continues the conversation recorded under $CODEX_HOME/sessions with id SESSION_ID, or the " +
			"most recent one with --last, and runs one turn with PROMPT as exec does.",
		Args: func(cmd *cobra.Command, args []string) error {
			if local.resumeLast {
				return cobra.MaximumNArgs(1)(cmd, args)
			}
			if len(args) == 0 {
				return fmt.Errorf("give a SESSION_ID or --last")
			}
			return cobra.RangeArgs(1, 2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			id := ""
			if !local.resumeLast {
				id, args = args[0], args[1:]
			}
			return runExec(cmd, flags, std, &local, args, id)
		},
	}
	resume.Flags().BoolVar(&local.resumeLast, "last", false, "continue the most recent recorded conversation")
	cmd.AddCommand(resume)
	return cmd
}

// runExec resolves the flags and runs headless.Run, resuming conversation
// resumeID when set.
func runExec(cmd *cobra.Command, flags *globalFlags, std stdio, local *execFlags, args []string, resumeID string) error {
	e, err := flags.resolveEngine()
	if err != nil {
		return err
	}
	var color bool
	switch local.color {
	case "always":
		color = true
	case "never":
	case "auto":
		color = headless.UseColor(std.out, os.Getenv)
	default:
		return fmt.Errorf("invalid value %q for --color: want always, never or auto", local.color)
	}
	stop := exitOnSecondInterrupt(std)
	defer stop()
	code, err := headless.Run(cmd.Context(), headless.Options{
		CodexHome:        e.home,
		Overrides:        e.overrides,
		Typed:            e.typed,
		FullAuto:         local.fullAuto,
		SkipGitRepoCheck: local.skipGitRepoCheck,
		IncludePlanTool:  local.includePlanTool,
		OutputSchemaFile: local.outputSchema,
		Ephemeral:        local.ephemeral,
		PromptArgs:       args,
		Stdin:            std.in,
		StdinIsTerminal:  headless.IsTerminal(std.in),
		Images:           local.images,
		ResumeLast:       local.resumeLast,
		ResumeID:         resumeID,
		JSON:             local.json,
		LastMessageFile:  local.lastMessageFile,
		Color:            color,
		Stdout:           std.out,
		Stderr:           std.err,
		SelfExe:          e.self,
	})
	if err != nil {
		return failed(err)
	}
	if code != headless.ExitOK {
		return &exitError{code: code}
	}
	return nil
}

// exitOnSecondInterrupt ends the process with status 130 on the second
// interrupt signal; the first one cancels the command's context (main.go)
// and stops the turn gracefully. The returned function stops watching.
func exitOnSecondInterrupt(std stdio) func() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt)
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		seen := 0
		for {
			select {
			case <-sigs:
				seen++
				if seen >= 2 {
					fmt.Fprintln(std.err, "codex: interrupted again; exiting")
					os.Exit(headless.ExitInterrupted)
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
		<-exited
	}
}
