// Package action carries out the calls a flow makes against the outside
// world. The requests are built by the block kinds (package block); this
// package only moves them through the safe HTTP client (or, for code
// blocks, the JavaScript sandbox) and brings the answer back, capped in
// size and time.
package action

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/jsbox"
	"github.com/confab/confab/internal/safehttp"
)

// MaxResponseBytes caps the answers of calls (api, custom_action,
// function).
const MaxResponseBytes = 1 << 20

// Executor runs HTTP calls through a client that must refuse private
// addresses (safehttp's), and code calls in the JavaScript sandbox, whose
// fetch requests it runs as HTTP calls through the same client. AI calls
// are not run yet: they fail with the class "unsupported", so the block's
// on_error is taken.
type Executor struct {
	Client *http.Client
	// Scripts runs code calls. Nil runs them with jsbox's default limits
	// and no cap on how many run at once.
	Scripts *jsbox.Box
}

var _ flow.Executor = Executor{}

// Execute carries out one call.
func (x Executor) Execute(ctx context.Context, c *flow.Call) *flow.CallResult {
	switch {
	case c.HTTP != nil:
		return x.http(ctx, c)
	case c.Code != nil:
		return x.Scripts.Run(ctx, c, x)
	}
	return &flow.CallResult{Err: "the server does not run " + c.Kind + " blocks yet", ErrClass: "unsupported"}
}

// http carries out an HTTP call.
func (x Executor) http(ctx context.Context, c *flow.Call) *flow.CallResult {
	req := c.HTTP
	ctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return &flow.CallResult{Err: err.Error(), ErrClass: "request"}
	}
	for _, kv := range req.Header {
		hr.Header.Add(kv[0], kv[1])
	}
	hr.Header.Set("Idempotency-Key", c.ID)
	if hr.Header.Get("User-Agent") == "" {
		hr.Header.Set("User-Agent", "Confab/1")
	}
	start := time.Now()
	resp, err := x.Client.Do(hr)
	if err != nil {
		return &flow.CallResult{Err: err.Error(), ErrClass: safehttp.Classify(err), Latency: time.Since(start)}
	}
	defer resp.Body.Close()
	body, err := safehttp.ReadBody(resp, MaxResponseBytes)
	latency := time.Since(start)
	if err != nil {
		class := safehttp.Classify(err)
		if errors.Is(err, safehttp.ErrTooLarge) {
			class = "too_large"
		}
		return &flow.CallResult{Err: err.Error(), ErrClass: class, Latency: latency}
	}
	return &flow.CallResult{HTTP: &flow.HTTPResponse{Status: resp.StatusCode, Header: resp.Header, Body: body}, Latency: latency}
}
