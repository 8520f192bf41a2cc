package mcpauth

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// CredentialsFileName is the name of the token file under CODEX_HOME.
const CredentialsFileName = ".credentials.json"

const (
	// fileMode is the permission of the token file: it holds secrets.
	fileMode fs.FileMode = 0o600
	// maxCredentialsFile bounds how much of the token file is read.
	maxCredentialsFile = 16 << 20
	// refreshSkew is how long before its expiry an access token is
	// refreshed, so that a request does not carry a token that expires on
	// the way.
	refreshSkew = 30 * time.Second
)

// Credentials are the tokens stored for one MCP server. The JSON names of
// the first members are those of the reference CLI's file store; the
// members after Scopes are additions it ignores.
type Credentials struct {
	// ServerName is the name of the [mcp_servers] entry.
	ServerName string `json:"server_name"`
	// ServerURL is the server's url when the tokens were obtained.
	ServerURL string `json:"server_url"`
	// Issuer is the authorization server that issued the tokens.
	Issuer string `json:"issuer,omitempty"`
	// ClientID is the OAuth client the tokens were issued to.
	ClientID string `json:"client_id"`
	// AccessToken is sent as the bearer token.
	AccessToken string `json:"access_token"`
	// ExpiresAt is when AccessToken expires, in milliseconds since the Unix
	// epoch; nil when the authorization server did not say.
	ExpiresAt *int64 `json:"expires_at"`
	// RefreshToken obtains a new access token; nil when none was issued.
	RefreshToken *string `json:"refresh_token"`
	// Scopes are the scopes granted (or requested, when the token response
	// did not list them).
	Scopes []string `json:"scopes"`
	// ClientSecret is the secret of a confidential client, needed to
	// refresh; empty for a public client.
	ClientSecret string `json:"client_secret,omitempty"`
	// ResourceMetadataURL is the protected resource metadata URL the server
	// advertised at login, used again to find the token endpoint.
	ResourceMetadataURL string `json:"resource_metadata_url,omitempty"`
	// Resource is the resource indicator configured with oauth_resource,
	// sent again on refresh; empty when the discovered one was used.
	Resource string `json:"resource,omitempty"`
}

// expiry returns ExpiresAt as a time, and false when it is unknown.
func (c *Credentials) expiry() (time.Time, bool) {
	if c.ExpiresAt == nil {
		return time.Time{}, false
	}
	return time.UnixMilli(*c.ExpiresAt), true
}

// Store keeps MCP OAuth credentials in CODEX_HOME and gives out access
// tokens. It is safe for concurrent use; one Store per process avoids two
// refreshes of the same token.
type Store struct {
	home   string
	client *http.Client
	now    func() time.Time

	// mu guards the token file and refreshing.
	mu sync.Mutex
	// refreshing holds a lock per server key, held while that server's
	// token is refreshed so concurrent callers refresh once.
	refreshing map[string]*sync.Mutex
}

// StoreOption configures a Store.
type StoreOption func(*Store)

// WithHTTPClient sets the client used to reach authorization servers and
// MCP servers. Its transport is wrapped so that no response body larger
// than 1 MiB is read.
func WithHTTPClient(c *http.Client) StoreOption {
	return func(s *Store) { s.client = c }
}

// NewStore returns a store for the credentials under codexHome.
func NewStore(codexHome string, opts ...StoreOption) *Store {
	s := &Store{home: codexHome, now: time.Now, refreshing: map[string]*sync.Mutex{}}
	for _, o := range opts {
		o(s)
	}
	s.client = limitedClient(s.client)
	return s
}

// Path returns the path of the token file.
func (s *Store) Path() string {
	return filepath.Join(s.home, CredentialsFileName)
}

// StoreKey is the key of a server's entry in the token file: the server
// name, a '|', and the first 16 hex digits of the SHA-256 of a JSON object
// describing the HTTP transport, as the reference CLI computes it.
func StoreKey(serverName, serverURL string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	// Members in the order the reference serializes them.
	_ = enc.Encode(struct {
		Type    string   `json:"type"`
		URL     string   `json:"url"`
		Headers struct{} `json:"headers"`
	}{Type: "http", URL: serverURL})
	sum := sha256.Sum256(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return serverName + "|" + hex.EncodeToString(sum[:])[:16]
}

// Load returns the credentials stored for a server, nil when there are none.
func (s *Store) Load(serverName, serverURL string) (*Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadLocked(serverName, serverURL)
}

func (s *Store) loadLocked(serverName, serverURL string) (*Credentials, error) {
	entries, err := s.readFile()
	if err != nil {
		return nil, err
	}
	c, ok := entries[StoreKey(serverName, serverURL)]
	if !ok {
		return nil, nil
	}
	return &c, nil
}

// Save stores c, replacing the entry of the same server name and URL.
func (s *Store) Save(c Credentials) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked(c)
}

func (s *Store) saveLocked(c Credentials) error {
	if c.ServerName == "" || c.ServerURL == "" {
		return errors.New("mcp credentials: server name and url are required")
	}
	if c.Scopes == nil {
		c.Scopes = []string{}
	}
	entries, err := s.readFile()
	if err != nil {
		return err
	}
	entries[StoreKey(c.ServerName, c.ServerURL)] = c
	return s.writeFile(entries)
}

// Delete removes the credentials of a server and reports whether there
// were any. The file is removed when its last entry goes.
func (s *Store) Delete(serverName, serverURL string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	entries, err := s.readFile()
	if err != nil {
		return false, err
	}
	key := StoreKey(serverName, serverURL)
	if _, ok := entries[key]; !ok {
		return false, nil
	}
	delete(entries, key)
	if len(entries) == 0 {
		if err := os.Remove(s.Path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, fmt.Errorf("remove %s: %w", s.Path(), err)
		}
		return true, nil
	}
	return true, s.writeFile(entries)
}

// readFile returns the entries of the token file; a missing file has none.
func (s *Store) readFile() (map[string]Credentials, error) {
	f, err := os.Open(s.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]Credentials{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read MCP credentials: %w", err)
	}
	defer f.Close()
	data := make([]byte, 0, 4096)
	buf := bytes.NewBuffer(data)
	if _, err := buf.ReadFrom(&limitReader{r: f, n: maxCredentialsFile}); err != nil {
		return nil, fmt.Errorf("read %s: %w", s.Path(), err)
	}
	entries := map[string]Credentials{}
	if len(bytes.TrimSpace(buf.Bytes())) == 0 {
		return entries, nil
	}
	if err := json.Unmarshal(buf.Bytes(), &entries); err != nil {
		return nil, fmt.Errorf("parse %s: %w", s.Path(), err)
	}
	return entries, nil
}

// writeFile replaces the token file with entries: a temporary file with
// mode 0600 in the same directory is renamed over it.
func (s *Store) writeFile(entries map[string]Credentials) error {
	data, err := json.Marshal(entries)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.home, 0o700); err != nil {
		return fmt.Errorf("write MCP credentials: %w", err)
	}
	tmp, err := os.CreateTemp(s.home, CredentialsFileName+".tmp-*")
	if err != nil {
		return fmt.Errorf("write MCP credentials: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(fileMode); err != nil {
		tmp.Close()
		return fmt.Errorf("write MCP credentials: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write MCP credentials: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write MCP credentials: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.Path()); err != nil {
		return fmt.Errorf("write MCP credentials: %w", err)
	}
	return nil
}
