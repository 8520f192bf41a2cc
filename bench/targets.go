package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// referenceVersion is the codex-cli release the harness compares against.
const referenceVersion = "0.45.0"

// referencePackage is the npm package that ships the reference binary.
const referencePackage = "@openai/codex"

// refBinEnv names the environment variable that points at a reference binary
// and skips the lookup under bench/.ref.
const refBinEnv = "CODEX_REF_BIN"

// release is a codex-cli release the harness compares against: which
// version, where npm puts it and how to point the harness at a copy of it.
type release struct {
	// Version is the npm version of referencePackage.
	Version string
	// Env names the environment variable that, when set, holds the path of
	// a binary of this release; the install prefix is then not consulted.
	Env string
	// Dir is the npm install prefix, relative to the bench directory.
	Dir string
	// Binary returns where `npm install --prefix prefix` puts the
	// executable.
	Binary func(prefix string) (string, error)
}

// reference045 is the release of the 0.45 protocol rows.
func reference045() release {
	return release{Version: referenceVersion, Env: refBinEnv, Dir: ".ref", Binary: installedReference}
}

// target is one binary under test together with its private state.
type target struct {
	// Name is nameOurs, nameReference or nameReferenceV2.
	Name string
	// Bin is the absolute path of the executable.
	Bin string
	// Version is what `Bin --version` printed, when it printed anything.
	Version string
	// Home is the CODEX_HOME given to every process of this binary.
	Home string
	// UserHome, when set, replaces HOME in the environment of its processes.
	UserHome string
	// Workspace is the empty directory used as the conversation cwd.
	Workspace string
}

// env returns the environment for a process of t: the harness's own with
// CODEX_HOME replaced, and HOME too when t.UserHome is set.
func (t *target) env() []string {
	set := []string{"CODEX_HOME=" + t.Home}
	if t.UserHome != "" {
		set = append(set, "HOME="+t.UserHome)
	}
	env := make([]string, 0, len(os.Environ())+len(set))
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "CODEX_HOME" || (name == "HOME" && t.UserHome != "") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, set...)
}

// prepareHome creates t's CODEX_HOME and workspace under dir and writes a
// config.toml selecting the fake model provider described by providerTOML.
func (t *target) prepareHome(dir, providerTOML string) error {
	t.Home = filepath.Join(dir, t.Name+"-home")
	t.Workspace = filepath.Join(dir, t.Name+"-workspace")
	for _, d := range []string{t.Home, t.Workspace} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	cfg := "model = \"gpt-5\"\n" + providerTOML
	path := filepath.Join(t.Home, "config.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// moduleRoot returns the directory holding go.mod, searching upwards from
// the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// buildOurs compiles ./cmd/codex of the module at root into dir.
func buildOurs(ctx context.Context, root, dir string) (string, error) {
	out := filepath.Join(dir, "codex")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/codex")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/codex: %w\n%s", err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// targetTriple returns the directory name under vendor/ of the npm package
// that holds the native binary for this platform.
func targetTriple() (string, error) {
	triples := map[string]string{
		"linux/amd64":  "x86_64-unknown-linux-musl",
		"linux/arm64":  "aarch64-unknown-linux-musl",
		"darwin/amd64": "x86_64-apple-darwin",
		"darwin/arm64": "aarch64-apple-darwin",
	}
	key := runtime.GOOS + "/" + runtime.GOARCH
	if t, ok := triples[key]; ok {
		return t, nil
	}
	return "", fmt.Errorf("no reference binary is published for %s", key)
}

// installedReference returns where `npm install --prefix prefix` puts the
// reference binary.
func installedReference(prefix string) (string, error) {
	triple, err := targetTriple()
	if err != nil {
		return "", err
	}
	return filepath.Join(prefix, "node_modules", "@openai", "codex", "vendor", triple, "codex", "codex"), nil
}

// ensureReference finds the binary of rel: $<rel.Env>, else the copy under
// prefix, else a fresh npm install into prefix. Progress of the install
// goes to log.
func ensureReference(ctx context.Context, rel release, prefix string, log io.Writer) (string, error) {
	if bin := os.Getenv(rel.Env); bin != "" {
		if err := checkExecutable(bin); err != nil {
			return "", fmt.Errorf("%s: %w", rel.Env, err)
		}
		return filepath.Abs(bin)
	}
	bin, err := rel.Binary(prefix)
	if err != nil {
		return "", err
	}
	if checkExecutable(bin) == nil {
		return bin, nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("npm is not installed, so %s@%s cannot be installed (set %s to a codex-cli %s binary instead)",
			referencePackage, rel.Version, rel.Env, rel.Version)
	}
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", prefix, err)
	}
	fmt.Fprintf(log, "installing %s@%s into %s ...\n", referencePackage, rel.Version, prefix)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund",
		"--prefix", prefix, referencePackage+"@"+rel.Version)
	cmd.Stdout = log
	cmd.Stderr = log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm install %s@%s: %w", referencePackage, rel.Version, err)
	}
	if err := checkExecutable(bin); err != nil {
		return "", fmt.Errorf("after npm install: %w", err)
	}
	return bin, nil
}

// checkExecutable reports whether path is a regular file with an execute bit.
func checkExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	return nil
}

// binaryVersion returns the first line `bin --version` prints, or "" when
// it fails.
func binaryVersion(ctx context.Context, bin string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

// machine describes the host the numbers were taken on.
type machine struct {
	// CPU is the processor model.
	CPU string `json:"cpu"`
	// Cores is the number of logical CPUs usable by the harness.
	Cores int `json:"cores"`
	// Kernel is the OS name and kernel release.
	Kernel string `json:"kernel"`
	// Arch is GOOS/GOARCH.
	Arch string `json:"arch"`
}

// String renders m on one line.
func (m machine) String() string {
	return fmt.Sprintf("%s, %d cores, %s (%s)", m.CPU, m.Cores, m.Kernel, m.Arch)
}

// describeMachine reads the CPU model and kernel release from /proc where
// available.
func describeMachine() machine {
	m := machine{
		CPU:    "unknown CPU",
		Cores:  runtime.NumCPU(),
		Kernel: runtime.GOOS,
		Arch:   runtime.GOOS + "/" + runtime.GOARCH,
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		m.CPU = cpuModel(f)
		_ = f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	return m
}

// cpuModel extracts the processor model from /proc/cpuinfo text. x86 names
// it "model name"; some arm kernels only give "Hardware" or "CPU part".
func cpuModel(r io.Reader) string {
	found := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if _, seen := found[key]; !seen && value != "" {
			found[key] = value
		}
	}
	for _, key := range []string{"model name", "Hardware", "Processor", "cpu model", "CPU part"} {
		if v, ok := found[key]; ok {
			if key == "CPU part" {
				return "CPU part " + v
			}
			return v
		}
	}
	return "unknown CPU"
}
