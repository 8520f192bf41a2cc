package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
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
	// UserID is "chatgpt_user_id" inside the "https://api.openai.com/auth"
	// claim, else its "user_id".
	UserID string
	// Expiry is the "exp" claim; zero when the token has none.
	Expiry time.Time
}

// idTokenPayload is the JSON shape of the claims read from the payload.
type idTokenPayload struct {
	Email string   `json:"email"`
	Exp   *float64 `json:"exp"`
	Auth  struct {
		AccountID     string `json:"chatgpt_account_id"`
		PlanType      string `json:"chatgpt_plan_type"`
		ChatGPTUserID string `json:"chatgpt_user_id"`
		UserID        string `json:"user_id"`
	} `json:"https://api.openai.com/auth"`
}

// ParseIDToken decodes the payload of a JWT (header.payload.signature) and
// returns the claims of interest. It does NOT verify the signature, the
// issuer, the audience or the expiry: the token came straight from the
// issuer's token endpoint over TLS, and the claims are used for display,
// for the account header and to know when to renew a token only. Access
// tokens are JWTs too; their "exp" is read with the same function.
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
	c := &IDTokenClaims{Email: p.Email, AccountID: p.Auth.AccountID, PlanType: p.Auth.PlanType, UserID: p.Auth.ChatGPTUserID}
	if c.UserID == "" {
		c.UserID = p.Auth.UserID
	}
	if p.Exp != nil && *p.Exp > 0 {
		c.Expiry = time.Unix(int64(*p.Exp), 0)
	}
	return c, nil
}
