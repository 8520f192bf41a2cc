package protocol

import (
	"encoding/json"
	"fmt"
)

// FileChange is one file's part of a patch. On the wire it is an object with a
// single key naming the kind: {"add":{...}}, {"delete":{...}} or {"update":{...}}.
type FileChange struct {
	// Add is set when the file is created.
	Add *FileAdd
	// Delete is set when the file is removed.
	Delete *FileDelete
	// Update is set when the file is edited (and possibly moved).
	Update *FileUpdate
}

// FileAdd describes a created file.
type FileAdd struct {
	// Content is the whole new file.
	Content string `json:"content"`
}

// FileDelete describes a removed file.
type FileDelete struct {
	// Content is what the file held before it was removed.
	Content string `json:"content"`
}

// FileUpdate describes an edited file.
type FileUpdate struct {
	// UnifiedDiff is the change as a unified diff.
	UnifiedDiff string `json:"unified_diff"`
	// MovePath is the new path when the file is also moved.
	MovePath *string `json:"move_path"`
}

// MarshalJSON writes the single-key form.
func (c FileChange) MarshalJSON() ([]byte, error) {
	switch {
	case c.Add != nil:
		return Marshal(map[string]*FileAdd{"add": c.Add})
	case c.Delete != nil:
		return Marshal(map[string]*FileDelete{"delete": c.Delete})
	case c.Update != nil:
		return Marshal(map[string]*FileUpdate{"update": c.Update})
	}
	return nil, fmt.Errorf("empty file change")
}

// UnmarshalJSON reads the single-key form.
func (c *FileChange) UnmarshalJSON(data []byte) error {
	var raw struct {
		Add    *FileAdd    `json:"add"`
		Delete *FileDelete `json:"delete"`
		Update *FileUpdate `json:"update"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	n := 0
	for _, set := range []bool{raw.Add != nil, raw.Delete != nil, raw.Update != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("file change must have exactly one of add, delete, update")
	}
	*c = FileChange{Add: raw.Add, Delete: raw.Delete, Update: raw.Update}
	return nil
}
