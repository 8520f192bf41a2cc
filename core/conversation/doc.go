// Package conversation is the engine of codex. It holds conversations with
// the model: each user message starts a turn, in which the model answers,
// calls tools (shell commands run under the sandbox, patches, the plan, MCP
// servers' tools) and sees their results until it has nothing more to do.
// Every session is recorded (a rollout file below CODEX_HOME) so that it
// can be resumed. The app-server and MCP server front ends are built on
// it, and a program of its own can use it the same way.
//
// # Starting a conversation
//
// A Manager owns the conversations of a program. NewManager takes what the
// engine needs from the program around it (Deps): the configuration
// directory (CODEX_HOME), the path of the running binary for the sandbox
// helper (sandbox.SelfExecutable) and, optionally, an HTTP client, the
// environment and the clock.
//
// The settings of a conversation come from config.Load, which reads
// config.toml in CODEX_HOME (model, model provider, approval policy,
// sandbox mode, MCP servers, ...) and applies the caller's overrides, the
// working directory among them. Manager.NewConversation starts a
// conversation with them; Manager.ResumeConversation continues one from
// its rollout file. Both return the session_configured event that
// describes the session.
//
// # Submissions and events
//
// A Conversation is driven the way the front ends drive it, with the
// messages of package protocol:
//
//   - Conversation.Submit hands it an op: protocol.UserInputOp (or
//     protocol.UserTurnOp, which also changes the turn's settings) starts a
//     turn, or is added to the one running; protocol.ExecApprovalOp and
//     protocol.PatchApprovalOp answer a request for approval;
//     protocol.InterruptOp stops the turn; protocol.ShutdownOp ends the
//     conversation. Submit returns the submission id, which every event the
//     op causes carries.
//   - Conversation.NextEvent returns the events in order: task_started; the
//     model's streamed answer (agent_message_delta) and the finished
//     agent_message; reasoning; the begin and end of commands, patches and
//     MCP tool calls; exec_approval_request and
//     apply_patch_approval_request, after which the turn waits for the
//     answering op; token_count; and task_complete when the turn is over
//     (preceded by an error event if it failed), or turn_aborted when it was
//     interrupted. After shutdown_complete it returns io.EOF.
//
// Manager.Close shuts every conversation down and flushes the rollouts.
//
// # The program around it
//
// The engine runs the model's commands by starting the running binary
// again as the sandbox helper, and writes auto-approved patches by starting
// it as the patch writer. The main function of a program that uses this
// package must therefore begin with sandbox.RunHelperIfRequested.
//
// The example runs a whole conversation against a model provider faked on
// loopback.
package conversation
