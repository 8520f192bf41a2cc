//go:build linux && cgo

// Namespaces for the sandbox, created before the Go runtime starts.
//
// A process that asks for a PID namespace cannot create threads any more,
// and a multi-threaded process cannot create a user namespace, so neither
// can be done from Go, whose runtime starts threads before main. This
// constructor runs first, while the process is still single-threaded, but
// only for the two invocations that run a command under the sandbox: the
// helper started with --sandbox-isolate (see Prepare), and `codex sandbox
// linux` (or its aliases). It then
//
//   1. creates a user namespace mapping the caller's own user and group
//      (only when not root) and a mount namespace, and makes every mount
//      private;
//   2. starts a child in a new PID namespace. The child, process 1 there,
//      mounts its own /proc, starts process 2, which goes on into the Go
//      program (it confines itself and becomes the command), and stays as
//      the namespace's init: it reaps orphans, passes signals on and, when
//      process 2 ends, ends too, taking every process left in the
//      namespace with it. This process waits outside, passes signals on,
//      and ends the way the command ended. If the child cannot mount /proc
//      (a container may refuse that), this process goes on into the Go
//      program with the mount namespace only.
//
// Whatever fails leaves the process as it is (or with the mount namespace
// only) and records why; the Go side reads codex_isolation and applies the
// rest of the sandbox without what is missing.

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
// or refused), 1 a private mount namespace, 2 also a PID namespace, with
// its own /proc, in which this process is process 2.
int codex_isolation = 0;
// codex_isolation_error says why isolation stopped short, or is empty.
char codex_isolation_error[160];

// codex_child is the process signals are passed on to.
static pid_t codex_child;

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
	if (getenv("CODEX_SANDBOX_NO_NAMESPACES") != NULL) {
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

__attribute__((constructor)) static void codex_preinit(int argc, char **argv, char **envp) {
	(void)envp;
	if (!codex_wants_isolation(argc, argv)) {
		return;
	}
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int flags = CLONE_NEWNS;
	if (uid != 0) {
		flags |= CLONE_NEWUSER;
	}
	if (unshare(flags) != 0) {
		codex_fail("create namespaces");
		return;
	}
	if (uid != 0) {
		char map[64];
		if (codex_write_file("/proc/self/setgroups", "deny") != 0 && errno != ENOENT) {
			codex_fail("deny setgroups");
			_exit(125);
		}
		snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
		if (codex_write_file("/proc/self/uid_map", map) != 0) {
			codex_fail("map user");
			_exit(125);
		}
		snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
		if (codex_write_file("/proc/self/gid_map", map) != 0) {
			codex_fail("map group");
			_exit(125);
		}
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		// A user namespace without the right to mount (as under Ubuntu's
		// AppArmor restriction): nothing to gain from it.
		codex_fail("make mounts private");
		return;
	}
	codex_isolation = 1;

	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		codex_fail("create status pipe");
		return;
	}
	// clone with CLONE_NEWPID, unlike unshare, leaves this process able to
	// start threads, so it can still go on as the Go program if the child
	// cannot mount its /proc.
	pid_t init = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
	if (init < 0) {
		codex_fail("create PID namespace");
		close(pipefd[0]);
		close(pipefd[1]);
		return;
	}
	if (init > 0) {
		close(pipefd[1]);
		char ok[4] = {0};
		ssize_t n;
		do {
			n = read(pipefd[0], ok, 3);
		} while (n < 0 && errno == EINTR);
		if (n == 3 && memcmp(ok, "ok\n", 3) == 0) {
			codex_outside(init, pipefd[0]);
		}
		// The child could not mount /proc and is gone: go on without a
		// PID namespace.
		int status;
		while (waitpid(init, &status, 0) < 0 && errno == EINTR) {
		}
		close(pipefd[0]);
		errno = EPERM;
		codex_fail("mount /proc in a PID namespace");
		return;
	}

	// Process 1. The parent is outside the namespace (getppid() says 0),
	// so its end cannot be checked for; it only ends after this process,
	// unless killed, and then SIGKILL follows it here.
	close(pipefd[0]);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
		_exit(125);
	}
	// It keeps capabilities (as root, or in its user namespace): nothing
	// in the sandbox may read or write its memory through /proc.
	prctl(PR_SET_DUMPABLE, 0);
	pid_t command = fork();
	if (command < 0) {
		_exit(125);
	}
	if (command > 0) {
		if (write(pipefd[1], "ok\n", 3) != 3) {
			kill(command, SIGKILL);
			_exit(125);
		}
		codex_init(command, pipefd[1]);
	}
	// Process 2: on into the Go program, which confines itself and becomes
	// the command.
	close(pipefd[1]);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	codex_isolation = 2;
}
