// Package mcpclient connects a conversation to the MCP servers configured
// under [mcp_servers] and offers their tools to the model.
//
// # Life cycle
//
// [Start] launches every configured server at once, each as a child process
// spoken to over stdio (JSON-RPC 2.0, one message per line), runs the
// initialize handshake and lists the server's tools. Each server has
// startup_timeout_sec (default 10 s) for all of that. A server that fails is
// reported in the returned [StartFailure] list and left out; the others work
// normally. [Manager.Close] ends every server: it closes the server's stdin,
// waits a short grace period, then kills the server's whole process group.
//
// Tools are listed once, at start-up; later tools/list_changed notifications
// are ignored, as are all other notifications and any line of a server's
// stdout that is not JSON. Requests a server sends are answered: ping with an
// empty result, anything else with "method not found". A call whose context
// ends (cancellation or tool_timeout_sec) is abandoned and the server is sent
// notifications/cancelled for it.
//
// # Sandboxing
//
// MCP servers are trusted programs chosen by the user: they run outside the
// sandbox that confines model-requested commands, with the same rights as
// this process. The sandbox policy of a conversation does not apply to them.
//
// # Environment
//
// A server does not inherit the whole environment of this process, so that
// credentials such as API keys do not leak into it. It gets a small base set
// of variables taken from this process (HOME, LOGNAME, PATH, SHELL, USER,
// USERNAME, LANG, LC_ALL, LC_CTYPE, TERM, TMPDIR, TZ, and on Windows the
// system variables programs need to run), then the server's configured env
// table on top. A server needing anything else must list it in its env
// table. Its working directory is the one of this process.
//
// # Output streams
//
// A server's stdout carries the MCP protocol; its stderr never reaches this
// process's own streams (whose stdout carries our protocol). The last 64 KiB
// of each server's stderr are kept in memory, and the tail of it is quoted in
// errors about that server: a failed start, an exit during a call.
//
// # Tool names
//
// The model sees a server's tool as the function "<server>__<tool>", with
// every character outside [a-zA-Z0-9_-] replaced by '_'. A name longer than
// 64 characters keeps its first 24 and ends with the 40 hex digits of the
// SHA-1 of the unsanitised "<server>__<tool>" (codex-cli 0.45's scheme);
// a name already taken is hashed the same way (with "#1", "#2"... appended
// to the hashed text if needed). Names are assigned in order of server then
// tool name, so the assignment is stable across runs.
//
// # What the model sees
//
// A tool's input schema is reduced to the subset of JSON Schema the model
// API takes (see normalizeSchema), and a tool's result is given back as
// content items, images included (see [ModelOutput]).
package mcpclient
