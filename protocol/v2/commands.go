package v2

import "encoding/json"

// Client requests of the command group: standalone commands outside any
// thread, and a user's shell command run in a thread.
const (
	// MethodCommandExec runs a command (an argv) outside any thread and
	// answers when it has ended.
	MethodCommandExec = "command/exec"
	// MethodCommandExecWrite writes to the standard input of a running
	// command/exec, or closes it.
	MethodCommandExecWrite = "command/exec/write"
	// MethodCommandExecTerminate kills a running command/exec.
	MethodCommandExecTerminate = "command/exec/terminate"
	// MethodCommandExecResize resizes the terminal of a running
	// command/exec started with tty.
	MethodCommandExecResize = "command/exec/resize"
	// MethodThreadShellCommand runs a shell command the user typed in a
	// thread, as a turn of its own (or as part of the running turn).
	MethodThreadShellCommand = "thread/shellCommand"
)

// NotificationCommandExecOutputDelta carries a chunk of the output of a
// command/exec that streams its output.
const NotificationCommandExecOutputDelta = "command/exec/outputDelta"

// Output streams of command/exec/outputDelta.
const (
	// CommandStreamStdout is the standard output; a terminal's output is
	// all reported on it.
	CommandStreamStdout = "stdout"
	// CommandStreamStderr is the standard error.
	CommandStreamStderr = "stderr"
)

// CommandExecParams are the params of command/exec.
type CommandExecParams struct {
	// Command is the argv; it must not be empty.
	Command []string `json:"command"`
	// Cwd is the working directory; the server's when absent.
	Cwd *string `json:"cwd,omitempty"`
	// Env overrides variables of the environment the server computes for
	// commands; a null value removes the variable.
	Env map[string]*string `json:"env,omitempty"`
	// TimeoutMs bounds the run; the server's default when absent. It
	// cannot be combined with DisableTimeout.
	TimeoutMs *int64 `json:"timeoutMs,omitempty"`
	// DisableTimeout lets the command run until it ends or is terminated.
	DisableTimeout bool `json:"disableTimeout,omitempty"`
	// OutputBytesCap caps each output stream in bytes; the server's
	// default when absent. It cannot be combined with DisableOutputCap.
	OutputBytesCap *int64 `json:"outputBytesCap,omitempty"`
	// DisableOutputCap lifts the per-request cap on each output stream.
	DisableOutputCap bool `json:"disableOutputCap,omitempty"`
	// SandboxPolicy is the policy the command runs under; the configured
	// one when absent.
	SandboxPolicy *CommandSandboxPolicy `json:"sandboxPolicy,omitempty"`
	// ProcessID names the command for the follow-up requests
	// (command/exec/write, /resize, /terminate) and its output
	// notifications. It is scoped to the connection and required by Tty,
	// StreamStdin and StreamStdoutStderr.
	ProcessID *string `json:"processId,omitempty"`
	// Tty runs the command in a pseudo-terminal; it implies StreamStdin and
	// StreamStdoutStderr.
	Tty bool `json:"tty,omitempty"`
	// Size is the terminal's initial size; only with Tty.
	Size *CommandExecTerminalSize `json:"size,omitempty"`
	// StreamStdin keeps the standard input open for command/exec/write.
	StreamStdin bool `json:"streamStdin,omitempty"`
	// StreamStdoutStderr sends the output as command/exec/outputDelta
	// notifications instead of in the answer.
	StreamStdoutStderr bool `json:"streamStdoutStderr,omitempty"`
}

// CommandSandboxPolicy is a sandbox policy in v2's form, tagged by "type":
// readOnly, workspaceWrite, dangerFullAccess or externalSandbox.
type CommandSandboxPolicy struct {
	// Type is readOnly, workspaceWrite, dangerFullAccess or
	// externalSandbox.
	Type string `json:"type"`
	// NetworkAccess allows outbound network: a boolean for readOnly and
	// workspaceWrite, "restricted" or "enabled" for externalSandbox.
	NetworkAccess json.RawMessage `json:"networkAccess,omitempty"`
	// WritableRoots are directories writable besides the working
	// directory; workspaceWrite only.
	WritableRoots []string `json:"writableRoots,omitempty"`
	// ExcludeTmpdirEnvVar keeps $TMPDIR read-only; workspaceWrite only.
	ExcludeTmpdirEnvVar bool `json:"excludeTmpdirEnvVar,omitempty"`
	// ExcludeSlashTmp keeps /tmp read-only; workspaceWrite only.
	ExcludeSlashTmp bool `json:"excludeSlashTmp,omitempty"`
}

// CommandExecTerminalSize is the size of a command's terminal in
// character cells.
type CommandExecTerminalSize struct {
	// Rows is the height.
	Rows uint16 `json:"rows"`
	// Cols is the width.
	Cols uint16 `json:"cols"`
}

// CommandExecResponse answers command/exec once the command has ended.
type CommandExecResponse struct {
	// ExitCode is the exit status: 124 after the timeout, 128+N after
	// signal N (137 when terminated).
	ExitCode int `json:"exitCode"`
	// Stdout is the captured standard output; empty when it was streamed.
	Stdout string `json:"stdout"`
	// Stderr is the captured standard error; empty when it was streamed.
	Stderr string `json:"stderr"`
}

// CommandExecOutputDeltaNotification is a chunk of a streamed command's
// output.
type CommandExecOutputDeltaNotification struct {
	// ProcessID is the command's processId.
	ProcessID string `json:"processId"`
	// Stream is CommandStreamStdout or CommandStreamStderr.
	Stream string `json:"stream"`
	// DeltaBase64 is the chunk, base64-encoded.
	DeltaBase64 string `json:"deltaBase64"`
	// CapReached is set on the last chunk of a stream that reached the
	// output cap: what follows on that stream is dropped.
	CapReached bool `json:"capReached"`
}

// CommandExecWriteParams are the params of command/exec/write.
type CommandExecWriteParams struct {
	// ProcessID is the command's processId.
	ProcessID string `json:"processId"`
	// DeltaBase64 is what to write, base64-encoded.
	DeltaBase64 *string `json:"deltaBase64,omitempty"`
	// CloseStdin closes the standard input after the write.
	CloseStdin bool `json:"closeStdin,omitempty"`
}

// CommandExecWriteResponse answers command/exec/write once the bytes were
// handed to the command.
type CommandExecWriteResponse struct{}

// CommandExecTerminateParams are the params of command/exec/terminate.
type CommandExecTerminateParams struct {
	// ProcessID is the command's processId.
	ProcessID string `json:"processId"`
}

// CommandExecTerminateResponse answers command/exec/terminate; the
// command/exec answer follows when the command is gone.
type CommandExecTerminateResponse struct{}

// CommandExecResizeParams are the params of command/exec/resize.
type CommandExecResizeParams struct {
	// ProcessID is the command's processId.
	ProcessID string `json:"processId"`
	// Size is the new size.
	Size CommandExecTerminalSize `json:"size"`
}

// CommandExecResizeResponse answers command/exec/resize.
type CommandExecResizeResponse struct{}

// ThreadShellCommandParams are the params of thread/shellCommand.
type ThreadShellCommandParams struct {
	// ThreadID is the thread.
	ThreadID string `json:"threadId"`
	// Command is the shell command line, run by the user's shell.
	Command string `json:"command"`
	// TimeoutMs bounds the run; one hour when absent. Zero times out at
	// once; negative values are refused.
	TimeoutMs *int64 `json:"timeoutMs,omitempty"`
}

// ThreadShellCommandResponse answers thread/shellCommand at once; the
// command's turn and item notifications follow.
type ThreadShellCommandResponse struct{}
