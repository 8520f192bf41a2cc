// Package sandbox confines the commands that codex runs on the model's
// behalf to a protocol.SandboxPolicy: what they may write, whether they may
// reach the network, what they may not read. The process that runs
// conversations is never restricted itself: each command is wrapped so that
// it starts under the policy, and everything it starts in turn inherits the
// restrictions.
//
// # Using the package
//
// A program that runs the engine (package core/conversation, core/exec, or
// the app-server and MCP server front ends) must call RunHelperIfRequested
// on the first line of its main function:
//
//	func main() {
//		sandbox.RunHelperIfRequested()
//		// ... flags, configuration, the server ...
//	}
//
// The engine starts the running binary again, with a hidden first
// argument, to confine a command (the helper, HelperArg) and to write an
// auto-approved patch from inside the sandbox (the patch writer); that call
// is where those runs branch off. The program must be built with cgo on
// Linux (see Requirements).
//
// Nothing else is needed to run the engine: core/exec wraps every command it
// runs. To run a command under a policy directly:
//
//	self, err := sandbox.SelfExecutable() // this binary, as the helper
//	...
//	argv, err := sandbox.Wrap(self, policy, cwd, []string{"make", "test"},
//		sandbox.CodexHomeProtection(codexHome))
//	...
//	cmd := exec.Command(argv[0], argv[1:]...)
//	cmd.Dir = cwd
//	cmd.Env = sandbox.CommandEnv(os.Environ(), policy)
//	sandbox.Prepare(cmd) // namespaces for the helper, loader variables set aside
//	err = cmd.Run()
//
// A command that failed because the sandbox refused something can be told
// from other failures with LikelyDenied.
//
// The main entry points:
//
//   - RunHelperIfRequested: the first line of main, see above.
//   - SelfExecutable, Wrap, Prepare and CommandEnv: start one command
//     under a policy.
//   - WritableRoots: the directories a policy lets a command write, for
//     display or for approving a patch without asking.
//   - Protection and CodexHomeProtection: paths protected beyond the policy
//     (the configuration directory, the stored credentials).
//   - LikelyDenied: whether a failure looks like a sandbox refusal.
//   - ExecSandboxed: the process itself becomes the sandboxed command (what
//     `codex sandbox linux` and `codex sandbox macos` do).
//   - RunLoggingDenials, ParseDenialLogLine and FormatDenials: on macOS,
//     list the Seatbelt violations of a command.
//   - OutsideEnv: the environment for a program started outside the
//     sandbox (an MCP server).
//
// # Requirements
//
// On Linux every policy but danger-full-access needs Landlock (kernel 5.13
// or later) and a build with cgo, with libseccomp's static library at build
// time (it is linked into the binary). The namespaces (user, mount, PID and
// IPC) are used where the system allows them and skipped with a note where
// it does not; setting EnvNoNamespaces turns them off. On macOS commands run
// under /usr/bin/sandbox-exec. Elsewhere only danger-full-access runs.
//
// # Policies
//
//   - read-only: every file may be read (but the Protection's hidden
//     files), none may be written (apart from a few character devices such
//     as /dev/null and the command's own terminals), and the network is
//     closed.
//   - workspace-write: as read-only, plus writes below the writable roots
//     (see WritableRoots): the working directory, the configured extra
//     roots, $TMPDIR and /tmp unless excluded. A ".git" entry directly
//     inside a root, and the Protection's read-only paths, stay read-only.
//     The network is closed unless network_access is set.
//   - danger-full-access: no sandbox; commands run as they are.
//
// # Linux
//
// The running binary is re-executed as a helper (first argument HelperArg,
// argv built by Wrap, started after Prepare). The helper confines itself
// and then starts the command, so the command and everything it starts
// inherit the restrictions (see RunHelper and confine):
//
//   - Namespaces. Go cannot create a user namespace (its runtime is
//     multi-threaded) nor keep creating threads after asking for a PID
//     namespace, so a C constructor (preinit_linux.c) does it before the Go
//     runtime starts, for the helper started with --sandbox-isolate in any
//     program that links this package, and for `codex sandbox linux` in
//     the codex command alone (which turns this on by defining a C symbol;
//     in other programs only the helper's command line is recognised): a
//     user namespace mapping the caller's own ids
//     (unless root), a mount namespace with private propagation, and a
//     child in a new PID namespace. That child, process 1 there, mounts its
//     own /proc and stays in C as the namespace's init (it reaps orphans,
//     passes signals on and ends with the command, taking every process
//     left behind with it), while its child, process 2, goes on as the Go
//     program; the original process waits outside and ends the way the
//     command did. What fails is recorded and skipped.
//   - Mounts (isolateFiles). Everything becomes read-only except the
//     writable roots, so that not only writes (which Landlock refuses) but
//     also mode, owner, time and attribute changes fail outside them, even
//     for root. Each root's .git and the Protection's read-only paths are
//     bound read-only on top, with the directories and links on the way to
//     them pinned; its private directories (CODEX_HOME) are covered with an
//     empty one and its hidden files (auth.json) with an empty device;
//     /proc/sys is made read-only, a command without a terminal gets its
//     own /dev/pts and one that may write its own /dev/shm.
//   - Restrictions (applyPolicy), applied to the helper's one locked OS
//     thread right before it executes the command: no_new_privs, every
//     capability dropped (bounding set and secure bits included), Landlock,
//     then seccomp. These belong to the thread and carry over through
//     execve, which ends the helper's other threads. The
//     Landlock ruleset is built with go-landlock's low-level syscall package
//     for exactly the kernel's ABI (file rights up to ABI 5, without any
//     best-effort fallback, so a mismatch fails instead of silently
//     enforcing less): read and execute everywhere but /dev, the write
//     rights (except
//     creating device nodes) on the writable roots, read, write and device
//     ioctl on a few character devices and the command's own terminals
//     (no other device can be read),
//     TCP bind and connect handled when the network is closed (ABI 4), and
//     the signal and abstract-socket scopes (ABI 6). The seccomp filter
//     (libseccomp, linked statically; see installFilter) refuses terminal
//     input injection, kernel interfaces no command needs, user namespaces
//     and, with the network closed, every socket family but AF_UNIX and any
//     way of reaching a Unix socket outside.
//   - The command. The helper then executes the command in its place.
//
// A kernel without Landlock makes the helper fail instead of running the
// command unrestricted; a build without cgo fails every restricting policy.
//
// # macOS
//
// Commands run under /usr/bin/sandbox-exec with a Seatbelt profile built by
// SeatbeltProfile: everything denied by default, then process creation,
// reading any file, writing below the writable roots (with ".git" kept
// read-only through require-not), a few devices, terminals, sysctl reads and
// the system services common tools look up. Unix domain sockets are always
// allowed; IP networking only when the policy allows it.
//
// # Running one command in place of the process
//
// ExecSandboxed (used by `codex sandbox`) turns the calling process into a
// sandboxed command, so the command's streams, signals and exit status
// become the process's own. On Linux the process confines itself as the
// helper does; on macOS it becomes sandbox-exec. RunLoggingDenials instead runs a wrapped command as
// a child while following `log stream` for Seatbelt violation reports
// (ParseDenialLogLine) and the child's process tree, and lists the
// violations of that tree afterwards.
//
// # Other systems
//
// No backend exists yet; Wrap refuses every policy but danger-full-access.
// The policy logic (WritableRoots, SeatbeltProfile, LikelyDenied) has no
// platform dependency so another backend can reuse it.
package sandbox
