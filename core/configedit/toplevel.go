package configedit

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// StringSetting is one string-valued key of a table in config.toml, such as
// the top-level `model`: Value replaces the key's value, or a nil Value
// removes the key.
type StringSetting struct {
	// Key is a single key, e.g. "model" (not a dotted path).
	Key string
	// Value is the new value; nil removes the key.
	Value *string
}

// SetStringSettings returns doc with settings applied to the table at path
// table: the top level when table is empty, e.g. []string{"profiles", "p1"}
// for [profiles.p1]. doc must be valid TOML.
//
// A key already defined is rewritten on its own lines, as `key = "value"`
// (spelled relative to the table it appears in), and removed with its lines
// when its Value is nil; any comment on those lines goes with it. A new key
// is written after the last key of the table: for the top level that is
// before the first table header (at the very beginning when there is no
// top-level key), for another table after its last key/value pair or its
// header. A table that has no header of its own is added at the end of the
// document. Every other line is kept byte for byte. The result is parsed
// again and must hold exactly the values of doc with the settings applied;
// otherwise an error is returned (for instance when the table is written as
// an inline table, which cannot be extended this way).
func SetStringSettings(doc []byte, table []string, settings []StringSetting) ([]byte, error) {
	if err := topCheckSettings(table, settings); err != nil {
		return nil, err
	}
	before, err := decodeTree(doc)
	if err != nil {
		return nil, err
	}
	want, err := topApplyToTree(before, table, settings)
	if err != nil {
		return nil, err
	}
	d, err := scanDocument(string(doc))
	if err != nil {
		return nil, fmt.Errorf("scan config: %w", err)
	}

	var ops []topOp
	var missing []StringSetting
	for _, set := range settings {
		path := append(slices.Clone(table), set.Key)
		idx := topFindKey(d, path)
		switch {
		case idx < 0 && set.Value == nil:
			// Nothing to remove.
		case idx < 0:
			missing = append(missing, set)
		case set.Value == nil:
			st := d.stmts[idx]
			ops = append(ops, topOp{start: st.start, end: st.end})
		default:
			st := d.stmts[idx]
			rel := path[len(topEnclosingTable(d, idx)):]
			ops = append(ops, topOp{start: st.start, end: st.end, text: topLine(rel, *set.Value, d.eol)})
		}
	}

	out := topApply(d, ops)
	if len(missing) > 0 {
		var block strings.Builder
		for _, set := range missing {
			block.WriteString(topLine([]string{set.Key}, *set.Value, d.eol))
		}
		if at, ok := topInsertionLine(d, table); ok {
			out = topApply(d, append(ops, topOp{start: at, end: at, text: block.String()}))
		} else {
			out = appendBlock(out, "["+topFormatPath(table)+"]"+d.eol+block.String(), d.eol)
		}
	}

	after, err := decodeTree([]byte(out))
	if err != nil {
		return nil, fmt.Errorf("edited config does not parse (%v); nothing was changed", err)
	}
	if !sameValue(map[string]any(want), map[string]any(after)) {
		return nil, errors.New("edited config would change other settings; nothing was changed")
	}
	return []byte(out), nil
}

// WriteStringSettings applies SetStringSettings to the config file at path.
// A missing file is created (mode 0600) unless every setting is a removal;
// an existing file keeps its mode and is replaced atomically, and only when
// its content changes.
func WriteStringSettings(path string, table []string, settings []StringSetting) error {
	f, err := readConfig(path)
	if err != nil {
		return err
	}
	out, err := SetStringSettings(f.data, table, settings)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if bytes.Equal(out, f.data) && (f.exists || len(out) == 0) {
		return nil
	}
	return writeConfig(path, out, f)
}

// topOp replaces lines [start, end) of a document with text; start == end
// inserts text before line start.
type topOp struct {
	start, end int
	text       string
}

// topCheckSettings rejects empty names and keys given twice.
func topCheckSettings(table []string, settings []StringSetting) error {
	for _, part := range table {
		if part == "" {
			return errors.New("empty table name")
		}
	}
	seen := map[string]bool{}
	for _, set := range settings {
		if set.Key == "" {
			return errors.New("empty key")
		}
		if seen[set.Key] {
			return fmt.Errorf("key %q given twice", set.Key)
		}
		seen[set.Key] = true
	}
	return nil
}

// topApplyToTree returns a copy of tree with settings applied to the table
// at path table, creating the table when needed. It fails when something
// other than a table is in the way.
func topApplyToTree(tree map[string]any, table []string, settings []StringSetting) (map[string]any, error) {
	out := topCloneTree(tree)
	cur := out
	for i, part := range table {
		next, ok := cur[part]
		if !ok {
			m := map[string]any{}
			cur[part] = m
			cur = m
			continue
		}
		m, isTable := next.(map[string]any)
		if !isTable {
			return nil, fmt.Errorf("%s: expected a table, got %s", topFormatPath(table[:i+1]), typeName(next))
		}
		cur = m
	}
	for _, set := range settings {
		if old, ok := cur[set.Key]; ok {
			if _, isTable := old.(map[string]any); isTable {
				return nil, fmt.Errorf("%s: is a table, not a string", topFormatPath(append(slices.Clone(table), set.Key)))
			}
		}
		if set.Value == nil {
			delete(cur, set.Key)
		} else {
			cur[set.Key] = *set.Value
		}
	}
	return out, nil
}

// topCloneTree copies the tables of a decoded document; other values are
// shared, as they are not modified.
func topCloneTree(tree map[string]any) map[string]any {
	out := maps.Clone(tree)
	for k, v := range out {
		if m, ok := v.(map[string]any); ok {
			out[k] = topCloneTree(m)
		}
	}
	return out
}

// topFindKey returns the index of the key/value statement defining path,
// or -1.
func topFindKey(d *document, path []string) int {
	for i, st := range d.stmts {
		if st.kind == stmtKeyValue && slices.Equal(st.path, path) {
			return i
		}
	}
	return -1
}

// topEnclosingTable returns the path of the table header that statement i
// falls under, nil for the top level.
func topEnclosingTable(d *document, i int) []string {
	for j := i - 1; j >= 0; j-- {
		if d.stmts[j].isHeader() {
			return d.stmts[j].path
		}
	}
	return nil
}

// topInsertionLine returns the line before which new keys of the table at
// path table are written, and false when the table has no header to write
// them under.
func topInsertionLine(d *document, table []string) (int, bool) {
	section := -1 // index of the table's header; -1 for the top level
	if len(table) > 0 {
		for i, st := range d.stmts {
			if st.kind == stmtTable && slices.Equal(st.path, table) {
				section = i
				break
			}
		}
		if section < 0 {
			return 0, false
		}
	}
	line := 0
	if section >= 0 {
		line = d.stmts[section].end
	}
	for i := section + 1; i < len(d.stmts) && !d.stmts[i].isHeader(); i++ {
		line = d.stmts[i].end
	}
	return line, true
}

// topApply returns the lines of d with ops applied. ops must not overlap.
func topApply(d *document, ops []topOp) string {
	sorted := slices.Clone(ops)
	slices.SortStableFunc(sorted, func(a, b topOp) int { return a.start - b.start })
	var b strings.Builder
	line := 0
	for _, op := range sorted {
		for ; line < op.start; line++ {
			b.WriteString(d.lines[line])
		}
		text := op.text
		if text != "" {
			// Text written after a last line that has no terminator starts
			// on a line of its own; text replacing that last line keeps it
			// unterminated.
			if op.start == op.end && op.start == len(d.lines) && op.start > 0 && !strings.HasSuffix(d.lines[op.start-1], "\n") {
				text = d.eol + text
			}
			if op.end == len(d.lines) && op.end > op.start && !strings.HasSuffix(d.lines[op.end-1], "\n") {
				text = strings.TrimSuffix(text, d.eol)
			}
		}
		b.WriteString(text)
		line = max(line, op.end)
	}
	for ; line < len(d.lines); line++ {
		b.WriteString(d.lines[line])
	}
	return b.String()
}

// topLine writes `key = "value"` followed by eol; key is a dotted path.
func topLine(key []string, value, eol string) string {
	return topFormatPath(key) + " = " + quoteString(value) + eol
}

// topFormatPath writes a dotted key, quoting the parts that need it.
func topFormatPath(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = formatKey(p)
	}
	return strings.Join(parts, ".")
}
