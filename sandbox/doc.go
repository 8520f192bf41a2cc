// Package sandbox turns a protocol.SandboxPolicy into enforcement for one
// command. The process that runs conversations is never restricted itself:
// each command is wrapped (see Wrap) so that it starts under the policy.
//
// # Policies
//
//   - read-only: every file may be read, none may be written (apart from a
//     few character devices such as /dev/null), and the network is closed.
//   - workspace-write: as read-only, plus writes below the writable roots
//     (see WritableRoots): the working directory, the configured extra
//     roots, $TMPDIR and /tmp unless excluded. A ".git" entry directly
//     inside a root is meant to stay read-only. The network is closed
//     unless network_access is set.
//   - danger-full-access: no sandbox; commands run as they are.
//
// # Linux
//
// The codex binary is re-executed as a helper (first argument HelperArg).
// The helper applies the restrictions to itself and then replaces itself
// with the command through execve, so the command and everything it starts
// inherit them:
//
//   - The helper pins itself to one OS thread and restricts that thread, in
//     order: no_new_privs, Landlock, then seccomp; it then calls execve from
//     the same thread. Restricting that thread right before execve is
//     enough: these restrictions belong to the thread, execve hands the
//     calling thread's restrictions to the new program, and the helper's
//     other threads end at execve without ever running the command. So
//     no_new_privs and Landlock are applied to that thread only; restricting
//     every thread (as go-landlock's Config.Restrict does through psx on
//     kernels before Landlock ABI 8) would only cost time. The seccomp
//     filter is synchronised to the other threads by the kernel
//     (libseccomp-golang always asks for it), which is one system call.
//   - The Landlock ruleset is built with go-landlock's low-level syscall
//     package and handles the file-system access rights of the kernel's
//     ABI, up to those of ABI 5; connecting to existing Unix domain sockets
//     stays possible and IPC scopes are not restricted. The ABI is read
//     with LandlockGetABIVersion and the ruleset handles exactly that ABI's
//     rights, without any best-effort fallback, so a mismatch fails instead
//     of silently enforcing less. The whole tree is granted read and
//     execute; the writable roots are granted the write rights (except
//     creating device nodes); /dev/null, /dev/zero, /dev/full, /dev/random,
//     /dev/urandom, /dev/tty, /dev/ptmx and /dev/pts are granted read,
//     write and device ioctl so shells and terminals keep working. A rule
//     on something other than a directory keeps only the rights that apply
//     to files, and a path that does not exist gets no rule. A kernel
//     without Landlock makes the helper fail instead of running the command
//     unrestricted. Landlock only adds permissions, so it cannot take write
//     access back from a subdirectory of a writable root: on Linux a ".git"
//     inside a writable root is writable.
//   - When the network is closed, a seccomp filter (libseccomp) makes
//     socket(2) and socketpair(2) fail with EPERM for every address family
//     except AF_UNIX, and refuses io_uring (which can create sockets on its
//     own) and ptrace. Sockets can therefore only be Unix domain sockets, so
//     connect, bind, listen and accept cannot reach the network. On Landlock
//     ABI 4 and later TCP bind and connect are also refused by Landlock's
//     network rules. no_new_privs is always set. The seccomp part needs a
//     cgo build; without cgo a policy that closes the network makes the
//     helper fail.
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
// ExecSandboxed (used by `codex sandbox`) replaces the calling process with
// a sandboxed command, so the command's streams, signals and exit status
// become the process's own. On Linux the process applies the helper's
// restrictions to itself and executes the command directly; on macOS it
// becomes sandbox-exec. RunLoggingDenials instead runs a wrapped command as
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
