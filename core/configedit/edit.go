package configedit

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SetMCPServer returns doc with the server srv.Name defined as srv: every
// definition of that server is removed and a [mcp_servers.NAME] table (and
// a [mcp_servers.NAME.env] table when srv.Env is not empty) is written where
// its first table was, or at the end of the document. The rest of doc is
// kept byte for byte. doc must be valid TOML; the result is checked to parse
// and to define the same values as doc apart from the server.
func SetMCPServer(doc []byte, srv MCPServer) ([]byte, error) {
	if err := checkServer(srv); err != nil {
		return nil, err
	}
	src := string(doc)
	before, err := decodeTree(doc)
	if err != nil {
		return nil, err
	}
	if v, ok := before[serversKey]; ok {
		if _, isTable := v.(map[string]any); !isTable {
			return nil, fmt.Errorf("%s: expected a table, got %s", serversKey, typeName(v))
		}
	}
	d, err := scanDocument(src)
	if err != nil {
		return nil, fmt.Errorf("scan config: %w", err)
	}
	p, err := planEdit(d, srv.Name)
	if err != nil {
		return nil, err
	}
	block := formatServer(srv, d.eol)
	var out string
	if len(p.sections) > 0 {
		first := p.sections[0]
		e := newEditor(d)
		e.replace(first.start, first.owned, block)
		for _, s := range p.sections[1:] {
			e.remove(s.start, s.withBlanks)
		}
		for _, s := range p.stmts {
			e.remove(s.start, s.end)
		}
		out = trimAddedTrailingBlanks(d, e.String())
	} else {
		e := newEditor(d)
		for _, s := range p.stmts {
			e.remove(s.start, s.end)
		}
		out = appendBlock(trimAddedTrailingBlanks(d, e.String()), block, d.eol)
	}

	want := normalizeServer(srv)
	if err := verifyEdit(before, out, srv.Name, &want); err != nil {
		return nil, err
	}
	return []byte(out), nil
}

// DeleteMCPServer returns doc without the server name, and whether it was
// defined. Its tables are removed with the blank lines that follow them,
// as are dotted keys or an inline table defining it under [mcp_servers];
// the rest of doc is kept byte for byte. doc must be valid TOML.
func DeleteMCPServer(doc []byte, name string) ([]byte, bool, error) {
	before, err := decodeTree(doc)
	if err != nil {
		return nil, false, err
	}
	servers, err := serverTables(before)
	if err != nil {
		return nil, false, err
	}
	if _, ok := servers[name]; !ok {
		return doc, false, nil
	}
	d, err := scanDocument(string(doc))
	if err != nil {
		return nil, false, fmt.Errorf("scan config: %w", err)
	}
	p, err := planEdit(d, name)
	if err != nil {
		return nil, false, err
	}
	e := newEditor(d)
	for _, s := range p.sections {
		e.remove(s.start, s.withBlanks)
	}
	for _, s := range p.stmts {
		e.remove(s.start, s.end)
	}
	out := trimAddedTrailingBlanks(d, e.String())
	if err := verifyEdit(before, out, name, nil); err != nil {
		return nil, false, err
	}
	return []byte(out), true, nil
}

// checkServer rejects servers that cannot be written.
func checkServer(srv MCPServer) error {
	if srv.Name == "" {
		return errors.New("empty server name")
	}
	if (srv.Command == "") == (srv.URL == "") {
		return errors.New("a server needs either a command or a url")
	}
	strs := []string{srv.Name, srv.Command, srv.URL, srv.BearerToken, srv.BearerTokenEnvVar,
		srv.OAuthResource, srv.OAuthClientID, srv.OAuthClientSecret}
	strs = append(strs, srv.Args...)
	for k, v := range srv.Env {
		strs = append(strs, k, v)
	}
	for _, s := range strs {
		if !utf8.ValidString(s) {
			return fmt.Errorf("%q is not valid UTF-8", s)
		}
	}
	for _, t := range []*float64{srv.StartupTimeoutSec, srv.ToolTimeoutSec} {
		if t != nil && (*t < 0 || math.IsNaN(*t) || math.IsInf(*t, 0)) {
			return fmt.Errorf("invalid timeout %v", *t)
		}
	}
	return nil
}

// section is a table header of the server and the lines its table owns:
// [start, owned) are the header, its key/value pairs and comments directly
// following them; [owned, withBlanks) the blank lines after that.
type section struct {
	start, owned, withBlanks int
}

// span is a range of lines, end exclusive.
type span struct{ start, end int }

// editPlan lists where a server is defined.
type editPlan struct {
	// sections are the tables [mcp_servers.NAME...] in document order.
	sections []section
	// stmts are key/value pairs defining the server outside its own
	// tables: `NAME = {...}` or `NAME.key = ...` under [mcp_servers], or
	// `mcp_servers.NAME.key = ...` at the top level.
	stmts []span
}

// planEdit finds the definitions of server name in d.
func planEdit(d *document, name string) (*editPlan, error) {
	target := []string{serversKey, name}
	p := &editPlan{}
	for i, st := range d.stmts {
		switch {
		case st.kind == stmtKeyValue && slices.Equal(st.path, target[:1]):
			return nil, fmt.Errorf("line %d: %s is written as an inline table; write each server as a [%s.NAME] table to edit it with this command",
				st.start+1, serversKey, serversKey)
		case !hasPrefix(st.path, target):
			continue
		case st.kind == stmtKeyValue:
			if !insideOwnSection(d, i, target) {
				p.stmts = append(p.stmts, span{st.start, st.end})
			}
		default:
			p.sections = append(p.sections, sectionAt(d, i))
		}
	}
	return p, nil
}

// hasPrefix reports whether path begins with prefix.
func hasPrefix(path, prefix []string) bool {
	return len(path) >= len(prefix) && slices.Equal(path[:len(prefix)], prefix)
}

// insideOwnSection reports whether the key/value pair d.stmts[i] lies in a
// table of the server, which is edited as a whole.
func insideOwnSection(d *document, i int, target []string) bool {
	for j := i - 1; j >= 0; j-- {
		if d.stmts[j].isHeader() {
			return hasPrefix(d.stmts[j].path, target)
		}
	}
	return false
}

// sectionAt measures the table opened by the header d.stmts[i]. Comment
// lines directly above the next header belong to that header and are kept.
func sectionAt(d *document, i int) section {
	next := len(d.lines)
	contentEnd := d.stmts[i].end
	for _, st := range d.stmts[i+1:] {
		if st.isHeader() {
			next = st.start
			break
		}
		contentEnd = st.end
	}
	owned := contentEnd
	for owned < next && !isBlank(d.lines[owned]) {
		owned++
	}
	if owned == next && next < len(d.lines) {
		owned = contentEnd
	}
	withBlanks := owned
	for withBlanks < next && isBlank(d.lines[withBlanks]) {
		withBlanks++
	}
	return section{start: d.stmts[i].start, owned: owned, withBlanks: withBlanks}
}

// isBlank reports whether a line holds only whitespace.
func isBlank(line string) bool { return strings.TrimSpace(line) == "" }

// editor rebuilds a document with some lines removed or replaced.
type editor struct {
	d      *document
	drop   []bool
	insert map[int]string
}

func newEditor(d *document) *editor {
	return &editor{d: d, drop: make([]bool, len(d.lines)), insert: map[int]string{}}
}

// remove drops lines [start, end).
func (e *editor) remove(start, end int) {
	for i := start; i < end; i++ {
		e.drop[i] = true
	}
}

// replace drops lines [start, end) and writes text in their place. text
// ends with a line terminator.
func (e *editor) replace(start, end int, text string) {
	e.remove(start, end)
	e.insert[start] = text
}

// String returns the edited text.
func (e *editor) String() string {
	var b strings.Builder
	for i, line := range e.d.lines {
		if text, ok := e.insert[i]; ok {
			b.WriteString(text)
		}
		if !e.drop[i] {
			b.WriteString(line)
		}
	}
	return b.String()
}

// trimAddedTrailingBlanks removes blank lines that a removal left at the end
// of the text, keeping as many as the original document ended with.
func trimAddedTrailingBlanks(d *document, out string) string {
	keep := trailingBlankLines(d.lines)
	lines := splitLines(out)
	n := trailingBlankLines(lines)
	if n <= keep {
		return out
	}
	return strings.Join(lines[:len(lines)-(n-keep)], "")
}

// trailingBlankLines counts the blank lines at the end of lines.
func trailingBlankLines(lines []string) int {
	n := 0
	for i := len(lines) - 1; i >= 0 && isBlank(lines[i]); i-- {
		n++
	}
	return n
}

// splitLines cuts s after each newline.
func splitLines(s string) []string {
	return strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n")
}

// appendBlock adds block at the end of text, separated from what comes
// before by one blank line.
func appendBlock(text, block, eol string) string {
	if text == "" {
		return block
	}
	if !strings.HasSuffix(text, "\n") {
		text += eol
	}
	lines := splitLines(text)
	if !isBlank(lines[len(lines)-1]) {
		text += eol
	}
	return text + block
}

// formatServer writes the tables of srv, each line ended with eol.
func formatServer(srv MCPServer, eol string) string {
	var b strings.Builder
	line := func(format string, args ...any) {
		fmt.Fprintf(&b, format, args...)
		b.WriteString(eol)
	}
	header := serversKey + "." + formatKey(srv.Name)
	line("[%s]", header)
	if srv.Command != "" {
		line("command = %s", quoteString(srv.Command))
	}
	if len(srv.Args) > 0 {
		quoted := make([]string, len(srv.Args))
		for i, a := range srv.Args {
			quoted[i] = quoteString(a)
		}
		line("args = [%s]", strings.Join(quoted, ", "))
	}
	if srv.URL != "" {
		line("url = %s", quoteString(srv.URL))
	}
	if srv.BearerToken != "" {
		line("bearer_token = %s", quoteString(srv.BearerToken))
	}
	if srv.BearerTokenEnvVar != "" {
		line("bearer_token_env_var = %s", quoteString(srv.BearerTokenEnvVar))
	}
	if srv.OAuthResource != "" {
		line("oauth_resource = %s", quoteString(srv.OAuthResource))
	}
	if srv.StartupTimeoutSec != nil {
		line("startup_timeout_sec = %s", formatFloat(*srv.StartupTimeoutSec))
	}
	if srv.ToolTimeoutSec != nil {
		line("tool_timeout_sec = %s", formatFloat(*srv.ToolTimeoutSec))
	}
	if len(srv.Env) > 0 {
		b.WriteString(eol)
		line("[%s.env]", header)
		for _, k := range slices.Sorted(maps.Keys(srv.Env)) {
			line("%s = %s", formatKey(k), quoteString(srv.Env[k]))
		}
	}
	if srv.OAuthClientID != "" || srv.OAuthClientSecret != "" {
		b.WriteString(eol)
		line("[%s.oauth]", header)
		if srv.OAuthClientID != "" {
			line("client_id = %s", quoteString(srv.OAuthClientID))
		}
		if srv.OAuthClientSecret != "" {
			line("client_secret = %s", quoteString(srv.OAuthClientSecret))
		}
	}
	return b.String()
}

// formatFloat writes a TOML float, always with a fraction or an exponent.
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// normalizeServer returns srv as it reads back from the file: empty lists
// and tables are not written.
func normalizeServer(srv MCPServer) MCPServer {
	if len(srv.Args) == 0 {
		srv.Args = nil
	}
	if len(srv.Env) == 0 {
		srv.Env = nil
	}
	return srv
}

// verifyEdit checks an edited text: it must parse, define server name as
// want (or not at all when want is nil), and hold exactly the same values
// as before apart from that server.
func verifyEdit(before map[string]any, out, name string, want *MCPServer) error {
	after, err := decodeTree([]byte(out))
	if err != nil {
		return fmt.Errorf("the edited config does not parse (%w); nothing was written", err)
	}
	servers, err := serverTables(after)
	if err != nil {
		return fmt.Errorf("the edited config is wrong (%w); nothing was written", err)
	}
	got, ok := servers[name]
	switch {
	case want == nil && ok:
		return fmt.Errorf("the edited config still defines %s.%s; nothing was written", serversKey, formatKey(name))
	case want != nil && !ok:
		return fmt.Errorf("the edited config does not define %s.%s; nothing was written", serversKey, formatKey(name))
	case want != nil:
		srv, err := decodeServer(name, got)
		if err != nil {
			return fmt.Errorf("the edited config is wrong (%w); nothing was written", err)
		}
		if !sameServer(normalizeServer(srv), *want) {
			return fmt.Errorf("%s.%s does not read back as written; nothing was written", serversKey, formatKey(name))
		}
	}
	if !sameValue(withoutServer(before, name), withoutServer(after, name)) {
		return fmt.Errorf("editing %s.%s would change other settings; nothing was written", serversKey, formatKey(name))
	}
	return nil
}

// sameServer compares two servers field by field.
func sameServer(a, b MCPServer) bool {
	samePtr := func(x, y *float64) bool {
		return (x == nil) == (y == nil) && (x == nil || *x == *y)
	}
	return a.Name == b.Name && a.Command == b.Command && slices.Equal(a.Args, b.Args) &&
		maps.Equal(a.Env, b.Env) && a.URL == b.URL && a.BearerToken == b.BearerToken &&
		a.BearerTokenEnvVar == b.BearerTokenEnvVar && a.OAuthResource == b.OAuthResource &&
		a.OAuthClientID == b.OAuthClientID && a.OAuthClientSecret == b.OAuthClientSecret &&
		samePtr(a.StartupTimeoutSec, b.StartupTimeoutSec) && samePtr(a.ToolTimeoutSec, b.ToolTimeoutSec)
}

// withoutServer returns a shallow copy of tree without mcp_servers.name,
// and without mcp_servers when nothing else is left in it.
func withoutServer(tree map[string]any, name string) map[string]any {
	out := maps.Clone(tree)
	servers, ok := out[serversKey].(map[string]any)
	if !ok {
		return out
	}
	servers = maps.Clone(servers)
	delete(servers, name)
	if len(servers) == 0 {
		delete(out, serversKey)
	} else {
		out[serversKey] = servers
	}
	return out
}

// sameValue compares decoded TOML values; NaN equals NaN.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	case []map[string]any:
		y, ok := b.([]map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || math.IsNaN(x) && math.IsNaN(y))
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y) && x.Location().String() == y.Location().String()
	default:
		return a == b
	}
}
