//go:build linux

package tests

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// releaseTestVersion is the version the release test stamps.
const releaseTestVersion = "9.8.7-releasetest"

// TestReleaseLinuxStatic builds the release archive of this machine's Linux
// architecture with scripts/release.sh (the other targets are left to make
// release: building them all here would take too long), checks its
// checksum, that the binary is static and carries the stamped version,
// and runs its sandbox in an empty root that holds nothing but the binary
// and a static busybox: no C library, no libseccomp.
func TestReleaseLinuxStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a release binary; skipped with -short")
	}
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("no Linux release target for %s", runtime.GOARCH)
	}
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	dist := t.TempDir()
	target := "linux/" + runtime.GOARCH
	build := exec.Command(filepath.Join(root, "scripts", "release.sh"), target)
	build.Dir = root
	build.Env = append(os.Environ(), "VERSION=v"+releaseTestVersion, "DIST="+dist)
	out, err := build.CombinedOutput()
	require.NoError(t, err, "scripts/release.sh %s:\n%s", target, out)

	name := "codex-" + releaseTestVersion + "-linux-" + runtime.GOARCH
	archive := filepath.Join(dist, name+".tar.gz")
	checkChecksum(t, dist, filepath.Base(archive))
	bin := filepath.Join(t.TempDir(), "codex")
	extractFromTarGz(t, archive, name+"/codex", bin)

	t.Run("static", func(t *testing.T) {
		f, err := elf.Open(bin)
		require.NoError(t, err)
		defer f.Close()
		for _, p := range f.Progs {
			assert.NotEqual(t, elf.PT_INTERP, p.Type, "the binary names a program interpreter")
		}
		libs, err := f.ImportedLibraries()
		require.NoError(t, err)
		assert.Empty(t, libs, "the binary needs shared libraries")

		ldd, err := exec.LookPath("ldd")
		if err != nil {
			t.Log("ldd is not installed; checked the ELF headers only")
		} else {
			// ldd fails on a static binary, saying so.
			out, _ := exec.Command(ldd, bin).CombinedOutput()
			assert.Contains(t, string(out), "not a dynamic executable")
		}
		if file, err := exec.LookPath("file"); err != nil {
			t.Log("file is not installed (scripts/ensure-deps.sh installs it)")
		} else {
			out, err := exec.Command(file, "-b", bin).CombinedOutput()
			require.NoError(t, err, "%s", out)
			assert.Contains(t, string(out), "statically linked")
		}
	})

	t.Run("version", func(t *testing.T) {
		out, err := exec.Command(bin, "--version").Output()
		require.NoError(t, err)
		assert.Equal(t, "codex-cli "+releaseTestVersion+"\n", string(out))
	})

	t.Run("sandbox in an empty root", func(t *testing.T) {
		runInEmptyRoot(t, bin)
	})
}

// checkChecksum checks that dist/SHA256SUMS lists the archive with its
// SHA-256.
func checkChecksum(t *testing.T, dist, archive string) {
	t.Helper()
	sums, err := os.Open(filepath.Join(dist, "SHA256SUMS"))
	require.NoError(t, err)
	defer sums.Close()
	listed := map[string]string{}
	lines := bufio.NewScanner(sums)
	for lines.Scan() {
		sum, file, ok := strings.Cut(lines.Text(), "  ")
		require.True(t, ok, "SHA256SUMS line %q", lines.Text())
		listed[file] = sum
	}
	require.NoError(t, lines.Err())
	data, err := os.ReadFile(filepath.Join(dist, archive))
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	assert.Equal(t, hex.EncodeToString(sum[:]), listed[archive], "checksum of %s", archive)
}

// extractFromTarGz writes the archive member called member to dst.
func extractFromTarGz(t *testing.T, archive, member, dst string) {
	t.Helper()
	f, err := os.Open(archive)
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		names = append(names, h.Name)
		if h.Name != member {
			continue
		}
		assert.NotZero(t, h.Mode&0o111, "%s is not executable in the archive", member)
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
		require.NoError(t, err)
		_, err = io.Copy(out, tr)
		require.NoError(t, err)
		require.NoError(t, out.Close())
		return
	}
	t.Fatalf("%s has no %s; it holds %v", archive, member, names)
}

// staticBusybox returns the path of a statically linked busybox, or skips
// the test saying what is missing.
func staticBusybox(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		f, err := elf.Open(p)
		if err != nil {
			continue
		}
		libs, err := f.ImportedLibraries()
		_ = f.Close()
		if err == nil && len(libs) == 0 {
			return p
		}
	}
	t.Skip("no static busybox (Debian's busybox-static, installed by scripts/ensure-deps.sh) to run commands in an empty root")
	return ""
}

// runInEmptyRoot runs the binary's sandbox in a directory that holds only
// the binary, a static busybox and empty /proc, /tmp and /work, made the
// root of the process as a container's is: a bind mount of itself in a
// mount namespace of its own, then chroot.
func runInEmptyRoot(t *testing.T, bin string) {
	if os.Geteuid() != 0 {
		t.Skip("chroot needs root")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) is not installed")
	}
	busybox := staticBusybox(t)

	dir := t.TempDir()
	for _, d := range []string{"bin", "proc", "tmp", "work"} {
		require.NoError(t, os.Mkdir(filepath.Join(dir, d), 0o755))
	}
	copyFile(t, bin, filepath.Join(dir, "bin", "codex"), 0o755)
	copyFile(t, busybox, filepath.Join(dir, "bin", "busybox"), 0o755)
	for _, applet := range []string{"sh", "true"} {
		require.NoError(t, os.Symlink("busybox", filepath.Join(dir, "bin", applet)))
	}

	// inRoot runs codex with args as the root's process 1 would, with an
	// environment of its own.
	inRoot := func(args ...string) (string, error) {
		// sh's $0 is the directory, "$@" the arguments.
		script := `mount --bind "$0" "$0" && exec chroot "$0" /bin/codex "$@"`
		cmd := exec.Command(unshare, append([]string{"--mount", "--propagation", "private", "--",
			"/bin/sh", "-c", script, dir}, args...)...)
		cmd.Env = []string{"PATH=/bin:/usr/bin:/sbin:/usr/sbin", "HOME=/work"}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := inRoot("--version"); err != nil {
		t.Skipf("cannot make a root of the directory here (mount namespace, bind mount, chroot): %v\n%s", err, out)
	}

	sandbox := []string{"sandbox", "linux", "--full-auto", "--log-denials", "-C", "/work", "--"}
	cases := []struct {
		name    string
		command []string
		wantOK  bool
		// file, relative to the root, that must exist afterwards (or not).
		file     string
		wantFile bool
		// wantOut is part of what the command must print.
		wantOut string
	}{
		{name: "true", command: []string{"/bin/true"}, wantOK: true},
		{name: "write in the working directory", command: []string{"/bin/sh", "-c", "echo in > /work/inside"},
			wantOK: true, file: "work/inside", wantFile: true},
		{name: "write outside the writable roots", command: []string{"/bin/sh", "-c", "echo out > /outside"},
			wantOK: false, file: "outside", wantFile: false, wantOut: "can't create /outside"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := inRoot(append(append([]string{}, sandbox...), tc.command...)...)
			if tc.wantOK {
				require.NoError(t, err, "%s", out)
			} else {
				require.Error(t, err, "%s", out)
			}
			assert.Contains(t, out, tc.wantOut)
			// libseccomp, linked into the binary, built the filters.
			assert.Contains(t, out, "sandbox: applied: seccomp filter")
			assert.NotContains(t, out, "sandbox: unavailable: seccomp")
			if tc.file != "" {
				_, statErr := os.Stat(filepath.Join(dir, tc.file))
				if tc.wantFile {
					assert.NoError(t, statErr, "%s", out)
				} else {
					assert.True(t, os.IsNotExist(statErr), "/%s was written: %v\n%s", tc.file, statErr, out)
				}
			}
		})
	}
}
