package listen

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Authenticator decides whether a WebSocket upgrade request may connect.
// Its error is the reason a refused client is told and the log records.
type Authenticator interface {
	Authenticate(r *http.Request) error
}

// The --ws-auth modes.
const (
	// AuthCapabilityToken compares a bearer token with a secret's SHA-256.
	AuthCapabilityToken = "capability-token"
	// AuthSignedBearerToken validates HS256 JSON Web Tokens.
	AuthSignedBearerToken = "signed-bearer-token"
)

// errNoToken is the refusal of a request without a bearer token.
var errNoToken = errors.New("missing websocket bearer token")

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", errNoToken
	}
	return strings.TrimSpace(token), nil
}

// CapabilityToken accepts the clients that present one secret token as
// "Authorization: Bearer TOKEN". Only the token's SHA-256 is kept, and it
// is compared in constant time.
type CapabilityToken struct{ sum [sha256.Size]byte }

// CapabilityTokenFromFile reads the token from a file (surrounding white
// space ignored). The path must be absolute.
func CapabilityTokenFromFile(path string) (*CapabilityToken, error) {
	secret, err := readSecret(path, "--ws-token-file")
	if err != nil {
		return nil, err
	}
	return &CapabilityToken{sum: sha256.Sum256(secret)}, nil
}

// CapabilityTokenFromSHA256 takes the hex SHA-256 of the token.
func CapabilityTokenFromSHA256(hexSum string) (*CapabilityToken, error) {
	b, err := hex.DecodeString(strings.TrimSpace(hexSum))
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("--ws-token-sha256: expected %d hex digits", 2*sha256.Size)
	}
	var c CapabilityToken
	copy(c.sum[:], b)
	return &c, nil
}

// Authenticate checks the request's bearer token.
func (c *CapabilityToken) Authenticate(r *http.Request) error {
	token, err := bearer(r)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(sum[:], c.sum[:]) != 1 {
		return errors.New("invalid websocket bearer token")
	}
	return nil
}

// SignedBearer accepts HS256 JSON Web Tokens signed with a shared secret,
// presented as "Authorization: Bearer JWT". A token must carry exp, and
// nbf when present must have passed, both within MaxClockSkew; iss and
// aud must match when Issuer and Audience are set.
type SignedBearer struct {
	// Secret is the HMAC key.
	Secret []byte
	// Issuer, when set, must equal the token's iss.
	Issuer string
	// Audience, when set, must be the token's aud or one of them.
	Audience string
	// MaxClockSkew is the tolerance on exp and nbf.
	MaxClockSkew time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// SignedBearerFromFile reads the shared secret from a file (surrounding
// white space ignored). The path must be absolute.
func SignedBearerFromFile(path, issuer, audience string, skew time.Duration) (*SignedBearer, error) {
	secret, err := readSecret(path, "--ws-shared-secret-file")
	if err != nil {
		return nil, err
	}
	return &SignedBearer{Secret: secret, Issuer: issuer, Audience: audience, MaxClockSkew: skew}, nil
}

// jwtClaims are the registered claims checked.
type jwtClaims struct {
	Exp *float64        `json:"exp"`
	Nbf *float64        `json:"nbf"`
	Iss string          `json:"iss"`
	Aud json.RawMessage `json:"aud"`
}

// Authenticate validates the request's bearer token.
func (b *SignedBearer) Authenticate(r *http.Request) error {
	token, err := bearer(r)
	if err != nil {
		return err
	}
	return b.Validate(token)
}

// Validate checks a token's signature and claims.
func (b *SignedBearer) Validate(token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("invalid websocket bearer token: not a JWT")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := decodeSegment(parts[0], &header); err != nil || header.Alg != "HS256" {
		return errors.New("invalid websocket bearer token: expected an HS256 JWT")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return errors.New("invalid websocket bearer token: bad signature encoding")
	}
	mac := hmac.New(sha256.New, b.Secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return errors.New("invalid websocket bearer token: bad signature")
	}
	var c jwtClaims
	if err := decodeSegment(parts[1], &c); err != nil {
		return errors.New("invalid websocket bearer token: bad claims")
	}
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	t := now()
	switch {
	case c.Exp == nil:
		return errors.New("invalid websocket bearer token: no exp claim")
	case t.After(unixTime(*c.Exp).Add(b.MaxClockSkew)):
		return errors.New("websocket bearer token expired")
	case c.Nbf != nil && t.Add(b.MaxClockSkew).Before(unixTime(*c.Nbf)):
		return errors.New("websocket bearer token not valid yet")
	case b.Issuer != "" && c.Iss != b.Issuer:
		return errors.New("invalid websocket bearer token: wrong issuer")
	case b.Audience != "" && !hasAudience(c.Aud, b.Audience):
		return errors.New("invalid websocket bearer token: wrong audience")
	}
	return nil
}

// decodeSegment decodes a base64url JSON segment of a JWT.
func decodeSegment(seg string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// unixTime converts a NumericDate.
func unixTime(sec float64) time.Time {
	return time.Unix(0, 0).Add(time.Duration(sec * float64(time.Second)))
}

// hasAudience reports whether an aud claim, a string or an array of
// strings, holds want.
func hasAudience(raw json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == want
	}
	var many []string
	if json.Unmarshal(raw, &many) != nil {
		return false
	}
	for _, a := range many {
		if a == want {
			return true
		}
	}
	return false
}

// readSecret reads a non-empty secret from an absolute path.
func readSecret(path, flag string) ([]byte, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("%s: %q is not an absolute path", flag, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	secret := []byte(strings.TrimSpace(string(b)))
	if len(secret) == 0 {
		return nil, fmt.Errorf("%s: %s is empty", flag, path)
	}
	return secret, nil
}
