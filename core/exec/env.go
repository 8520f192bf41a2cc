package exec

import (
	"path"
	"slices"
	"strings"

	"github.com/codex-go/codex/core/config"
)

// coreEnvNames are the variables kept by inherit = "core": what shells and
// common tools need to find programs, the user, temporary space, the locale
// and the terminal.
var coreEnvNames = [...]string{
	"HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME",
	"TMPDIR", "TEMP", "TMP", "LANG", "LC_ALL", "LC_CTYPE", "TERM",
}

// defaultExcludes are the name patterns dropped unless
// ignore_default_excludes is set: names that look like credentials.
var defaultExcludes = [...]string{"*KEY*", "*SECRET*", "*TOKEN*"}

// BuildEnv applies a shell_environment_policy to environ (entries
// "NAME=value", as from os.Environ) and returns the environment of a
// command, sorted by name. The steps, in order:
//
//  1. inherit: "all" (or "") keeps every variable, "core" only a short list
//     of essential ones (HOME, PATH, USER, TMPDIR, LANG, TERM...), "none"
//     nothing;
//  2. unless IgnoreDefaultExcludes, names matching *KEY*, *SECRET* or
//     *TOKEN* are dropped;
//  3. names matching an Exclude pattern are dropped;
//  4. the Set variables are added or replaced;
//  5. when IncludeOnly is not empty, only names matching one of its
//     patterns are kept.
//
// Patterns use path.Match syntax and match names case-insensitively; an
// invalid pattern matches nothing. When environ has a name twice the last
// value wins.
func BuildEnv(p config.ShellEnvironmentPolicy, environ []string) []string {
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		name, value, ok := splitEnv(kv)
		if !ok {
			continue
		}
		switch p.Inherit {
		case config.InheritNone:
			continue
		case config.InheritCore:
			if !isCoreName(name) {
				continue
			}
		}
		vars[name] = value
	}
	if !p.IgnoreDefaultExcludes {
		dropMatching(vars, defaultExcludes[:])
	}
	dropMatching(vars, p.Exclude)
	for name, value := range p.Set {
		vars[name] = value
	}
	if len(p.IncludeOnly) > 0 {
		for name := range vars {
			if !matchesAny(name, p.IncludeOnly) {
				delete(vars, name)
			}
		}
	}

	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	slices.Sort(names)
	out := make([]string, len(names))
	for i, name := range names {
		out[i] = name + "=" + vars[name]
	}
	return out
}

// splitEnv splits "NAME=value". The search for "=" starts after the first
// byte so that Windows' per-drive entries ("=C:=C:\dir") keep their name.
func splitEnv(kv string) (name, value string, ok bool) {
	if kv == "" {
		return "", "", false
	}
	i := strings.IndexByte(kv[1:], '=')
	if i < 0 {
		return "", "", false
	}
	return kv[:i+1], kv[i+2:], true
}

// envValue returns the last value of name in env.
func envValue(env []string, name string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if n, v, ok := splitEnv(env[i]); ok && n == name {
			return v, true
		}
	}
	return "", false
}

// isCoreName reports whether name is kept by inherit = "core". The
// comparison ignores case because Windows spells some of them "Path" or
// "Temp".
func isCoreName(name string) bool {
	for _, c := range coreEnvNames {
		if strings.EqualFold(name, c) {
			return true
		}
	}
	return false
}

// dropMatching deletes the variables whose names match one of patterns.
func dropMatching(vars map[string]string, patterns []string) {
	if len(patterns) == 0 {
		return
	}
	for name := range vars {
		if matchesAny(name, patterns) {
			delete(vars, name)
		}
	}
}

// matchesAny reports whether name matches one of patterns, ignoring case.
func matchesAny(name string, patterns []string) bool {
	lower := strings.ToLower(name)
	for _, p := range patterns {
		if ok, err := path.Match(strings.ToLower(p), lower); err == nil && ok {
			return true
		}
	}
	return false
}
