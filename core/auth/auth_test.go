package auth

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testJWT builds an unsigned JWT (alg "none") carrying claims.
func testJWT(t *testing.T, claims map[string]any) string {
	t.Helper()
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	return header + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
}

// requireMode0600 checks the permission bits of path (POSIX only).
func requireMode0600(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(path)
	require.NoError(t, err)
	if runtime.GOOS == "windows" {
		return
	}
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "mode of %s", path)
}

// requireOnlyAuthFile checks that dir holds auth.json and no temporary file.
func requireOnlyAuthFile(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Equal(t, []string{FileName}, names)
}

func strPtr(s string) *string { return &s }

func TestSaveAPIKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		existing string // content of an auth.json present before, "" for none
		nested   bool   // CODEX_HOME does not exist yet
	}{
		{name: "fresh home"},
		{name: "missing home is created", nested: true},
		{name: "replaces tokens", existing: `{"OPENAI_API_KEY":null,"tokens":{"id_token":"a.b.c","access_token":"at","refresh_token":"rt"},"last_refresh":"2025-01-01T00:00:00Z"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			if tc.nested {
				home = filepath.Join(home, "a", "b")
			}
			if tc.existing != "" {
				require.NoError(t, os.WriteFile(Path(home), []byte(tc.existing), 0o644))
				if runtime.GOOS != "windows" {
					require.NoError(t, os.Chmod(Path(home), 0o644))
				}
			}
			require.NoError(t, SaveAPIKey(home, "sk-test-123"))

			requireMode0600(t, Path(home))
			requireOnlyAuthFile(t, home)
			data, err := os.ReadFile(Path(home))
			require.NoError(t, err)
			assert.JSONEq(t, `{"OPENAI_API_KEY":"sk-test-123"}`, string(data))

			f, err := Load(home)
			require.NoError(t, err)
			assert.Equal(t, AuthMethodAPIKey, f.Method())
			assert.Equal(t, "sk-test-123", f.BearerToken())
			assert.Nil(t, f.Tokens)
			assert.Empty(t, f.Email())
		})
	}
}

func TestSaveAPIKeyRejectsEmptyKey(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	require.Error(t, SaveAPIKey(home, ""))
	_, err := os.Stat(Path(home))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestSaveIntoUnwritableHomeLeavesNothing(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	blocker := filepath.Join(home, "file")
	require.NoError(t, os.WriteFile(blocker, []byte("x"), 0o600))
	// CODEX_HOME below a regular file cannot be created.
	require.Error(t, SaveAPIKey(filepath.Join(blocker, "home"), "sk-x"))
}

func TestLogout(t *testing.T) {
	t.Parallel()
	home := t.TempDir()

	removed, err := Logout(home)
	require.NoError(t, err)
	assert.False(t, removed, "nothing to remove yet")

	require.NoError(t, SaveAPIKey(home, "sk-1"))
	removed, err = Logout(home)
	require.NoError(t, err)
	assert.True(t, removed)
	f, err := Load(home)
	require.NoError(t, err)
	assert.Nil(t, f)
	assert.Empty(t, f.Method())

	removed, err = Logout(home)
	require.NoError(t, err)
	assert.False(t, removed)
}

func TestMethodAndBearerToken(t *testing.T) {
	t.Parallel()
	tokens := &Tokens{IDToken: "x.y.z", AccessToken: "at-1", RefreshToken: "rt-1"}
	tests := []struct {
		name   string
		file   *File
		method string
		bearer string
	}{
		{name: "no file", file: nil},
		{name: "empty file", file: &File{}},
		{name: "api key", file: &File{OpenAIAPIKey: strPtr("sk-1")}, method: AuthMethodAPIKey, bearer: "sk-1"},
		{name: "empty api key", file: &File{OpenAIAPIKey: strPtr("")}},
		{name: "tokens", file: &File{Tokens: tokens}, method: AuthMethodChatGPT, bearer: "at-1"},
		{name: "tokens without access token", file: &File{Tokens: &Tokens{IDToken: "x.y.z"}}},
		{name: "api key wins over tokens", file: &File{OpenAIAPIKey: strPtr("sk-2"), Tokens: tokens}, method: AuthMethodAPIKey, bearer: "sk-2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.method, tc.file.Method())
			assert.Equal(t, tc.bearer, tc.file.BearerToken())
		})
	}
}

func TestEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file *File
		want string
	}{
		{name: "nil", file: nil},
		{name: "no tokens", file: &File{OpenAIAPIKey: strPtr("sk")}},
		{name: "claim present", file: &File{Tokens: &Tokens{IDToken: testJWT(t, map[string]any{"email": "user@example.com"})}}, want: "user@example.com"},
		{name: "claim absent", file: &File{Tokens: &Tokens{IDToken: testJWT(t, map[string]any{"sub": "u1"})}}},
		{name: "not a JWT", file: &File{Tokens: &Tokens{IDToken: "opaque"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, tc.file.Email())
		})
	}
}

func TestParseIDToken(t *testing.T) {
	t.Parallel()
	full := map[string]any{
		"email": "a@b.c",
		"https://api.openai.com/auth": map[string]any{
			"chatgpt_account_id": "acct-1",
			"chatgpt_plan_type":  "plus",
		},
	}
	payload, err := json.Marshal(full)
	require.NoError(t, err)
	padded := "e30." + base64.URLEncoding.EncodeToString(payload) + ".sig"

	tests := []struct {
		name    string
		token   string
		want    *IDTokenClaims
		wantErr bool
	}{
		{name: "all claims", token: testJWT(t, full), want: &IDTokenClaims{Email: "a@b.c", AccountID: "acct-1", PlanType: "plus"}},
		{name: "padded payload", token: padded, want: &IDTokenClaims{Email: "a@b.c", AccountID: "acct-1", PlanType: "plus"}},
		{name: "no claims of interest", token: testJWT(t, map[string]any{"sub": "x"}), want: &IDTokenClaims{}},
		{name: "one part", token: "abc", wantErr: true},
		{name: "empty payload", token: "abc..", wantErr: true},
		{name: "payload not base64", token: "a.!!!.c", wantErr: true},
		{name: "payload not JSON", token: "a." + base64.RawURLEncoding.EncodeToString([]byte("nope")) + ".c", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseIDToken(tc.token)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
