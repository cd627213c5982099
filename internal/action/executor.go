// Package action carries out the calls a flow makes against the outside
// world. The requests are built by the block kinds (package block); this
// package only moves them through the safe HTTP client (or, for code
// blocks, the JavaScript sandbox) and brings the answer back, capped in
// size and time.
//
// Every request carries the call's key as Idempotency-Key and webhook-id,
// and is signed the way Confab signs its webhooks when the call's Origin
// has a signer (see docs/decisions/0011-signed-outbound-calls.md).
package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/jsbox"
	"github.com/confab/confab/internal/safehttp"
	"github.com/confab/confab/internal/webhook"
)

// MaxResponseBytes caps the answers of calls (api, custom_action,
// function).
const MaxResponseBytes = 1 << 20

// HeaderIdempotencyKey carries a call's key, as webhook-id does.
const HeaderIdempotencyKey = "Idempotency-Key"

// Executor runs HTTP calls through a client that must refuse private
// addresses (safehttp's), and code calls in the JavaScript sandbox, whose
// fetch requests it runs as HTTP calls through the same client. AI calls
// are not run yet: they fail with the class "unsupported", so the block's
// on_error is taken.
//
// Each result lists the HTTP requests the call made (flow.CallResult's
// Requests), for the execution log. A transport error's text never holds
// the request's URL, which may hold secrets.
type Executor struct {
	Client *http.Client
	// Scripts runs code calls. Nil runs them with jsbox's default limits
	// and no cap on how many run at once.
	Scripts *jsbox.Box
}

var _ flow.Executor = Executor{}

// Origin is whom calls are made for: the server's turns give it to the
// calls of a conversation through the context (WithOrigin). Without one,
// a call's key is its id alone and requests go unsigned.
type Origin struct {
	// Conversation is the id of the conversation. It starts the calls'
	// keys, so that the same step of two conversations has two keys.
	Conversation string
	// Signer signs each request like a webhook (webhook-timestamp and
	// webhook-signature over "id.timestamp.body"); nil leaves requests
	// unsigned, with webhook-id and Idempotency-Key only.
	Signer *webhook.Signer
}

// Key returns the key of the call with the id callID: Conversation + "/"
// + callID, or callID without a conversation. It is the same every time
// the same step of the conversation runs (a turn retried after a crash
// runs its calls again with the same ids) and differs between steps.
func (o Origin) Key(callID string) string {
	if o.Conversation == "" {
		return callID
	}
	return o.Conversation + "/" + callID
}

type originKey struct{}

// WithOrigin returns a context whose calls are made for o.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginOf returns the Origin of ctx (zero when it has none).
func OriginOf(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}

// Execute carries out one call.
func (x Executor) Execute(ctx context.Context, c *flow.Call) *flow.CallResult {
	switch {
	case c.HTTP != nil:
		return x.http(ctx, c)
	case c.Code != nil:
		f := &fetches{exec: x}
		res := x.Scripts.Run(ctx, c, f)
		if res != nil {
			res.Requests = f.made()
		}
		return res
	}
	return &flow.CallResult{Err: "the server does not run " + c.Kind + " blocks yet", ErrClass: "unsupported"}
}

// http carries out an HTTP call.
func (x Executor) http(ctx context.Context, c *flow.Call) *flow.CallResult {
	req := c.HTTP
	rec := flow.Request{Method: req.Method, URL: req.URL}
	fail := func(err error, class string, start time.Time) *flow.CallResult {
		if !start.IsZero() {
			rec.Latency = time.Since(start)
		}
		rec.ErrClass = class
		return &flow.CallResult{Err: errorText(err, class, req.Timeout), ErrClass: class, Latency: rec.Latency, Requests: []flow.Request{rec}}
	}
	ctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return fail(err, "request", time.Time{})
	}
	for _, kv := range req.Header {
		hr.Header.Add(kv[0], kv[1])
	}
	if hr.Header.Get("User-Agent") == "" {
		hr.Header.Set("User-Agent", "Confab/1")
	}
	o := OriginOf(ctx)
	stamp(hr.Header, o, o.Key(c.ID), req.Body, time.Now())
	start := time.Now()
	resp, err := x.Client.Do(hr)
	if err != nil {
		return fail(err, safehttp.Classify(err), start)
	}
	defer resp.Body.Close()
	rec.Status = resp.StatusCode
	body, err := safehttp.ReadBody(resp, MaxResponseBytes)
	rec.Latency, rec.Bytes = time.Since(start), len(body)
	if err != nil {
		class := safehttp.Classify(err)
		if errors.Is(err, safehttp.ErrTooLarge) {
			class = "too_large"
		}
		return fail(err, class, start)
	}
	return &flow.CallResult{HTTP: &flow.HTTPResponse{Status: resp.StatusCode, Header: resp.Header, Body: body}, Latency: rec.Latency, Requests: []flow.Request{rec}}
}

// stamp sets the headers every request carries, over any the call set:
// Idempotency-Key and webhook-id (the key), and, when the origin signs,
// webhook-timestamp and webhook-signature.
func stamp(h http.Header, o Origin, key string, body []byte, now time.Time) {
	h.Del(webhook.HeaderTimestamp)
	h.Del(webhook.HeaderSignature)
	h.Set(HeaderIdempotencyKey, key)
	h.Set(webhook.HeaderID, key)
	if o.Signer == nil {
		return
	}
	for name, values := range o.Signer.Sign(key, now, body) {
		h[name] = values
	}
}

// errorText says why a request failed without quoting its URL (net/http's
// errors start with it, and it may hold secrets).
func errorText(err error, class string, timeout time.Duration) string {
	if class == safehttp.ClassTimeout {
		return fmt.Sprintf("no answer within %s", timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Op == "parse" {
			return "the URL is not valid: " + ue.Err.Error()
		}
		return ue.Err.Error()
	}
	return err.Error()
}

// fetches carries out a script's fetch requests and keeps what each
// request was, in order. A script that runs out of time may leave a fetch
// running after its run ended, hence the lock.
type fetches struct {
	exec     Executor
	mu       sync.Mutex
	requests []flow.Request
}

func (f *fetches) Execute(ctx context.Context, c *flow.Call) *flow.CallResult {
	res := f.exec.Execute(ctx, c)
	f.mu.Lock()
	f.requests = append(f.requests, res.Requests...)
	f.mu.Unlock()
	return res
}

// made returns the requests made so far.
func (f *fetches) made() []flow.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]flow.Request(nil), f.requests...)
}
