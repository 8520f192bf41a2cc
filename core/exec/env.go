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

// secretSubstrings are the name patterns of the default excludes that match
// anywhere in a name.
var secretSubstrings = [...]string{
	"*KEY*", "*SECRET*", "*TOKEN*", "*PASSWORD*", "*PASSWD*", "*PASSPHRASE*",
	"*CREDENTIAL*", "*COOKIE*", "*WEBHOOK*", "*CONNECTION_STRING*", "*CONNECTIONSTRING*",
}

// secretWords are the default excludes that match as a whole word of a name,
// words being separated by "_" (and "/", which npm's per-registry settings
// use): SSH_AUTH_SOCK, NPM_CONFIG__AUTH and DB_PASS, but not
// GIT_AUTHOR_NAME, SSH_ASKPASS, PASSENGER_ENV, GOPRIVATE or PATH.
var secretWords = [...]string{"AUTH", "AUTHORIZATION", "PASS", "PAT", "JWT", "PRIVATE"}

// secretNames are the default excludes matched as whole names. PWD alone
// is the working directory, so only names ending in (or holding) a "PWD"
// word are dropped.
var secretNames = [...]string{"GPG_AGENT_INFO", "*_PWD", "*_PWD_*"}

// isSecretName reports whether the default excludes drop name: a name
// that matches one of secretSubstrings or secretNames, or holds one of
// secretWords as a word. Case is ignored.
func isSecretName(name string) bool {
	// path.Match does not let "*" cross "/"; names are not paths.
	name = strings.ReplaceAll(strings.ToUpper(name), "/", "_")
	if matchesAny(name, secretSubstrings[:]) || matchesAny(name, secretNames[:]) {
		return true
	}
	for word := range strings.SplitSeq(name, "_") {
		if slices.Contains(secretWords[:], word) {
			return true
		}
	}
	return false
}

// dropSecrets applies the default excludes to vars: it deletes the
// variables whose names look like secrets (isSecretName) or whose values
// hold a password field (hasPasswordField), and removes the user name and
// password from URLs that carry a password (stripURLCredentials).
func dropSecrets(vars map[string]string) {
	for name, value := range vars {
		switch {
		case isSecretName(name) || hasPasswordField(value):
			delete(vars, name)
		default:
			if v, ok := stripURLCredentials(name, value); ok {
				vars[name] = v
			}
		}
	}
}

// stripURLCredentials removes the user information from every URL in value
// whose user information holds a password: "scheme://user:pass@host/x"
// becomes "scheme://host/x". A value may hold several URLs (GOPROXY,
// PIP_EXTRA_INDEX_URL). For variables named *_PROXY the scheme may be
// missing, as curl and others accept: "user:pass@proxy:3128" becomes
// "proxy:3128". It reports whether anything was removed.
//
// The variable is kept so that the command still goes where the user's
// configuration points (through the same proxy, to the same database)
// and fails there, asking for credentials, rather than silently
// connecting elsewhere; the user name is removed with the password so
// that clients make no login attempt that could count against the
// account.
func stripURLCredentials(name, value string) (string, bool) {
	changed := false
	var b strings.Builder
	rest := value
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			break
		}
		start := i + len("://")
		b.WriteString(rest[:start])
		rest = rest[start:]
		if n, ok := credentialsLength(rest); ok {
			rest = rest[n:]
			changed = true
		}
	}
	b.WriteString(rest)
	if !changed && !strings.Contains(value, "://") && strings.HasSuffix(strings.ToUpper(name), "_PROXY") {
		if n, ok := credentialsLength(value); ok {
			return value[n:], true
		}
	}
	if !changed {
		return value, false
	}
	return b.String(), true
}

// credentialsLength looks at s, the part of a URL after "scheme://", and
// returns the length of its "user:password@" prefix when there is one. The
// authority ends at the first "/", "?", "#" or white space; its user
// information ends at the last "@" in it, so an unencoded "@" in a
// password is covered.
func credentialsLength(s string) (int, bool) {
	end := strings.IndexAny(s, "/?# \t\r\n")
	if end < 0 {
		end = len(s)
	}
	at := strings.LastIndexByte(s[:end], '@')
	if at < 0 || !strings.Contains(s[:at], ":") {
		return 0, false
	}
	return at + 1, true
}

// passwordFieldKeys are the keys that hasPasswordField looks for.
var passwordFieldKeys = [...]string{"password", "passwd", "pwd"}

// hasPasswordField reports whether value holds a "password=..." field (or
// "passwd=", "pwd=", any case, spaces allowed before "="), at its start or
// after one of " ;&?,", as in connection strings ("Server=db;Password=x"),
// libpq settings ("host=db password=x") and JDBC URLs ("...?password=x").
// Such values come in too many syntaxes to edit safely, so the whole
// variable is dropped.
func hasPasswordField(value string) bool {
	lower := strings.ToLower(value)
	for _, key := range passwordFieldKeys {
		for from := 0; ; {
			k := strings.Index(lower[from:], key)
			if k < 0 {
				break
			}
			k += from
			from = k + len(key)
			if k > 0 && !strings.ContainsRune(" \t;&?,", rune(lower[k-1])) {
				continue
			}
			after := strings.TrimLeft(lower[from:], " \t")
			if strings.HasPrefix(after, "=") {
				return true
			}
		}
	}
	return false
}

// BuildEnv applies a shell_environment_policy to environ (entries
// "NAME=value", as from os.Environ) and returns the environment of a
// command, sorted by name. The steps, in order:
//
//  1. inherit: "all" (or "") keeps every variable, "core" only a short list
//     of essential ones (HOME, PATH, USER, TMPDIR, LANG, TERM...), "none"
//     nothing;
//  2. unless IgnoreDefaultExcludes, what looks like a secret goes (see
//     below);
//  3. names matching an Exclude pattern are dropped;
//  4. the Set variables are added or replaced;
//  5. when IncludeOnly is not empty, only names matching one of its
//     patterns are kept.
//
// The default excludes of step 2 drop the variables whose names contain
// KEY, SECRET, TOKEN, PASSWORD, PASSWD, PASSPHRASE, CREDENTIAL, COOKIE,
// WEBHOOK, CONNECTION_STRING or CONNECTIONSTRING; whose names hold AUTH,
// AUTHORIZATION, PASS, PAT, JWT or PRIVATE as a word (SSH_AUTH_SOCK,
// NPM_CONFIG__AUTH, DB_PASS, GITHUB_PAT) or end in a PWD word (MYSQL_PWD);
// GPG_AGENT_INFO; and those whose values hold a password field
// ("Password=...", see hasPasswordField). URLs with a password in a value
// that stays lose their user information (see stripURLCredentials): a
// proxy or database variable then still points to the same place, but
// without the credentials. Variables that only locate things (KUBECONFIG,
// DOCKER_CONFIG, AWS_PROFILE, GOPRIVATE) and session variables of desktops
// and terminals (XDG_SESSION_TYPE, DBUS_SESSION_BUS_ADDRESS,
// SSH_CONNECTION) are kept.
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
		dropSecrets(vars)
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
