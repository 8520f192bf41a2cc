// Package auth reads and writes $CODEX_HOME/auth.json, the stored credentials.
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

// BearerToken returns the token to send to an OpenAI provider from stored
// credentials: the saved API key, else the ChatGPT access token; "" when none.
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
