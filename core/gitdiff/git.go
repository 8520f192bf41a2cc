package gitdiff

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/codex-go/codex/sandbox"
)

// Every git command of this package runs through a runner. git runs here
// outside any sandbox, on a repository that sandboxed commands may have
// written to: whatever they put in .git/config, .git/hooks, .gitattributes or
// .git/info/attributes must not make our git start a program. A runner
// therefore
//
//   - passes --no-pager and the "-c" settings of hardeningConfig, which take
//     precedence over every configuration file (and whatever those include):
//     hooks are looked up in the null device, fsmonitor is off, the pager,
//     askpass, credential helpers and the ssh command are empty, and no
//     transport is allowed, so a partial clone cannot start a lazy fetch
//     through a planted remote.<name>.uploadpack;
//   - removes the GIT_* variables of the server's environment except the
//     few that only choose which configuration files and directories git
//     considers (see keepGitEnv), and PAGER and SSH_ASKPASS; it sets
//     GIT_OPTIONAL_LOCKS=0 so that nothing rewrites the index (which would
//     run the post-index-change hook, were hooks not off already),
//     GIT_TERMINAL_PROMPT=0 and GIT_NO_LAZY_FETCH=1; and removes the
//     dynamic loader's variables (see sandbox.LoaderVariable).
//
// Filter drivers (filter.<name>.clean, .smudge, .process) cannot be switched
// off that way: the attributes choose their names, and git 2.39 has no
// option to ignore the attributes of the work tree and of
// .git/info/attributes. Switching off the names found in the configuration
// beforehand would leave a window in which a command still running could
// add a new one. The commands that read file contents from the work tree,
// where clean filters apply, therefore run in an isolated view (see
// isolatedView) that does not read the repository's configuration at all.
// Diffs are asked for with --no-ext-diff and --no-textconv, and with
// --ignore-submodules=dirty so that git does not run git status inside
// submodules, whose configuration would be read again.

// hardeningConfig returns the "-c" settings given to every git command.
// diff.external is set empty on top of --no-ext-diff: should a diff ever be
// asked for without that option, git fails instead of running a program.
func hardeningConfig() []string {
	return []string{
		"core.hooksPath=" + os.DevNull,
		"core.fsmonitor=false",
		"core.pager=cat",
		"core.askPass=",
		"core.sshCommand=",
		"credential.helper=",
		"diff.external=",
		"protocol.allow=never",
	}
}

// keepGitEnv reports whether the GIT_* variable name (upper case) of the
// server's environment reaches our git commands: only those that choose
// which configuration files, directories and git installation are used.
func keepGitEnv(name string) bool {
	switch name {
	case "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM",
		"GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM", "GIT_EXEC_PATH":
		return true
	}
	return false
}

// hardenedEnv returns environ (entries "NAME=value") without the variables
// that could make git run a program or use another repository, plus the
// settings every git command of ours runs with.
func hardenedEnv(environ []string) []string {
	env := make([]string, 0, len(environ)+3)
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		switch {
		case strings.HasPrefix(upper, "GIT_") && !keepGitEnv(upper):
			continue
		case upper == "PAGER" || upper == "SSH_ASKPASS":
			continue
		case sandbox.LoaderVariable(name):
			// git runs in the workspace, where commands can plant a
			// library for an empty or relative LD_LIBRARY_PATH entry.
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GIT_OPTIONAL_LOCKS=0", "GIT_TERMINAL_PROMPT=0", "GIT_NO_LAZY_FETCH=1")
}

// runner runs hardened git commands in one directory.
type runner struct {
	// dir is the working directory of the commands.
	dir string
	// env is the complete environment of the commands.
	env []string
	// config are "-c" settings given before those of hardeningConfig.
	config []string
}

// newRunner returns a runner for dir whose environment is environ made
// safe by hardenedEnv.
func newRunner(dir string, environ []string) runner {
	return runner{dir: dir, env: hardenedEnv(environ)}
}

// in returns a copy of r that runs in dir.
func (r runner) in(dir string) runner {
	r.dir = dir
	return r
}

// run runs git with args and returns its standard output. Errors name the
// arguments (not the hardening options) and carry git's standard error.
func (r runner) run(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	full := []string{"--no-pager"}
	for _, c := range r.config {
		full = append(full, "-c", c)
	}
	for _, c := range hardeningConfig() {
		full = append(full, "-c", c)
	}
	full = append(full, args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Dir = r.dir
	cmd.Env = r.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		msg := strings.TrimSpace(stderr.String())
		if msg != "" {
			return stdout.String(), fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, msg)
		}
		return stdout.String(), fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return stdout.String(), nil
}

// carriedConfig matches (in `git config --get-regexp` form, names in lower
// case) the settings copied into the isolated view: those that change how
// git reads the work tree and the index or how it writes a patch. None of
// them names a program.
const carriedConfig = `^(core\.(autocrlf|eol|filemode|symlinks|ignorecase|precomposeunicode|` +
	`checkroundtripencoding|trustctime|checkstat|quotepath|bigfilethreshold|abbrev|attributesfile)|` +
	`diff\.(renames|renamelimit|algorithm|indentheuristic|context|interhunkcontext))$`

// isolatedView returns a runner for the work tree at top (r runs there) that
// reads the repository's objects, index and HEAD but not its configuration
// file, its hooks or anything else of the common git directory. It sets
// GIT_DIR to the real git directory and GIT_COMMON_DIR to a fresh, nearly
// empty directory; the settings matched by carriedConfig are copied from
// the repository's configuration as "-c" settings, and
// $GIT_DIR/info/attributes is copied, so files are read and compared as
// usual. A filter driver named in the attributes therefore only runs when
// it is defined in the global or system configuration (where Git LFS
// usually is), outside the repository; a driver defined in the
// repository's configuration is ignored and the file is read as it is.
//
// The directory is created below the user's cache directory, which
// commands may not write to under the default sandbox policies (unlike the
// temporary directory, which is used when there is no cache directory).
// done removes it.
func isolatedView(ctx context.Context, r runner, top string) (view runner, done func(), err error) {
	out, err := r.run(ctx, "rev-parse", "--absolute-git-dir", "--git-path", "objects",
		"--git-path", "info/attributes", "--show-object-format")
	if err != nil {
		return runner{}, nil, err
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 {
		return runner{}, nil, fmt.Errorf("unexpected git rev-parse output %q", out)
	}
	gitDir, objects, attributes, format := lines[0], lines[1], lines[2], lines[3]
	if format != "sha1" && format != "sha256" {
		return runner{}, nil, fmt.Errorf("unsupported object format %q", format)
	}
	if !filepath.IsAbs(objects) {
		objects = filepath.Join(r.dir, objects)
	}
	if !filepath.IsAbs(attributes) {
		attributes = filepath.Join(r.dir, attributes)
	}

	carried, err := readSettings(ctx, r, carriedConfig)
	if err != nil {
		return runner{}, nil, err
	}

	common, err := makeViewDir()
	if err != nil {
		return runner{}, nil, fmt.Errorf("create isolated git directory: %w", err)
	}
	done = func() { _ = os.RemoveAll(common) }
	if err := fillViewDir(common, format, attributes); err != nil {
		done()
		return runner{}, nil, fmt.Errorf("create isolated git directory: %w", err)
	}

	view = runner{
		dir: top,
		env: append(append([]string(nil), r.env...),
			"GIT_DIR="+gitDir, "GIT_COMMON_DIR="+common,
			"GIT_OBJECT_DIRECTORY="+objects, "GIT_WORK_TREE="+top),
		config: carried,
	}
	return view, done, nil
}

// readSettings returns the settings of the repository's configuration whose
// names match pattern, as "name=value" ("name" alone for a boolean written
// without a value), in the order git reads them.
func readSettings(ctx context.Context, r runner, pattern string) ([]string, error) {
	out, err := r.run(ctx, "config", "-z", "--get-regexp", pattern)
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && exitErr.ExitCode() == 1 && ctx.Err() == nil {
		return nil, nil // nothing matched
	}
	if err != nil {
		return nil, err
	}
	var settings []string
	for entry := range strings.SplitSeq(out, "\x00") {
		if entry == "" {
			continue
		}
		name, value, hasValue := strings.Cut(entry, "\n")
		if hasValue {
			settings = append(settings, name+"="+value)
		} else {
			settings = append(settings, name)
		}
	}
	return settings, nil
}

// makeViewDir creates an empty private directory for an isolated view.
func makeViewDir() (string, error) {
	if cache, err := os.UserCacheDir(); err == nil {
		base := filepath.Join(cache, "codex", "git")
		if err := os.MkdirAll(base, 0o700); err == nil {
			if dir, err := os.MkdirTemp(base, "view-"); err == nil {
				return dir, nil
			}
		}
	}
	return os.MkdirTemp("", "codex-git-view-")
}

// fillViewDir gives the common directory of an isolated view what git
// needs to accept it: a refs directory and, for a SHA-256 repository, a
// configuration file declaring that object format. The file
// attributes (the repository's info/attributes) is copied when it exists.
func fillViewDir(dir, format, attributes string) error {
	if err := os.Mkdir(filepath.Join(dir, "refs"), 0o700); err != nil {
		return err
	}
	if format == "sha256" {
		config := "[core]\n\trepositoryformatversion = 1\n[extensions]\n\tobjectformat = sha256\n"
		if err := os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o600); err != nil {
			return err
		}
	}
	data, err := os.ReadFile(attributes)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(dir, "info"), 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "info", "attributes"), data, 0o600)
}
