package client

import (
	"context"
	"net/http"
	"time"
)

// Token is a project admin token. Token, its text, is set only in the
// answer of CreateToken: store it then, it is never shown again.
type Token struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Token string `json:"token,omitempty"`
	// Prefix is the start of the text ("cfb_admin_" and four characters).
	Prefix    string    `json:"prefix"`
	CreatedAt time.Time `json:"createdAt"`
	// LastUsedAt is when the token was last used, to the minute (zero
	// before its first use).
	LastUsedAt time.Time `json:"lastUsedAt,omitzero"`
	// ExpiresAt is when the token stops working (zero: never).
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// CreateTokenRequest is a new admin token (the body of POST /v1/tokens).
type CreateTokenRequest struct {
	// Name says what the token is for (up to 100 characters). Required.
	Name string `json:"name"`
	// ExpiresAt is when the token stops working, in the future; zero
	// means never.
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// TokenList is the answer of ListTokens.
type TokenList struct {
	Tokens []Token `json:"tokens"`
}

// CreateToken makes a project admin token (POST /v1/tokens). The answer
// holds its text, shown this once.
func (c *Client) CreateToken(ctx context.Context, req CreateTokenRequest, opts ...CallOption) (*Token, error) {
	var out Token
	if err := c.do(ctx, http.MethodPost, "/v1/tokens", req, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListTokens returns the project's admin tokens, oldest first, without
// their text (GET /v1/tokens).
func (c *Client) ListTokens(ctx context.Context) (*TokenList, error) {
	var out TokenList
	if err := c.do(ctx, http.MethodGet, "/v1/tokens", nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// RevokeToken deletes an admin token by its ID; it stops working at once
// (DELETE /v1/tokens/{tokenID}). Revoking the project's last valid token is
// a 409 *Error.
func (c *Client) RevokeToken(ctx context.Context, tokenID string) error {
	return c.do(ctx, http.MethodDelete, path("/v1/tokens", tokenID), nil, nil, nil)
}
