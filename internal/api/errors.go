package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/confab/confab/internal/store"
)

// problem is an application/problem+json body (RFC 9457).
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Pointer is the JSON pointer of the request field at fault.
	Pointer string `json:"pointer,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeProblem(w http.ResponseWriter, status int, detail, pointer string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Pointer: pointer})
}

// httpError is an error with the answer it makes.
type httpError struct {
	status  int
	msg     string
	pointer string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(pointer, msg string) error {
	return &httpError{status: http.StatusBadRequest, msg: msg, pointer: pointer}
}

func fail(status int, msg string) error { return &httpError{status: status, msg: msg} }

// writeError is the one place errors become answers: known errors keep
// their status and message, store sentinels become 404 / 409, anything
// else is a 500 whose cause goes to the log only.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg, pointer := s.classify(r, err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	writeProblem(w, status, msg, pointer)
}

func (s *Server) classify(r *http.Request, err error) (int, string, string) {
	var he *httpError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		return he.status, he.msg, he.pointer
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than the limit of this route (%d bytes)", mbe.Limit), ""
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "not found", ""
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict, "conflict with the current state", ""
	case errors.Is(err, store.ErrUnavailable):
		s.Log.Warn("the database is unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		return http.StatusServiceUnavailable, "the database is unavailable; try again shortly", ""
	}
	s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return http.StatusInternalServerError, "internal error; the cause is in the server log", ""
}
