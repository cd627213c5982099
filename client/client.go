// Package client is a Go client of Confab's HTTP API: one method per
// route, typed requests and answers that mirror the JSON of the OpenAPI
// document (GET /v1/openapi.json, or /docs on a running server), and every
// error answer as an *Error. It uses net/http only.
//
// A client holds one token, sent as Authorization: Bearer on every
// request: a project's admin token for the management routes, or a
// channel's token for SendMessage.
//
//	admin := client.New("http://127.0.0.1:8080", os.Getenv("CONFAB_ADMIN_TOKEN"))
//	ch, err := admin.CreateChannel(ctx, client.CreateChannelRequest{
//		Bot: "pizza", WebhookURL: "https://hooks.example.com/confab",
//	})
//	if err != nil {
//		var e *client.Error
//		if errors.As(err, &e) && e.Status == http.StatusConflict { ... }
//		return err
//	}
//	users := client.New("http://127.0.0.1:8080", ch.Token)
//	sent, err := users.SendMessage(ctx, client.SendMessageRequest{
//		ChannelID: ch.ChannelID, Message: "hi",
//	}, client.IdempotencyKey("order-48213-1"))
//
// A Client is safe for concurrent use.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxAnswer is the most of an answer the client reads (the largest, the
// OpenAPI document, is far smaller).
const maxAnswer = 32 << 20

// Client calls one Confab server.
type Client struct {
	base      string
	token     string
	http      *http.Client
	userAgent string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send its requests with h instead of
// http.DefaultClient (for time-outs, proxies or tests).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithUserAgent sets the User-Agent header (default "confab-go-client").
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// New returns a client of the server at baseURL ("http://127.0.0.1:8080")
// that authenticates with token (none when empty).
func New(baseURL, token string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(baseURL, "/"), token: token, http: http.DefaultClient, userAgent: "confab-go-client"}
	for _, o := range opts {
		o(c)
	}
	return c
}

// CallOption changes one request.
type CallOption func(*http.Request)

// IdempotencyKey sends key (1 to 255 printable ASCII characters) as the
// Idempotency-Key header, so that sending the same creating request again
// with the same key within 24 hours (after a time-out, say) returns the
// first answer instead of doing it twice. The same key with another
// request is an *Error of status 422; while the first request with the key
// is in flight, one of status 409 whose RetryAfter says when to send it
// again. The server ignores the header on routes that create nothing.
func IdempotencyKey(key string) CallOption {
	return func(r *http.Request) { r.Header.Set("Idempotency-Key", key) }
}

// path joins escaped path segments: path("/v1/channels", id) is
// "/v1/channels/<id>".
func path(prefix string, segments ...string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, s := range segments {
		b.WriteString("/")
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// do sends a request with in as its JSON body (none when nil) and decodes
// a 2xx answer into out: JSON into a struct, the raw bytes into a *[]byte,
// nothing when out is nil. Any other answer is an *Error.
func (c *Client) do(ctx context.Context, method, target string, in, out any, opts []CallOption) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("confab: %s %s: encoding the request: %w", method, target, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+target, body)
	if err != nil {
		return fmt.Errorf("confab: %s %s: %w", method, target, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("confab: %s %s: %w", method, target, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("confab: %s %s: reading the answer: %w", method, target, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newError(method, target, resp, data)
	}
	switch out := out.(type) {
	case nil:
	case *[]byte:
		*out = data
	default:
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("confab: %s %s: the answer %d is not the JSON expected: %w", method, target, resp.StatusCode, err)
		}
	}
	return nil
}
