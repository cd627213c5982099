package api

import "net/http"

// routeMux is the server's ServeMux, which also keeps the pattern of
// every route registered, so that tests can hold the OpenAPI document
// (package openapi) to the routes the server really has.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func newRouteMux() *routeMux { return &routeMux{ServeMux: http.NewServeMux()} }

// Handle registers h for pattern.
func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

// HandleFunc registers h for pattern.
func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

// Routes returns the patterns of the server's routes ("GET /v1/channels"),
// in the order they were registered.
func (s *Server) Routes() []string { return append([]string(nil), s.mux.patterns...) }
