// Package auth reads and writes $CODEX_HOME/auth.json, the stored credentials,
// and runs the browser sign-in that produces ChatGPT tokens.
package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// FileName is the credentials file inside CODEX_HOME.
const FileName = "auth.json"

// Authentication methods reported by File.Method (the wire values of
// getAuthStatus.authMethod and authStatusChange.authMethod).
const (
	// AuthMethodAPIKey means an OpenAI API key is stored.
	AuthMethodAPIKey = "apikey"
	// AuthMethodChatGPT means ChatGPT sign-in tokens are stored.
	AuthMethodChatGPT = "chatgpt"
)

// Tokens are the tokens of a ChatGPT sign-in.
type Tokens struct {
	// IDToken is the OpenID Connect id token (a JWT).
	IDToken string `json:"id_token"`
	// AccessToken is the bearer token.
	AccessToken string `json:"access_token"`
	// RefreshToken renews the access token.
	RefreshToken string `json:"refresh_token"`
	// AccountID is the ChatGPT account.
	AccountID string `json:"account_id,omitempty"`
}

// File is the content of auth.json.
type File struct {
	// OpenAIAPIKey is an API key saved by loginApiKey.
	OpenAIAPIKey *string `json:"OPENAI_API_KEY"`
	// Tokens are set after a ChatGPT sign-in.
	Tokens *Tokens `json:"tokens,omitempty"`
	// LastRefresh is when the tokens were last renewed (RFC 3339).
	LastRefresh *string `json:"last_refresh,omitempty"`
}

// Path returns the credentials file path for codexHome.
func Path(codexHome string) string { return filepath.Join(codexHome, FileName) }

// Load reads auth.json; a missing file gives (nil, nil).
func Load(codexHome string) (*File, error) {
	data, err := os.ReadFile(Path(codexHome))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", Path(codexHome), err)
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parse %s: %w", Path(codexHome), err)
	}
	return &f, nil
}

// Save replaces auth.json in codexHome with f. CODEX_HOME is created (0700)
// when missing. The content goes to a temporary file created with mode 0600
// in the same directory, which is then renamed over auth.json, so the
// credentials are never readable by other users, not even briefly, and a
// reader never sees a half-written file.
func Save(codexHome string, f *File) error {
	if f == nil {
		return errors.New("save credentials: nil file")
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode credentials: %w", err)
	}
	data = append(data, '\n')
	if err := os.MkdirAll(codexHome, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", codexHome, err)
	}
	return writeFileAtomic(Path(codexHome), data)
}

// writeFileAtomic writes data to path through a 0600 temporary file in the
// same directory and a rename.
func writeFileAtomic(path string, data []byte) (err error) {
	// os.CreateTemp creates the file with mode 0600 (less if the umask
	// removes more), so there is no moment with wider permissions.
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	// Pin the mode explicitly: a restrictive umask must not make the file
	// unreadable for its owner either.
	if err = tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("chmod %s: %w", tmpName, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmpName, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmpName, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmpName, err)
	}
	if err = os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}

// SaveAPIKey replaces auth.json with one holding only key as OPENAI_API_KEY
// (any ChatGPT tokens are dropped). The file has mode 0600.
func SaveAPIKey(codexHome, key string) error {
	if key == "" {
		return errors.New("save API key: empty key")
	}
	return Save(codexHome, &File{OpenAIAPIKey: &key})
}

// Logout removes auth.json, whatever it holds (API key or tokens). It reports
// whether a file was removed; a missing file is not an error.
func Logout(codexHome string) (bool, error) {
	err := os.Remove(Path(codexHome))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("remove %s: %w", Path(codexHome), err)
	}
	return true, nil
}

// BearerToken returns the token to send to an OpenAI provider from stored
// credentials: the saved API key, else the ChatGPT access token; "" when none.
// It is also the token getAuthStatus shows when asked to include it.
func (f *File) BearerToken() string {
	if f == nil {
		return ""
	}
	if f.OpenAIAPIKey != nil && *f.OpenAIAPIKey != "" {
		return *f.OpenAIAPIKey
	}
	if f.Tokens != nil {
		return f.Tokens.AccessToken
	}
	return ""
}

// Method returns how the stored credentials authenticate, matching
// BearerToken: AuthMethodAPIKey when an API key is saved, else
// AuthMethodChatGPT when ChatGPT tokens are saved, else "" (also for a nil
// File, i.e. no auth.json).
func (f *File) Method() string {
	switch {
	case f == nil:
		return ""
	case f.OpenAIAPIKey != nil && *f.OpenAIAPIKey != "":
		return AuthMethodAPIKey
	case f.Tokens != nil && f.Tokens.AccessToken != "":
		return AuthMethodChatGPT
	default:
		return ""
	}
}

// Email returns the "email" claim of the stored id token, "" when there is
// no token or no such claim. The token's signature is NOT verified: the value
// is for display only and must not be used for access decisions.
func (f *File) Email() string {
	if f == nil || f.Tokens == nil || f.Tokens.IDToken == "" {
		return ""
	}
	claims, err := ParseIDToken(f.Tokens.IDToken)
	if err != nil {
		return ""
	}
	return claims.Email
}
