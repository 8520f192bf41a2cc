package sandbox

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/codex-go/codex/protocol"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Ordinary work under workspace-write, in both modes: none of the
// measures of the red-team suite may break what coding commands do every
// day.

// ordinaryJail is workspace-write for ws with $TMPDIR (tmp) writable and
// HOME in the workspace, plus extra writable roots.
func ordinaryJail(md mode, ws, tmp string, network bool, extra ...string) jail {
	p := workspace(func(p *protocol.SandboxPolicy) {
		p.ExcludeTmpdirEnvVar = false
		p.NetworkAccess = network
		p.WritableRoots = extra
	})
	return jail{mode: md, policy: p, cwd: ws, env: []string{"TMPDIR=" + tmp, "HOME=" + ws}}
}

// ordinaryCase is one everyday job: files to create, the tools it needs
// and the script, which must succeed and print want (when set).
type ordinaryCase struct {
	name  string
	tools []string
	// module is a Python module the first tool (a Python) must have.
	module  string
	files   map[string]string
	network bool
	script  string
	want    string
}

func TestOrdinaryCommandsKeepWorking(t *testing.T) {
	tests := []ordinaryCase{
		{
			name:  "git init, commit, status, log and diff",
			tools: []string{"git"},
			files: map[string]string{"a.txt": "one\n"},
			script: `git init -q && git add a.txt && git -c user.name=t -c user.email=t@example.com commit -qm first && ` +
				`echo two >> a.txt && git status --short && git log --format=%s && git diff --stat`,
			want: " M a.txt\nfirst\n a.txt | 1 +\n 1 file changed, 1 insertion(+)\n",
		},
		{
			name:   "make",
			tools:  []string{"make"},
			files:  map[string]string{"Makefile": "out.txt: in.txt\n\tcp in.txt out.txt\n\techo built\n", "in.txt": "x\n"},
			script: `make -s && cat out.txt`,
			want:   "built\nx\n",
		},
		{
			name:  "python unittest",
			tools: []string{"python3"},
			files: map[string]string{"test_sum.py": "import tempfile, unittest\n\nclass T(unittest.TestCase):\n" +
				"    def test_sum(self):\n        with tempfile.NamedTemporaryFile() as f:\n            f.write(b'x')\n        self.assertEqual(sum([1, 2]), 3)\n"},
			script: `python3 -m unittest -q test_sum 2>&1 | tail -n 1`,
			want:   "OK\n",
		},
		{
			name:   "python3 -m pytest",
			tools:  []string{"/usr/bin/python3"},
			module: "pytest",
			files: map[string]string{
				"test_mul.py": "import os\n\ndef test_mul(tmp_path):\n    (tmp_path / 'x').write_text('y')\n    assert 2 * 3 == 6\n",
			},
			script: `/usr/bin/python3 -m pytest -q test_mul.py 2>&1 | tail -n 1 | grep -o '1 passed'`,
			want:   "1 passed\n",
		},
		{
			name:   "mktemp in TMPDIR",
			script: `f=$(mktemp) && d=$(mktemp -d) && echo hi > "$f" && mv "$f" "$d/moved" && cat "$d/moved" && rm -r "$d"`,
			want:   "hi\n",
		},
		{
			name:   "standard streams by device path",
			tools:  []string{"bash"},
			script: `echo out > /dev/stdout && echo err > /dev/stderr && bash -c 'cat <(echo substituted)'`,
			want:   "out\nsubstituted\n",
		},
		{
			name:  "npm install of a local package, offline",
			tools: []string{"npm"},
			files: map[string]string{
				"pkg/package.json": `{"name":"tiny-local","version":"1.0.0","main":"index.js"}`,
				"pkg/index.js":     "module.exports = 42;\n",
				"package.json":     `{"name":"app","version":"1.0.0"}`,
			},
			script: `export npm_config_cache="$PWD/.npm" npm_config_update_notifier=false && ` +
				`npm install --offline --no-audit --no-fund ./pkg >/dev/null 2>&1 && node -e 'console.log(require("tiny-local"))'`,
			want: "42\n",
		},
		{
			name:   "strace",
			tools:  []string{"strace"},
			script: `strace -f -e trace=execve -o trace.txt true && grep -c execve trace.txt`,
			want:   "1\n",
		},
		{
			name:   "gdb",
			tools:  []string{"gdb"},
			script: `gdb -q -batch -ex run --args /bin/sh -c 'exit 3' 2>/dev/null | grep -o 'exited with code 03'`,
			want:   "exited with code 03\n",
		},
	}
	for _, tt := range tests {
		for _, md := range modes() {
			t.Run(fmt.Sprintf("%s/%s", tt.name, md), func(t *testing.T) {
				t.Parallel()
				runOrdinary(t, ordinaryJail(md, t.TempDir(), t.TempDir(), tt.network), tt)
			})
		}
	}
}

// runOrdinary prepares the files of tt in the jail's workspace and runs
// its script there.
func runOrdinary(t *testing.T, j jail, tt ordinaryCase) {
	t.Helper()
	for _, tool := range tt.tools {
		requireTool(t, tool)
	}
	if tt.module != "" {
		if err := exec.Command(tt.tools[0], "-c", "import "+tt.module).Run(); err != nil {
			t.Skipf("%s has no %s module", tt.tools[0], tt.module)
		}
	}
	for name, content := range tt.files {
		writeFile(t, j.cwd, name, content)
	}
	res := j.shell(t, tt.script)
	require.Equal(t, 0, res.code, "stdout: %s\nstderr: %s", res.stdout, res.stderr)
	if tt.want != "" {
		assert.Equal(t, tt.want, res.stdout)
	}
}

func TestOrdinaryGitInAnExistingRepository(t *testing.T) {
	// With .git read-only, git still reads the repository; writing it
	// (a commit) is refused and needs approval.
	requireTool(t, "git")
	for _, md := range modes() {
		t.Run(string(md), func(t *testing.T) {
			t.Parallel()
			ws := gitRepo(t, t.TempDir())
			writeFile(t, ws, "a.txt", "one\n")
			j := ordinaryJail(md, ws, t.TempDir(), false)
			res := j.shell(t, `git status --short && git log --format=%s && git diff --stat && git show --stat --format=%s HEAD`)
			require.Equal(t, 0, res.code, res.stderr)
			assert.Equal(t, "?? a.txt\ninit\ninit\n", res.stdout)
			res = j.shell(t, `git add a.txt`)
			if md == isolated {
				assert.NotEqual(t, 0, res.code)
				assert.Contains(t, res.stderr, "Read-only file system")
			}
		})
	}
}

func TestOrdinaryGoBuild(t *testing.T) {
	// One build cache for both modes, in a writable root: the first build
	// compiles the runtime, the second reuses it. Offline.
	requireTool(t, "go")
	cache := t.TempDir()
	for _, md := range modes() {
		t.Run(string(md), func(t *testing.T) {
			ws := t.TempDir()
			writeFile(t, ws, "go.mod", "module example.com/tiny\n\ngo 1.21\n")
			writeFile(t, ws, "main.go", "package main\n\nfunc main() { println(\"tiny\") }\n")
			j := ordinaryJail(md, ws, t.TempDir(), false, cache)
			j.env = append(j.env, "GOCACHE="+filepath.Join(cache, "build"), "GOPATH="+filepath.Join(cache, "gopath"),
				"GOFLAGS=", "GOTOOLCHAIN=local", "GOPROXY=off", "GOENV=off")
			res := j.shell(t, `go build -o tiny . && ./tiny 2>&1`)
			require.Equal(t, 0, res.code, res.stderr)
			assert.Equal(t, "tiny\n", res.stdout)
		})
	}
}

func TestOrdinaryNpmInstallWithTheNetwork(t *testing.T) {
	// With network_access = true, npm fetches a package from the registry.
	requireTool(t, "npm")
	conn, err := net.DialTimeout("tcp", "registry.npmjs.org:443", 3*time.Second)
	if err != nil {
		t.Skipf("the npm registry is not reachable: %v", err)
	}
	conn.Close()
	for _, md := range modes() {
		t.Run(string(md), func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			writeFile(t, ws, "package.json", `{"name":"app","version":"1.0.0"}`)
			res := ordinaryJail(md, ws, t.TempDir(), true).shell(t,
				`export npm_config_cache="$PWD/.npm" npm_config_update_notifier=false && `+
					`npm install --no-audit --no-fund is-number@7.0.0 >/dev/null && node -e 'console.log(require("is-number")(5))'`)
			require.Equal(t, 0, res.code, res.stderr)
			assert.Equal(t, "true\n", res.stdout)
			_, err := os.Stat(filepath.Join(ws, "node_modules", "is-number", "package.json"))
			assert.NoError(t, err)
		})
	}
}

func TestOrdinaryOwnPseudoTerminal(t *testing.T) {
	// Tools such as script and expect create pseudo-terminals of their own.
	for _, md := range modes() {
		t.Run(string(md), func(t *testing.T) {
			t.Parallel()
			res := jail{mode: md, policy: workspace(nil), cwd: t.TempDir(), session: true}.probe(t, "newpty", "")
			if md == plain && res.code != 0 {
				t.Skipf("without an own /dev/pts only the command's given terminals are writable, not the pseudo-terminals it creates: %s", res.stderr)
			}
			assertWorked(t, res)
		})
	}
}

func TestOrdinaryOwnPriorityByProcessID(t *testing.T) {
	// Libraries name the calling process or thread by its id rather than 0
	// when they lower its priority or pin it to CPUs (psutil's nice(),
	// pthread_setaffinity_np in OpenMP runtimes).
	py := requireTool(t, "python3")
	script := `import os, threading
os.setpriority(os.PRIO_PROCESS, os.getpid(), 5)
cpus = os.sched_getaffinity(0)
os.sched_setaffinity(os.getpid(), cpus)
os.sched_setaffinity(threading.get_native_id(), cpus)
print("ok")`
	for _, md := range modes() {
		t.Run(string(md), func(t *testing.T) {
			t.Parallel()
			res := jail{mode: md, policy: workspace(nil), cwd: t.TempDir()}.run(t, py, "-c", script)
			if md == plain {
				// Without a PID namespace the filter cannot tell the
				// command's own id from another process's, and refuses
				// every id but 0 (documented).
				assert.NotEqual(t, 0, res.code)
				assert.Contains(t, res.stderr, "Operation not permitted")
				return
			}
			require.Equal(t, 0, res.code, res.stderr)
			assert.Equal(t, "ok\n", res.stdout)
		})
	}
}
