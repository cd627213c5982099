package client

import (
	"context"
	"net/http"
)

// Health is the answer of Health and Ready.
type Health struct {
	// Status is "ok" (Health) or "ready" (Ready).
	Status string `json:"status"`
}

// Health tells whether the server process is alive (GET /healthz).
func (c *Client) Health(ctx context.Context) (*Health, error) {
	var out Health
	if err := c.do(ctx, http.MethodGet, "/healthz", nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// Ready tells whether the server can serve: its database answers and it is
// not shutting down (GET /readyz). When it cannot, the error is a 503
// *Error.
func (c *Client) Ready(ctx context.Context) (*Health, error) {
	var out Health
	if err := c.do(ctx, http.MethodGet, "/readyz", nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// Metrics returns the server's metrics in the Prometheus text format
// (GET /metrics).
func (c *Client) Metrics(ctx context.Context) ([]byte, error) {
	var out []byte
	if err := c.do(ctx, http.MethodGet, "/metrics", nil, &out, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// OpenAPI returns the server's OpenAPI 3.1 document as JSON
// (GET /v1/openapi.json).
func (c *Client) OpenAPI(ctx context.Context) ([]byte, error) {
	var out []byte
	if err := c.do(ctx, http.MethodGet, "/v1/openapi.json", nil, &out, nil); err != nil {
		return nil, err
	}
	return out, nil
}
