package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/token"
)

// LastUsedEvery is how often a token's last use is recorded at most: a
// request whose token's recorded use is older writes the new one, the
// others write nothing.
const LastUsedEvery = time.Minute

type (
	projectKey struct{}
	tokenKey   struct{}
)

// projectOf returns the project the request's token belongs to.
func projectOf(ctx context.Context) string { return ctx.Value(projectKey{}).(string) }

// tokenOf returns the id of the project token that authenticated the
// request.
func tokenOf(ctx context.Context) string { return ctx.Value(tokenKey{}).(string) }

// bearer returns the token of an Authorization: Bearer header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// unauthorized answers 401 with the Bearer challenge (RFC 6750); invalid
// says a token was given but does not work.
func unauthorized(w http.ResponseWriter, invalid bool, detail string) {
	challenge := `Bearer realm="confab"`
	if invalid {
		challenge += `, error="invalid_token"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeProblem(w, http.StatusUnauthorized, detail, "")
}

// admin wraps a handler that needs a project token. The token is found by
// its SHA-256 and compared in constant time; an expired or revoked token is
// refused like an unknown one. The token's last use is recorded at most
// once per LastUsedEvery.
func (s *Server) admin(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		text := bearer(r)
		if text == "" {
			unauthorized(w, false, "missing Authorization: Bearer token")
			return
		}
		t, err := s.Store.TokenByHash(r.Context(), token.Hash(text))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.writeError(w, r, err)
			return
		}
		if err != nil || !token.Equal(text, t.Hash) {
			// Revoked tokens are deleted: they end up here too.
			unauthorized(w, true, "the token is not valid")
			return
		}
		now := s.Now()
		if t.Expired(now) {
			unauthorized(w, true, "the token expired at "+t.ExpiresAt.Format(time.RFC3339))
			return
		}
		if now.Sub(t.LastUsedAt) >= LastUsedEvery {
			if err := s.Store.TouchToken(r.Context(), t.ID, now, LastUsedEvery); err != nil {
				// Only the record of use is lost; the request goes on.
				s.Log.Warn("could not record a token's use", "token", t.ID, "err", err)
			}
		}
		ctx := context.WithValue(context.WithValue(r.Context(), projectKey{}, t.ProjectID), tokenKey{}, t.ID)
		if err := h(w, r.WithContext(ctx)); err != nil {
			s.writeError(w, r, err)
		}
	}
}
