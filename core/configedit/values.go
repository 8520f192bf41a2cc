package configedit

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/codex-go/codex/core/config"
)

// ValueEdit is one change of SetValues: the value at a key path is set, or
// removed.
type ValueEdit struct {
	// Path is the key path, e.g. ["sandbox_workspace_write", "network_access"].
	Path []string
	// Value is a TOML value as BurntSushi/toml decodes them (string, bool,
	// int64, float64, time.Time, []any, map[string]any); nil removes the
	// key and everything below it.
	Value any
	// Merge, for a table Value, keeps the keys of the existing table that
	// Value does not name (an upsert); otherwise the table is replaced.
	Merge bool
}

// PathError is an edit that cannot be made because of its key path.
type PathError struct {
	// Path is the key path of the edit.
	Path []string
	// Msg says what is wrong.
	Msg string
}

// Error implements error.
func (e *PathError) Error() string {
	return fmt.Sprintf("key %q: %s", strings.Join(e.Path, "."), e.Msg)
}

// SetValues returns doc with edits applied in order, changing as little of
// the text as it can: a key already written is rewritten on its own lines
// (keeping its indentation and a comment at the end of its line), a new key
// goes after the last key of its table (a new table is added at the end of
// the document), a removed key takes its lines with it, a removed table its
// sections. Comments, blank lines and the order of everything else are kept
// byte for byte. A table value is written key by key, so the table keeps
// its place and its comments; a value under a key written as an inline
// table rewrites that inline table. The result is parsed again and must
// hold exactly the values of doc with the edits applied; otherwise nothing
// is returned but an error.
func SetValues(doc []byte, edits []ValueEdit) ([]byte, error) {
	before, err := decodeTree(doc)
	if err != nil {
		return nil, err
	}
	want := topCloneTree(before)
	for _, e := range edits {
		if err := checkPath(e.Path); err != nil {
			return nil, err
		}
		if err := applyToTree(want, e); err != nil {
			return nil, err
		}
	}
	text := string(doc)
	for _, e := range edits {
		for _, op := range leafOps(e, text) {
			if text, err = applyOp(text, op); err != nil {
				return nil, err
			}
		}
	}
	after, err := decodeTree([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("edited config does not parse (%v); nothing was changed", err)
	}
	if !sameValue(normalizeValue(want), normalizeValue(after)) {
		return nil, errors.New("edited config would not hold the values asked for; nothing was changed")
	}
	return []byte(text), nil
}

// WriteValues applies SetValues to the config file at path. check, when
// not nil, sees the current content and the edited one before anything is
// written, and may refuse the edit (for a version check or a validation)
// with an error that WriteValues returns as it is. A missing file is
// created with mode 0600; an existing one keeps its mode and is replaced
// atomically, and only when its content changes. It returns the content of
// the file afterwards.
func WriteValues(path string, edits []ValueEdit, check func(current, edited []byte) error) ([]byte, error) {
	f, err := readConfig(path)
	if err != nil {
		return nil, err
	}
	out, err := SetValues(f.data, edits)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(f.data, out); err != nil {
			return nil, err
		}
	}
	if bytes.Equal(out, f.data) && (f.exists || len(out) == 0) {
		return out, nil
	}
	return out, writeConfig(path, out, f)
}

// checkPath rejects empty key paths and segments.
func checkPath(path []string) error {
	if len(path) == 0 {
		return &PathError{Path: path, Msg: "empty key path"}
	}
	for _, p := range path {
		if p == "" {
			return &PathError{Path: path, Msg: "empty key segment"}
		}
	}
	return nil
}

// applyToTree makes edit e on a decoded document.
func applyToTree(tree map[string]any, e ValueEdit) error {
	parent, err := parentTable(tree, e.Path, e.Value != nil)
	if err != nil || parent == nil {
		return err
	}
	key := e.Path[len(e.Path)-1]
	switch v := e.Value.(type) {
	case nil:
		delete(parent, key)
	case map[string]any:
		old, isTable := parent[key].(map[string]any)
		if !e.Merge || !isTable {
			parent[key] = cloneTOML(v)
			return nil
		}
		mergeInto(old, v)
	default:
		parent[key] = cloneTOML(v)
	}
	return nil
}

// mergeInto copies src into dst, merging tables key by key.
func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		sub, isTable := v.(map[string]any)
		old, oldTable := dst[k].(map[string]any)
		if isTable && oldTable {
			mergeInto(old, sub)
			continue
		}
		dst[k] = cloneTOML(v)
	}
}

// parentTable returns the table holding the last key of path, creating
// missing tables when create is set (nil when missing otherwise). A value
// in the way that is not a table is an error.
func parentTable(tree map[string]any, path []string, create bool) (map[string]any, error) {
	cur := tree
	for i, part := range path[:len(path)-1] {
		next, ok := cur[part]
		if !ok {
			if !create {
				return nil, nil
			}
			m := map[string]any{}
			cur[part] = m
			cur = m
			continue
		}
		m, isTable := next.(map[string]any)
		if !isTable {
			return nil, &PathError{Path: path, Msg: fmt.Sprintf("%s is %s, not a table", strings.Join(path[:i+1], "."), typeName(next))}
		}
		cur = m
	}
	return cur, nil
}

// cloneTOML deep-copies tables and arrays.
func cloneTOML(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneTOML(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneTOML(e)
		}
		return out
	}
	return v
}

// normalizeValue turns arrays of tables into plain arrays, so that an
// array written inline compares equal to the same array decoded from
// [[...]] sections.
func normalizeValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalizeValue(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeValue(e)
		}
		return out
	}
	return v
}

// leafOp sets (value != nil) or removes one key of the text. ensure asks
// for an empty table at path when nothing defines it.
type leafOp struct {
	path   []string
	value  any
	ensure bool
}

// leafOps breaks edit e into changes of single keys against the document
// text, in order: a table value becomes one change per key below it, and
// replacing a table first removes the keys the new value does not have.
func leafOps(e ValueEdit, text string) []leafOp {
	table, isTable := e.Value.(map[string]any)
	if !isTable {
		return []leafOp{{path: e.Path, value: e.Value}}
	}
	var ops []leafOp
	if tree, err := decodeTree([]byte(text)); err == nil {
		if old, ok := config.LookupPath(tree, e.Path); ok {
			oldTable, wasTable := old.(map[string]any)
			switch {
			case !wasTable:
				ops = append(ops, leafOp{path: e.Path})
			case !e.Merge:
				for _, l := range leaves(e.Path, oldTable) {
					if _, keep := config.LookupPath(table, l.path[len(e.Path):]); !keep {
						ops = append(ops, leafOp{path: l.path})
					}
				}
			}
		}
	}
	for _, l := range leaves(e.Path, table) {
		ops = append(ops, leafOp{path: l.path, value: l.value})
	}
	ops = append(ops, leafOp{path: e.Path, ensure: true})
	return ops
}

// leaf is a value that is not a table, with its path.
type leaf struct {
	path  []string
	value any
}

// leaves lists the values below table, which is at path, in key order.
func leaves(path []string, table map[string]any) []leaf {
	var out []leaf
	for _, k := range slices.Sorted(maps.Keys(table)) {
		p := append(slices.Clone(path), k)
		if sub, ok := table[k].(map[string]any); ok && len(sub) > 0 {
			out = append(out, leaves(p, sub)...)
			continue
		}
		out = append(out, leaf{path: p, value: table[k]})
	}
	return out
}

// applyOp makes one key change to text.
func applyOp(text string, op leafOp) (string, error) {
	tree, err := decodeTree([]byte(text))
	if err != nil {
		return "", err
	}
	if _, err := parentTable(tree, op.path, op.value != nil || op.ensure); err != nil {
		return "", err
	}
	d, err := scanDocument(text)
	if err != nil {
		return "", fmt.Errorf("scan config: %w", err)
	}
	if op.ensure {
		if _, ok := config.LookupPath(tree, op.path); ok {
			return text, nil
		}
		return appendBlock(text, "["+topFormatPath(op.path)+"]"+d.eol, d.eol), nil
	}
	if op.value == nil {
		if _, ok := config.LookupPath(tree, op.path); !ok {
			return text, nil
		}
	}
	if i := findStmt(d, op.path); i >= 0 {
		st := d.stmts[i]
		if op.value == nil {
			return topApply(d, []topOp{{start: st.start, end: st.end}}), nil
		}
		return topApply(d, []topOp{{start: st.start, end: st.end, text: rewriteLine(d, i, op.value)}}), nil
	}
	if i := inlineAncestor(d, op.path); i >= 0 {
		st := d.stmts[i]
		next := topCloneTree(tree)
		if err := applyToTree(next, ValueEdit{Path: op.path, Value: op.value}); err != nil {
			return "", err
		}
		v, _ := config.LookupPath(next, st.path)
		return topApply(d, []topOp{{start: st.start, end: st.end, text: rewriteLine(d, i, v)}}), nil
	}
	// What defines the key now is a table, or nothing: drop it all.
	text = removeDefinitions(d, op.path)
	if op.value == nil {
		return text, nil
	}
	if d, err = scanDocument(text); err != nil {
		return "", fmt.Errorf("scan config: %w", err)
	}
	return insertKey(d, op.path, op.value), nil
}

// findStmt returns the index of the key/value statement of exactly path.
func findStmt(d *document, path []string) int { return topFindKey(d, path) }

// inlineAncestor returns the index of a key/value statement defining a
// table above path as one value (an inline table), or -1.
func inlineAncestor(d *document, path []string) int {
	for i, st := range d.stmts {
		if st.kind == stmtKeyValue && len(st.path) < len(path) && hasPrefix(path, st.path) {
			return i
		}
	}
	return -1
}

// removeDefinitions drops every statement at or below path: its table
// sections with the blank lines after them, and key/value pairs.
func removeDefinitions(d *document, path []string) string {
	e := newEditor(d)
	for i, st := range d.stmts {
		if !hasPrefix(st.path, path) {
			continue
		}
		if st.isHeader() {
			s := sectionAt(d, i)
			e.remove(s.start, s.withBlanks)
		} else {
			e.remove(st.start, st.end)
		}
	}
	return trimAddedTrailingBlanks(d, e.String())
}

// rewriteLine writes statement i again with value v, keeping the
// indentation, the key as spelled relative to its table, and a comment at
// the end of a one-line statement.
func rewriteLine(d *document, i int, v any) string {
	st := d.stmts[i]
	line := d.lines[st.start]
	indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
	rel := st.path[len(topEnclosingTable(d, i)):]
	comment := ""
	if st.end-st.start == 1 {
		comment = trailingComment(line)
	}
	return indent + topFormatPath(rel) + " = " + formatValue(v) + comment + d.eol
}

// trailingComment returns " # ..." when the one-line key/value pair line
// ends with a comment, else "".
func trailingComment(line string) string {
	l := &lexer{src: strings.TrimRight(line, "\r\n")}
	l.skipSpace()
	if _, err := l.key(); err != nil {
		return ""
	}
	l.skipSpace()
	if l.peek() != '=' {
		return ""
	}
	l.pos++
	l.skipSpace()
	if err := l.value(); err != nil {
		return ""
	}
	rest := strings.TrimLeft(l.src[l.pos:], " \t")
	if !strings.HasPrefix(rest, "#") {
		return ""
	}
	return " " + rest
}

// insertKey writes `key = value` for a path nothing defines: under the
// header of its table, else next to keys of that table written as dotted
// keys, else in a new table section at the end.
func insertKey(d *document, path []string, v any) string {
	parent := path[:len(path)-1]
	line := func(rel []string) string { return topFormatPath(rel) + " = " + formatValue(v) + d.eol }
	if at, ok := topInsertionLine(d, parent); ok {
		text := line(path[len(parent):])
		if len(parent) == 0 && startsHeader(d, at) {
			// Keep new top-level keys apart from the table that follows.
			text += d.eol
		}
		return topApply(d, []topOp{{start: at, end: at, text: text}})
	}
	last, enclosing := -1, []string(nil)
	for i, st := range d.stmts {
		if st.kind != stmtKeyValue || len(st.path) <= len(parent) || !hasPrefix(st.path, parent) {
			continue
		}
		enc := topEnclosingTable(d, i)
		if hasPrefix(parent, enc) && headerKind(d, i) != stmtArrayTable {
			last, enclosing = i, enc
		}
	}
	if last >= 0 {
		at := d.stmts[last].end
		return topApply(d, []topOp{{start: at, end: at, text: line(path[len(enclosing):])}})
	}
	return appendBlock(topApply(d, nil), "["+topFormatPath(parent)+"]"+d.eol+line(path[len(parent):]), d.eol)
}

// startsHeader reports whether a table header begins on line n.
func startsHeader(d *document, n int) bool {
	for _, st := range d.stmts {
		if st.start == n {
			return st.isHeader()
		}
	}
	return false
}

// headerKind returns the kind of the header statement i falls under
// (stmtTable for the top level).
func headerKind(d *document, i int) stmtKind {
	for j := i - 1; j >= 0; j-- {
		if d.stmts[j].isHeader() {
			return d.stmts[j].kind
		}
	}
	return stmtTable
}

// formatValue writes a TOML value on one line: tables as inline tables.
func formatValue(v any) string {
	switch x := v.(type) {
	case string:
		return quoteString(x)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		switch {
		case math.IsNaN(x):
			return "nan"
		case math.IsInf(x, 1):
			return "inf"
		case math.IsInf(x, -1):
			return "-inf"
		}
		return formatFloat(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []map[string]any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		if len(x) == 0 {
			return "{}"
		}
		parts := make([]string, 0, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			parts = append(parts, formatKey(k)+" = "+formatValue(x[k]))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return quoteString(fmt.Sprint(v))
}
