package configedit

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// newFileMode is the permission of a config file created here: it may hold
// tokens and environment values.
const newFileMode fs.FileMode = 0o600

// ReadMCPServers returns the servers defined in the config file at path,
// sorted by name. A missing file defines none.
func ReadMCPServers(path string) ([]MCPServer, error) {
	f, err := readConfig(path)
	if err != nil {
		return nil, err
	}
	servers, err := ParseMCPServers(f.data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return servers, nil
}

// AddMCPServer defines srv in the config file at path, replacing any server
// of the same name (see SetMCPServer). The file and its directory are
// created when missing; a new file gets mode 0600, an existing one keeps its
// mode. The file is replaced atomically, and not at all on error.
func AddMCPServer(path string, srv MCPServer) error {
	f, err := readConfig(path)
	if err != nil {
		return err
	}
	out, err := SetMCPServer(f.data, srv)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if f.exists && bytes.Equal(out, f.data) {
		return nil
	}
	return writeConfig(path, out, f)
}

// RemoveMCPServer removes the server name from the config file at path (see
// DeleteMCPServer) and reports whether it was defined. The file is replaced
// atomically, and only when the server was defined.
func RemoveMCPServer(path, name string) (bool, error) {
	f, err := readConfig(path)
	if err != nil || !f.exists {
		return false, err
	}
	out, removed, err := DeleteMCPServer(f.data, name)
	if err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	if !removed {
		return false, nil
	}
	return true, writeConfig(path, out, f)
}

// configFile is the content of a config file as read.
type configFile struct {
	data   []byte
	exists bool
	// mode holds the permission bits of an existing file.
	mode fs.FileMode
}

// readConfig reads the file at path; a missing file is empty.
func readConfig(path string) (configFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return configFile{}, nil
	}
	if err != nil {
		return configFile{}, fmt.Errorf("read config: %w", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return configFile{}, fmt.Errorf("read config: %w", err)
	}
	return configFile{data: data, exists: true, mode: info.Mode().Perm()}, nil
}

// writeConfig replaces the file at path with data: it writes a temporary
// file in the same directory and renames it over the target, so readers see
// the old or the new content, never a mix. An existing file keeps its
// permission bits, a new one gets newFileMode. A symbolic link is followed
// and its target replaced.
func writeConfig(path string, data []byte, old configFile) error {
	mode := old.mode
	if !old.exists {
		mode = newFileMode
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return fmt.Errorf("create config directory: %w", err)
		}
	} else if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	defer func() {
		if tmp != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		tmp = nil
		return fmt.Errorf("write config: %w", err)
	}
	tmp = nil
	return nil
}
