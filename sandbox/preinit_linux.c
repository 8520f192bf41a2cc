//go:build linux && cgo

// Namespaces for the sandbox, created before the Go runtime starts.
//
// A process that asks for a PID namespace cannot create threads any more,
// and a multi-threaded process cannot create a user namespace, so neither
// can be done from Go, whose runtime starts threads before main. This
// constructor runs first, while the process is still single-threaded, but
// only for the invocations that run a command under the sandbox: the
// helper started with --sandbox-isolate (see Prepare), in any program that
// links this package, and `codex sandbox linux` (or its aliases), in the
// codex command alone (see codex_sandbox_command). It then
//
//   1. starts a child in new mount, PID and System V IPC namespaces, and a
//      user namespace mapping the caller's own user and group when not
//      root (this process writes the maps; the child waits for them);
//   2. the child, process 1 there, makes every mount private, mounts its
//      own /proc, starts process 2, which goes on into the Go program (it
//      confines itself and becomes the command), and stays as the
//      namespace's init: it reaps orphans, passes signals on and, when
//      process 2 ends, ends too, taking every process left in the
//      namespace with it;
//   3. this process stays outside, never entering any of the namespaces:
//      it waits, passes signals on, and ends the way the command ended.
//
// If anything fails before process 2 starts (the system refuses a
// namespace, the user mapping, a mount: Ubuntu's AppArmor restriction of
// user namespaces, a container's masked /proc), the child is gone, this
// process goes on into the Go program as if nothing had been tried, and
// codex_isolation_error says why; the Go side then applies the rest of the
// sandbox without the namespaces.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

// codex_isolation says what the constructor achieved: 0 nothing (not asked,
// or refused), 2 namespaces of its own, with its own /proc, in which this
// process is process 2.
int codex_isolation = 0;
// codex_isolation_error says why isolation stopped short, or is empty.
char codex_isolation_error[160];

// codex_child is the process signals are passed on to.
static pid_t codex_child;

// codex_sandbox_command is defined (as 1) by the codex command, whose own
// command line `codex sandbox linux` runs a command under the sandbox in
// place of the process. In every other program that links this package
// (one embedding the engine) it stays undefined: the reference is weak, so
// its address is then null, and only the helper's command line is
// recognised, never the program's own, whatever it holds.
extern const int codex_sandbox_command __attribute__((weak, visibility("hidden")));

static void codex_fail(const char *what) {
	snprintf(codex_isolation_error, sizeof codex_isolation_error, "%s: %s", what, strerror(errno));
}

// codex_value_flag reports whether a global flag of the command line takes
// the next argument as its value.
static int codex_value_flag(const char *a) {
	static const char *const flags[] = {"-c", "--config", "-p", "--profile", "-m", "--model",
		"-s", "--sandbox", "-a", "--ask-for-approval", "-C", "--cd", "--add-dir", NULL};
	for (int i = 0; flags[i]; i++) {
		if (strcmp(a, flags[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

// codex_wants_isolation recognises the invocations to isolate.
static int codex_wants_isolation(int argc, char **argv) {
	const char *off = getenv("CODEX_SANDBOX_NO_NAMESPACES");
	if (off != NULL && off[0] != '\0') {
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "__codex_linux_sandbox") == 0) {
		for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
			if (strcmp(argv[i], "--sandbox-isolate") == 0) {
				return 1;
			}
		}
		return 0;
	}
	if (&codex_sandbox_command == NULL || !codex_sandbox_command) {
		return 0;
	}
	// codex [global flags] sandbox|debug [global flags] linux|landlock ...
	int positional = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			return 0;
		}
		if (a[0] == '-') {
			if (codex_value_flag(a)) {
				i++;
			}
			continue;
		}
		if (positional == 0) {
			if (strcmp(a, "sandbox") != 0 && strcmp(a, "debug") != 0) {
				return 0;
			}
			positional = 1;
			continue;
		}
		return strcmp(a, "linux") == 0 || strcmp(a, "landlock") == 0;
	}
	return 0;
}

static int codex_write_file(const char *path, const char *data) {
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		return -1;
	}
	ssize_t len = (ssize_t)strlen(data);
	ssize_t n = write(fd, data, len);
	int saved = errno;
	close(fd);
	errno = saved;
	return n == len ? 0 : -1;
}

// codex_map maps the caller's own user and group in the user namespace of
// process pid.
static int codex_map(pid_t pid, uid_t uid, gid_t gid) {
	char path[64], map[64];
	snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
	if (codex_write_file(path, "deny") != 0 && errno != ENOENT) {
		codex_fail("deny setgroups in the user namespace");
		return -1;
	}
	snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (codex_write_file(path, map) != 0) {
		codex_fail("map the user in the user namespace");
		return -1;
	}
	snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if (codex_write_file(path, map) != 0) {
		codex_fail("map the group in the user namespace");
		return -1;
	}
	return 0;
}

// codex_read_line reads what the child says on fd, up to a newline or the
// end, into buf (NUL-terminated).
static void codex_read_line(int fd, char *buf, size_t size) {
	size_t len = 0;
	while (len < size - 1) {
		ssize_t n = read(fd, buf + len, 1);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0 || buf[len] == '\n') {
			break;
		}
		len++;
	}
	buf[len] = '\0';
}

// codex_child_fail reports why the child gives up and ends it.
static void codex_child_fail(int fd, const char *what) {
	char msg[160];
	int len = snprintf(msg, sizeof msg, "%s: %s\n", what, strerror(errno));
	if (len > 0 && write(fd, msg, (size_t)len) < 0) {
		_exit(125);
	}
	_exit(125);
}

// codex_forward passes a signal on to codex_child, unless the kernel sent
// it (a key typed at the terminal), in which case the command, in the
// same process group, got it too.
static void codex_forward(int sig, siginfo_t *info, void *context) {
	(void)context;
	if (info != NULL && info->si_code == SI_KERNEL) {
		return;
	}
	if (codex_child > 0) {
		kill(codex_child, sig);
	}
}

// codex_forward_signals installs codex_forward for the usual termination
// and user signals.
static void codex_forward_signals(pid_t child) {
	codex_child = child;
	static const int forwarded[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, 0};
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = codex_forward;
	sa.sa_flags = SA_RESTART | SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; forwarded[i]; i++) {
		sigaction(forwarded[i], &sa, NULL);
	}
}

// codex_die_of ends this process with sig, or with 128+sig when the signal
// cannot end it (a stop signal, or this process being a namespace's init).
static void codex_die_of(int sig) {
	if (sig != SIGSTOP && sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU) {
		signal(sig, SIG_DFL);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
	}
	_exit(128 + sig);
}

// codex_outside waits outside the namespace for its init, passing signals
// on, and ends the way the command ended: init reports a signal on
// status_rd, since it cannot die of one itself. It never returns.
static void codex_outside(pid_t init, int status_rd) {
	codex_forward_signals(init);
	int status;
	while (waitpid(init, &status, 0) < 0) {
		if (errno != EINTR) {
			_exit(1);
		}
	}
	char buf[32] = {0};
	ssize_t n;
	do {
		n = read(status_rd, buf, sizeof buf - 1);
	} while (n < 0 && errno == EINTR);
	if (n > 0 && strncmp(buf, "signal ", 7) == 0) {
		codex_die_of(atoi(buf + 7));
	}
	if (WIFSIGNALED(status)) {
		codex_die_of(WTERMSIG(status));
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

// codex_init is process 1 of the namespace: it reaps every process, passes
// signals on to process 2 and ends when process 2 does, reporting a signal
// that ended it on status_wr. It never returns.
static void codex_init(pid_t command, int status_wr) {
	codex_forward_signals(command);
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR) {
				continue;
			}
			_exit(1);
		}
		if (pid != command) {
			continue;
		}
		if (WIFSIGNALED(status)) {
			char msg[32];
			int len = snprintf(msg, sizeof msg, "signal %d\n", WTERMSIG(status));
			if (write(status_wr, msg, (size_t)len) != len) {
				_exit(128 + WTERMSIG(status));
			}
			_exit(128 + WTERMSIG(status));
		}
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
	}
}

// codex_args returns the command line: what the C library passes to
// constructors (glibc does), or else what /proc/self/cmdline holds.
static char **codex_args(int argc, char **argv, int *count) {
#ifdef __GLIBC__
	*count = argc;
	return argv;
#else
	(void)argc;
	(void)argv;
	static char buf[32768];
	static char *args[512];
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*count = 0;
		return args;
	}
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		len += (size_t)n;
		if (len == sizeof buf - 1) {
			break;
		}
	}
	close(fd);
	buf[len] = '\0';
	int n = 0;
	for (size_t i = 0; i < len && n < 511; i += strlen(buf + i) + 1) {
		args[n++] = buf + i;
	}
	args[n] = NULL;
	*count = n;
	return args;
#endif
}

__attribute__((constructor)) static void codex_preinit(int argc, char **argv, char **envp) {
	(void)envp;
	int count;
	char **args = codex_args(argc, argv, &count);
	if (!codex_wants_isolation(count, args)) {
		return;
	}
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC;
	if (uid != 0) {
		flags |= CLONE_NEWUSER;
	}
	// go tells the child the user mapping is written; status carries the
	// child's "ok" (or why it gave up), then the signal that ended the
	// command.
	int go[2], status[2];
	if (pipe2(go, O_CLOEXEC) != 0) {
		codex_fail("create a pipe");
		return;
	}
	if (pipe2(status, O_CLOEXEC) != 0) {
		codex_fail("create a pipe");
		close(go[0]);
		close(go[1]);
		return;
	}
	// clone rather than unshare: this process stays in its namespaces, so
	// it can still go on as the Go program if the child gives up.
	pid_t init = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (init < 0) {
		codex_fail("create namespaces");
		close(go[0]);
		close(go[1]);
		close(status[0]);
		close(status[1]);
		return;
	}
	if (init > 0) {
		close(go[0]);
		close(status[1]);
		if (uid == 0 || codex_map(init, uid, gid) == 0) {
			if (write(go[1], "g", 1) != 1) {
				codex_fail("start the namespaces");
			}
		}
		close(go[1]);
		char line[160];
		codex_read_line(status[0], line, sizeof line);
		if (strcmp(line, "ok") == 0) {
			codex_outside(init, status[0]);
		}
		// The child gave up (or was never told to go on) and is gone.
		int ws;
		while (waitpid(init, &ws, 0) < 0 && errno == EINTR) {
		}
		close(status[0]);
		if (line[0] != '\0') {
			snprintf(codex_isolation_error, sizeof codex_isolation_error, "%s", line);
		} else if (codex_isolation_error[0] == '\0') {
			snprintf(codex_isolation_error, sizeof codex_isolation_error, "the namespaces could not be set up");
		}
		return;
	}

	// Process 1. The parent is outside the namespace (getppid() says 0),
	// so its end cannot be checked for; it only ends after this process,
	// unless killed, and then SIGKILL follows it here.
	close(go[1]);
	close(status[0]);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	char ready = 0;
	ssize_t n;
	do {
		n = read(go[0], &ready, 1);
	} while (n < 0 && errno == EINTR);
	close(go[0]);
	if (n != 1 || ready != 'g') {
		_exit(125);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		codex_child_fail(status[1], "make mounts private");
	}
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
		codex_child_fail(status[1], "mount /proc");
	}
	// It keeps capabilities (as root, or in its user namespace): nothing
	// in the sandbox may read or write its memory through /proc.
	prctl(PR_SET_DUMPABLE, 0);
	pid_t command = fork();
	if (command < 0) {
		codex_child_fail(status[1], "start process 2");
	}
	if (command > 0) {
		if (write(status[1], "ok\n", 3) != 3) {
			kill(command, SIGKILL);
			_exit(125);
		}
		codex_init(command, status[1]);
	}
	// Process 2: on into the Go program, which confines itself and becomes
	// the command.
	close(status[1]);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	codex_isolation = 2;
}
