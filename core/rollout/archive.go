package rollout

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// archivedDirName is the flat directory under $CODEX_HOME that archived
// rollouts are moved to.
const archivedDirName = "archived_sessions"

// Archive moves the rollout file of conversation conversationID to
// $CODEX_HOME/archived_sessions/ under the same file name, creating the
// directory when needed, and returns the new path.
//
// It refuses a path that is not inside $CODEX_HOME/sessions, both as
// written (after cleaning, so ".." cannot climb out) and once symbolic links
// are resolved on both sides (so a linked file or directory cannot point
// out of it); a file name that does not end in "-<conversationID>.jsonl"; a
// path that does not exist or is not a regular file; and a destination that
// already exists. When the path itself is a symbolic link to a rollout in
// sessions/, the file it points to is moved and the link removed.
func Archive(codexHome, conversationID, path string) (string, error) {
	notInSessions := fmt.Errorf("rollout path `%s` must be in sessions directory", path)
	sessions, err := filepath.Abs(filepath.Join(codexHome, sessionsDirName))
	if err != nil {
		return "", fmt.Errorf("archive rollout: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("archive rollout `%s`: %w", path, err)
	}
	realSessions, sessErr := filepath.EvalSymlinks(sessions)
	realPath, pathErr := filepath.EvalSymlinks(abs)
	if !within(sessions, abs) {
		// The same place may be reached through another name of $CODEX_HOME.
		if sessErr != nil || pathErr != nil || !within(realSessions, realPath) {
			return "", notInSessions
		}
	}
	suffix := "-" + conversationID + fileSuffix
	name := filepath.Base(abs)
	if conversationID == "" || !strings.HasSuffix(name, suffix) {
		return "", fmt.Errorf("rollout path `%s` does not belong to conversation `%s`", path, conversationID)
	}
	if pathErr != nil {
		if errors.Is(pathErr, fs.ErrNotExist) {
			return "", fmt.Errorf("rollout path `%s` does not exist", path)
		}
		return "", fmt.Errorf("archive rollout `%s`: %w", path, pathErr)
	}
	if sessErr != nil {
		return "", fmt.Errorf("archive rollout `%s`: %w", path, sessErr)
	}
	if !within(realSessions, realPath) {
		return "", fmt.Errorf("rollout path `%s` resolves to `%s`, outside the sessions directory", path, realPath)
	}
	info, err := os.Stat(realPath)
	if err != nil {
		return "", fmt.Errorf("archive rollout `%s`: %w", path, err)
	}
	if info.IsDir() {
		return "", fmt.Errorf("rollout path `%s` is a directory", path)
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("rollout path `%s` is not a regular file", path)
	}
	if !strings.HasSuffix(filepath.Base(realPath), suffix) {
		return "", fmt.Errorf("rollout path `%s` resolves to `%s`, which does not belong to conversation `%s`", path, realPath, conversationID)
	}
	linkInfo, err := os.Lstat(abs)
	if err != nil {
		return "", fmt.Errorf("archive rollout `%s`: %w", path, err)
	}

	dir := filepath.Join(codexHome, archivedDirName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create archive directory: %w", err)
	}
	dest := filepath.Join(dir, name)
	if _, err := os.Lstat(dest); err == nil {
		return "", fmt.Errorf("rollout `%s` is already archived at `%s`", path, dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("archive rollout `%s`: %w", path, err)
	}
	if err := os.Rename(realPath, dest); err != nil {
		return "", fmt.Errorf("archive rollout `%s`: %w", path, err)
	}
	if linkInfo.Mode()&fs.ModeSymlink != 0 {
		if err := os.Remove(abs); err != nil {
			return "", fmt.Errorf("archive rollout `%s`: remove link: %w", path, err)
		}
	}
	return dest, nil
}

// within reports whether p lies strictly inside dir. Both must be absolute
// and clean; the comparison is on whole path elements.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == "." || rel == ".." || filepath.IsAbs(rel) {
		return false
	}
	return !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
