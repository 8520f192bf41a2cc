package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// IDTokenClaims are the id token claims this package reads.
type IDTokenClaims struct {
	// Email is the "email" claim.
	Email string
	// AccountID is "chatgpt_account_id" inside the
	// "https://api.openai.com/auth" claim.
	AccountID string
	// PlanType is "chatgpt_plan_type" inside the
	// "https://api.openai.com/auth" claim.
	PlanType string
}

// idTokenPayload is the JSON shape of the claims read from the payload.
type idTokenPayload struct {
	Email string `json:"email"`
	Auth  struct {
		AccountID string `json:"chatgpt_account_id"`
		PlanType  string `json:"chatgpt_plan_type"`
	} `json:"https://api.openai.com/auth"`
}

// ParseIDToken decodes the payload of a JWT (header.payload.signature) and
// returns the claims of interest. It does NOT verify the signature, the
// issuer, the audience or the expiry: the token came straight from the
// issuer's token endpoint over TLS, and the claims are used for display and
// for the account header only.
func ParseIDToken(token string) (*IDTokenClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) < 2 || parts[1] == "" {
		return nil, errors.New("parse id token: not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, fmt.Errorf("parse id token payload: %w", err)
	}
	var p idTokenPayload
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("parse id token claims: %w", err)
	}
	return &IDTokenClaims{Email: p.Email, AccountID: p.Auth.AccountID, PlanType: p.Auth.PlanType}, nil
}
