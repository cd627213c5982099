package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/token"
)

type projectKey struct{}

// projectOf returns the project the request's token belongs to.
func projectOf(ctx context.Context) string { return ctx.Value(projectKey{}).(string) }

// bearer returns the token of an Authorization: Bearer header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// admin wraps a handler that needs a project token.
func (s *Server) admin(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		text := bearer(r)
		if text == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="confab"`)
			writeProblem(w, http.StatusUnauthorized, "missing Authorization: Bearer token", "")
			return
		}
		t, err := s.Store.TokenByHash(r.Context(), token.Hash(text))
		if err != nil || !token.Equal(text, t.Hash) {
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				s.writeError(w, r, err)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="confab", error="invalid_token"`)
			writeProblem(w, http.StatusUnauthorized, "the token is not valid", "")
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), projectKey{}, t.ProjectID))
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}
