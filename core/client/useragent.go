package client

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Originator is the originator header value of this client.
const Originator = "codex_cli_go"

// UserAgentEnv is where UserAgent looks for host facts; zero fields mean the
// real host.
type UserAgentEnv struct {
	// Getenv reads the terminal variables; nil means os.Getenv.
	Getenv func(string) string
	// OSReleasePath is the os-release file; "" means /etc/os-release.
	OSReleasePath string
	// GOOS is the fallback OS name; "" means runtime.GOOS.
	GOOS string
	// GOARCH is the architecture; "" means runtime.GOARCH.
	GOARCH string
}

// UserAgent returns the User-Agent of this host:
// "codex_cli_go/<version> (<OS> <OS version>; <arch>) <terminal>", followed by
// " (<clientName>; <clientVersion>)" when clientName is set.
func UserAgent(version, clientName, clientVersion string) string {
	return UserAgentEnv{}.UserAgent(version, clientName, clientVersion)
}

// UserAgent is the package-level UserAgent with host facts taken from e.
func (e UserAgentEnv) UserAgent(version, clientName, clientVersion string) string {
	getenv := e.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	osName, osVersion := e.osInfo()
	var b strings.Builder
	b.WriteString(Originator + "/" + version)
	b.WriteString(" (" + osName + " " + osVersion + "; " + e.arch() + ") ")
	b.WriteString(terminal(getenv))
	if clientName != "" {
		b.WriteString(" (" + clientName + "; " + clientVersion + ")")
	}
	return sanitizeHeader(b.String())
}

// osInfo returns the OS name and a three-part version from os-release.
func (e UserAgentEnv) osInfo() (string, string) {
	goos := e.GOOS
	if goos == "" {
		goos = runtime.GOOS
	}
	path := e.OSReleasePath
	if path == "" {
		path = "/etc/os-release"
	}
	fields := readOSRelease(path)
	id := fields["ID"]
	if id == "" {
		return goos, "unknown"
	}
	return strings.ToUpper(id[:1]) + id[1:], normalizeVersion(fields["VERSION_ID"])
}

// readOSRelease parses KEY=value lines, unquoting values; a missing or
// unreadable file gives an empty map.
func readOSRelease(path string) map[string]string {
	out := map[string]string{}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if u, err := strconv.Unquote(v); err == nil {
			v = u
		} else {
			v = strings.Trim(v, `"'`)
		}
		out[strings.TrimSpace(k)] = v
	}
	return out
}

// normalizeVersion turns "12" into "12.0.0" and "22.04" into "22.4.0";
// versions that are not one to three numbers are returned as they are, and
// an empty one as "unknown".
func normalizeVersion(v string) string {
	if v == "" {
		return "unknown"
	}
	parts := strings.Split(v, ".")
	if len(parts) > 3 {
		return v
	}
	nums := []string{"0", "0", "0"}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return v
		}
		nums[i] = strconv.FormatUint(n, 10)
	}
	return strings.Join(nums, ".")
}

// arch returns the uname-style machine name.
func (e UserAgentEnv) arch() string {
	a := e.GOARCH
	if a == "" {
		a = runtime.GOARCH
	}
	switch a {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	case "386":
		return "i686"
	}
	return a
}

// terminal names the terminal program from the environment.
func terminal(getenv func(string) string) string {
	if p := getenv("TERM_PROGRAM"); p != "" {
		if v := getenv("TERM_PROGRAM_VERSION"); v != "" {
			return p + "/" + v
		}
		return p
	}
	if v := getenv("WEZTERM_VERSION"); v != "" {
		return "WezTerm/" + v
	}
	if getenv("KITTY_WINDOW_ID") != "" {
		return "kitty"
	}
	if getenv("ALACRITTY_SOCKET") != "" {
		return "Alacritty"
	}
	if t := getenv("TERM"); t != "" {
		return t
	}
	return "unknown"
}

// sanitizeHeader replaces everything outside printable ASCII with '_'.
func sanitizeHeader(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			b.WriteByte('_')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
