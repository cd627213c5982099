package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/confab/confab/internal/ratelimit"
	"github.com/confab/confab/internal/store"
)

// Rate limits (QUALITY.md "Inbound API", docs/operations.md "Rate
// limits") apply where a request is identified:
//
//   - a project token, when it is found (every route behind admin): one
//     request against the token's bucket, keyed by the token's id;
//   - a message, when it is accepted (POST /v1/messages, after its channel
//     and token are checked and its body is valid): one message against
//     its end user's bucket and its channel's, both or neither.
//
// A wrapper around the store does both (rateLimitedStore), so that every
// route gets them without a line of its own. The tightest result of the
// request is kept in its context and written as x-ratelimit-* headers (and
// Retry-After on a refusal) when the answer's header is (rateWriter). A
// refusal is an *httpError of status 429, which the route's own error path
// writes: problem+json, or {success: false, error} on /v1/messages.

// rateKey is the context key of a request's *rateState.
type rateKey struct{}

// rateState is the tightest rate-limit result of one request so far.
type rateState struct{ res ratelimit.Result }

// noteRate records res for the request's headers and turns a refusal into
// the 429 error.
func noteRate(ctx context.Context, res ratelimit.Result) error {
	if st, ok := ctx.Value(rateKey{}).(*rateState); ok {
		st.res = ratelimit.Tightest(st.res, res)
	}
	if res.Allowed {
		return nil
	}
	what := "too many requests with this token"
	switch res.Scope {
	case "channel":
		what = "too many messages on this channel"
	case "user":
		what = "too many messages from this user on this channel"
	}
	return fail(http.StatusTooManyRequests, fmt.Sprintf("%s: the limit is %d per %s with bursts of %d; try again in %d s",
		what, res.Limit.Requests, res.Limit.Per, res.Limit.Burst, res.RetryAfterSeconds()))
}

// rateLimitedStore counts requests against the rate limits as the store
// identifies them (see above).
type rateLimitedStore struct {
	store.Store
	limits *ratelimit.Limiter
}

// withRateLimits returns s wrapped so that it applies limits; s itself when
// limits is nil.
func withRateLimits(s store.Store, limits *ratelimit.Limiter) store.Store {
	if limits == nil {
		return s
	}
	return rateLimitedStore{Store: s, limits: limits}
}

// TokenByHash finds a token, then counts the request against it.
func (s rateLimitedStore) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	t, err := s.Store.TokenByHash(ctx, hash)
	if err != nil {
		return t, err
	}
	if err := noteRate(ctx, s.limits.Token(t.ProjectID, t.ID)); err != nil {
		return store.Token{}, err
	}
	return t, nil
}

// Accept counts the message against its user and channel, then accepts
// it.
func (s rateLimitedStore) Accept(ctx context.Context, in store.Inbound) (store.Accepted, error) {
	if err := noteRate(ctx, s.limits.Message(in.ProjectID, in.ChannelID, rateUser(in))); err != nil {
		return store.Accepted{}, err
	}
	return s.Store.Accept(ctx, in)
}

// rateUser names the end user of an inbound message within its channel:
// "id:<userID>" or "sender:<senderID>"; empty when the message makes a
// new user (then only the channel's limit applies).
func rateUser(in store.Inbound) string {
	switch {
	case in.UserID != nil:
		return "id:" + strconv.FormatInt(*in.UserID, 10)
	case in.SenderID != "":
		return "sender:" + in.SenderID
	}
	return ""
}

// rateWriter writes the request's rate-limit headers with the answer's
// header.
type rateWriter struct {
	http.ResponseWriter
	state rateState
	wrote bool
}

// trackRates prepares a request for rate limits: its context carries the
// state that the limits fill, and the returned writer turns it into
// headers. Without limits it returns w and r as they are.
func (s *Server) trackRates(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request) {
	if s.RateLimits == nil {
		return w, r
	}
	rw := &rateWriter{ResponseWriter: w}
	return rw, r.WithContext(context.WithValue(r.Context(), rateKey{}, &rw.state))
}

// WriteHeader adds x-ratelimit-limit (the bucket's size, Burst),
// x-ratelimit-remaining (the requests that could be made at once now),
// x-ratelimit-reset (Unix seconds, rounded up, when the bucket is full
// again) and, on a refusal, Retry-After (seconds, at least 1), when a
// limit applied to the request.
func (w *rateWriter) WriteHeader(code int) {
	if res := w.state.res; !w.wrote && res.Scope != "" {
		h := w.Header()
		h.Set("X-Ratelimit-Limit", strconv.Itoa(res.Limit.Burst))
		h.Set("X-Ratelimit-Remaining", strconv.Itoa(res.Remaining))
		h.Set("X-Ratelimit-Reset", strconv.FormatInt(res.ResetUnix(), 10))
		if !res.Allowed {
			h.Set("Retry-After", strconv.FormatInt(res.RetryAfterSeconds(), 10))
		}
	}
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

// Write writes the header first if the handler did not.
func (w *rateWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *rateWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
