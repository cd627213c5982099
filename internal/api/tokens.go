package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/token"
)

// tokenRequest is the body of POST /v1/tokens.
type tokenRequest struct {
	Name *string `json:"name"`
	// ExpiresAt is an RFC 3339 time in the future; absent, the token does
	// not expire.
	ExpiresAt *string `json:"expiresAt"`
}

// tokenResponse is a project token as the API shows it: never its hash,
// and its text only in the answer that made it.
type tokenResponse struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Token      string `json:"token,omitempty"`
	Prefix     string `json:"prefix"`
	CreatedAt  string `json:"createdAt"`
	LastUsedAt string `json:"lastUsedAt,omitempty"`
	ExpiresAt  string `json:"expiresAt,omitempty"`
}

func showToken(t store.Token) tokenResponse {
	r := tokenResponse{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt.Format(time.RFC3339Nano)}
	if !t.LastUsedAt.IsZero() {
		r.LastUsedAt = t.LastUsedAt.Format(time.RFC3339Nano)
	}
	if !t.ExpiresAt.IsZero() {
		r.ExpiresAt = t.ExpiresAt.Format(time.RFC3339Nano)
	}
	return r
}

// createToken makes a project token and shows its text, the only time it
// is shown.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	if req.Name == nil {
		return badRequest("/name", "name is required")
	}
	if err := token.CheckName(*req.Name); err != nil {
		return badRequest("/name", err.Error())
	}
	now := s.Now()
	var expires time.Time
	if req.ExpiresAt != nil {
		var err error
		if expires, err = time.Parse(time.RFC3339Nano, *req.ExpiresAt); err != nil {
			return badRequest("/expiresAt", "expiresAt must be an RFC 3339 time, like 2030-01-31T12:00:00Z")
		}
		if !expires.After(now) {
			return badRequest("/expiresAt", "expiresAt must be in the future")
		}
	}
	text, t := token.Issue(projectOf(r.Context()), *req.Name, now, expires)
	resp := showToken(t)
	resp.Token = text
	if err := s.Store.CreateToken(keepAnswer(r, http.StatusCreated, resp), t); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, resp)
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.Store.ListTokens(r.Context(), projectOf(r.Context()))
	if err != nil {
		return err
	}
	out := make([]tokenResponse, len(ts))
	for i, t := range ts {
		out[i] = showToken(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
	return nil
}

// revokeToken deletes a project token; the store refuses to delete the
// project's last token that works.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("tokenID")
	err := s.Store.RevokeToken(r.Context(), projectOf(r.Context()), id, s.Now())
	if errors.Is(err, store.ErrConflict) {
		if id == tokenOf(r.Context()) {
			return fail(http.StatusConflict, "a token cannot revoke itself while it is the project's last valid token; create another token first")
		}
		return fail(http.StatusConflict, "this is the project's last valid token; create another token first")
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
