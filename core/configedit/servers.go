package configedit

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// serversKey is the top-level table holding the MCP servers.
const serversKey = "mcp_servers"

// Transport types of an MCP server, as reported by MCPServer.Transport.
const (
	// TransportStdio is a server started as a child process and spoken to
	// over its stdin and stdout.
	TransportStdio = "stdio"
	// TransportStreamableHTTP is a server reached at a URL.
	TransportStreamableHTTP = "streamable_http"
)

// MCPServer is one [mcp_servers.NAME] entry of config.toml, with the
// optional settings left nil or empty when the file does not set them.
type MCPServer struct {
	// Name is the key of the entry under mcp_servers.
	Name string
	// Command is the program of a stdio server.
	Command string
	// Args are the program's arguments.
	Args []string
	// Env holds variables added to the program's environment; nil when the
	// entry has no env table.
	Env map[string]string
	// URL is the address of a streamable HTTP server.
	URL string
	// BearerToken is a token written into the file (a key of older
	// releases, refused when a conversation starts).
	BearerToken string
	// BearerTokenEnvVar names the variable holding a streamable HTTP
	// server's bearer token.
	BearerTokenEnvVar string
	// HTTPHeaders are headers sent to a streamable HTTP server; nil when
	// not set.
	HTTPHeaders map[string]string
	// EnvHTTPHeaders maps headers to the variables holding their values;
	// nil when not set.
	EnvHTTPHeaders map[string]string
	// Disabled is set by enabled = false.
	Disabled bool
	// OAuthResource is the resource parameter of an OAuth login
	// (oauth_resource).
	OAuthResource string
	// OAuthClientID and OAuthClientSecret are a pre-registered OAuth
	// client ([mcp_servers.NAME.oauth] client_id and client_secret).
	OAuthClientID, OAuthClientSecret string
	// StartupTimeoutSec is startup_timeout_sec (or startup_timeout_ms
	// converted to seconds), nil when not set.
	StartupTimeoutSec *float64
	// ToolTimeoutSec is tool_timeout_sec, nil when not set.
	ToolTimeoutSec *float64
}

// Transport returns TransportStreamableHTTP for a server with a URL and
// TransportStdio otherwise.
func (s MCPServer) Transport() string {
	if s.URL != "" {
		return TransportStreamableHTTP
	}
	return TransportStdio
}

// ValidateServerName checks that name is made of ASCII letters, digits, '-'
// and '_' only, which keeps it a bare TOML key.
func ValidateServerName(name string) error {
	if !isBareKey(name) {
		return fmt.Errorf("invalid server name '%s' (use letters, numbers, '-', '_')", name)
	}
	return nil
}

// ParseMCPServers returns the servers defined in a config.toml text, sorted
// by name. A text that is not valid TOML, or an entry with a setting of the
// wrong type, is an error.
func ParseMCPServers(doc []byte) ([]MCPServer, error) {
	tree, err := decodeTree(doc)
	if err != nil {
		return nil, err
	}
	raw, err := serverTables(tree)
	if err != nil {
		return nil, err
	}
	servers := make([]MCPServer, 0, len(raw))
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		srv, err := decodeServer(name, raw[name])
		if err != nil {
			return nil, err
		}
		servers = append(servers, srv)
	}
	return servers, nil
}

// decodeTree parses a TOML text; a syntax error names its line.
func decodeTree(doc []byte) (map[string]any, error) {
	tree := map[string]any{}
	if _, err := toml.Decode(string(doc), &tree); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("line %d: %s", pe.Position.Line, pe.Message)
		}
		return nil, err
	}
	return tree, nil
}

// serverTables returns the mcp_servers table of a decoded document, nil when
// there is none.
func serverTables(tree map[string]any) (map[string]any, error) {
	v, ok := tree[serversKey]
	if !ok {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: expected a table, got %s", serversKey, typeName(v))
	}
	return m, nil
}

// decodeServer reads one entry of the mcp_servers table.
func decodeServer(name string, v any) (MCPServer, error) {
	path := serversKey + "." + formatKey(name)
	m, ok := v.(map[string]any)
	if !ok {
		return MCPServer{}, fmt.Errorf("%s: expected a table, got %s", path, typeName(v))
	}
	srv := MCPServer{Name: name}
	bad := func(key, want string, got any) error {
		return fmt.Errorf("%s.%s: expected %s, got %s", path, key, want, typeName(got))
	}
	for key, val := range m {
		switch key {
		case "command", "url", "bearer_token", "bearer_token_env_var", "oauth_resource":
			s, ok := val.(string)
			if !ok {
				return MCPServer{}, bad(key, "a string", val)
			}
			switch key {
			case "command":
				srv.Command = s
			case "url":
				srv.URL = s
			case "bearer_token_env_var":
				srv.BearerTokenEnvVar = s
			case "oauth_resource":
				srv.OAuthResource = s
			default:
				srv.BearerToken = s
			}
		case "enabled":
			b, ok := val.(bool)
			if !ok {
				return MCPServer{}, bad(key, "a boolean", val)
			}
			srv.Disabled = !b
		case "http_headers", "env_http_headers", "oauth":
			table, ok := val.(map[string]any)
			if !ok {
				return MCPServer{}, bad(key, "a table of strings", val)
			}
			m := make(map[string]string, len(table))
			for k, item := range table {
				s, ok := item.(string)
				if !ok {
					return MCPServer{}, fmt.Errorf("%s.%s.%s: expected a string, got %s", path, key, formatKey(k), typeName(item))
				}
				m[k] = s
			}
			switch key {
			case "http_headers":
				srv.HTTPHeaders = m
			case "env_http_headers":
				srv.EnvHTTPHeaders = m
			default:
				srv.OAuthClientID, srv.OAuthClientSecret = m["client_id"], m["client_secret"]
			}
		case "args":
			list, ok := val.([]any)
			if !ok {
				return MCPServer{}, bad(key, "an array of strings", val)
			}
			srv.Args = make([]string, 0, len(list))
			for _, item := range list {
				s, ok := item.(string)
				if !ok {
					return MCPServer{}, bad(key, "an array of strings", val)
				}
				srv.Args = append(srv.Args, s)
			}
		case "env":
			table, ok := val.(map[string]any)
			if !ok {
				return MCPServer{}, bad(key, "a table of strings", val)
			}
			srv.Env = make(map[string]string, len(table))
			for k, item := range table {
				s, ok := item.(string)
				if !ok {
					return MCPServer{}, fmt.Errorf("%s.env.%s: expected a string, got %s", path, formatKey(k), typeName(item))
				}
				srv.Env[k] = s
			}
		case "startup_timeout_sec", "tool_timeout_sec":
			var f float64
			switch n := val.(type) {
			case int64:
				f = float64(n)
			case float64:
				f = n
			default:
				return MCPServer{}, bad(key, "a number of seconds", val)
			}
			if f < 0 || math.IsNaN(f) {
				return MCPServer{}, fmt.Errorf("%s.%s: expected a non-negative number of seconds", path, key)
			}
			if key == "tool_timeout_sec" {
				srv.ToolTimeoutSec = &f
			} else {
				srv.StartupTimeoutSec = &f
			}
		}
	}
	if ms, ok := m["startup_timeout_ms"]; ok {
		n, isInt := ms.(int64)
		if !isInt || n < 0 {
			return MCPServer{}, fmt.Errorf("%s.startup_timeout_ms: expected a non-negative integer", path)
		}
		if srv.StartupTimeoutSec == nil {
			f := float64(n) / 1000
			srv.StartupTimeoutSec = &f
		}
	}
	switch {
	case srv.Command != "" && srv.URL != "":
		return MCPServer{}, fmt.Errorf("%s: set either command or url, not both", path)
	case srv.Command == "" && srv.URL == "":
		return MCPServer{}, fmt.Errorf("%s: missing \"command\"", path)
	}
	return srv, nil
}

// typeName names the TOML type of a decoded value for error messages.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case []map[string]any:
		return "an array of tables"
	case map[string]any:
		return "a table"
	default:
		return "a date or time"
	}
}

// isBareKey reports whether k is a non-empty run of ASCII letters, digits,
// '-' and '_', which TOML accepts unquoted.
func isBareKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// formatKey writes one key segment: bare when possible, else quoted.
func formatKey(k string) string {
	if isBareKey(k) {
		return k
	}
	return quoteString(k)
}

// quoteString writes s as a TOML basic string.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
