package api

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/confab/confab/internal/store"
)

// Idempotency-Key (QUALITY.md "Inbound API", docs/api.md "Idempotency").
//
// A creating POST sent with an Idempotency-Key header keeps its answer for
// 24 hours (store.KeptAnswerTTL), so that a client that lost the answer (a
// time-out, a dropped connection) can send the request again without
// making its effect twice:
//
//   - the same key with the same request (method, path and body, compared
//     canonically) gets the kept answer again: its status, Content-Type
//     and body, with Idempotent-Replayed: true;
//   - the same key with another request is a 422;
//   - the same key while the first request with it is in flight on this
//     server is a 409 with Retry-After: 1;
//   - a key that is not 1 to 255 printable ASCII characters is a 400.
//
// Keys belong to a scope, the project token on the admin routes and the
// channel on POST /v1/messages: one client's keys never meet another's.
//
// Only an effect keeps an answer, in the effect's own transaction: the
// route builds its answer before its store call and gives that call the
// context keepAnswer returns, and the store writes the answer after the
// effect's writes (store.Idempotency). A crash therefore never leaves an
// effect without its key or a key without its effect, and nothing is
// written for a request in flight: a process that dies mid-request leaves
// no key behind. An error answer keeps nothing; the same key may be sent
// again. Two requests with one key that race past the first look-up (on
// two servers of one PostgreSQL database, say) both work, but only the
// first to commit keeps its effect: the other's transaction finds the key
// taken (store.ErrKeyUsed), rolls back, and replays the first's answer.
//
// The kept body is sealed (AES-256-GCM) with a key derived from the token
// that made the request, so that a token shown once (POST /v1/tokens, a
// new channel's token) is not readable in the database: only a client
// that holds the same token can have the answer replayed.

// maxKeyLength is the longest Idempotency-Key taken.
const maxKeyLength = 255

// sweepEvery is how often SweepKeptAnswers deletes expired answers, and
// sweepBatch how many one statement deletes at most.
const (
	sweepEvery = 10 * time.Minute
	sweepBatch = 1000
)

// idempotencyKey returns the request's Idempotency-Key, "" when it has
// none, or a 400 when it is not 1 to 255 printable ASCII characters or
// comes more than once.
func idempotencyKey(r *http.Request) (string, error) {
	values, ok := r.Header["Idempotency-Key"]
	if !ok {
		return "", nil
	}
	if len(values) != 1 {
		return "", badRequest("", "send one Idempotency-Key header, not "+strconv.Itoa(len(values)))
	}
	k := values[0]
	ok = len(k) >= 1 && len(k) <= maxKeyLength
	for i := 0; ok && i < len(k); i++ {
		ok = k[i] >= 0x20 && k[i] <= 0x7e
	}
	if !ok {
		return "", badRequest("", "Idempotency-Key must be 1 to 255 printable ASCII characters")
	}
	return k, nil
}

// idempotent wraps the handler of a creating admin route (inside admin):
// with an Idempotency-Key, the request's answer is kept with its effect
// and replayed for the same key, scoped to the project token. The handler
// must give its effect's store call the context of keepAnswer. Without the
// header the handler runs as it is.
func (s *Server) idempotent(h func(w http.ResponseWriter, r *http.Request) error) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		key, err := idempotencyKey(r)
		if err != nil || key == "" {
			if err != nil {
				return err
			}
			return h(w, r)
		}
		body, err := bufferBody(w, r, MaxBody)
		if err != nil {
			return err
		}
		c, replayed, err := s.beginIdempotent(w, r, "token:"+tokenOf(r.Context()), bearer(r), key, body)
		if err != nil || replayed {
			return err
		}
		defer c.end()
		err = h(w, c.bind(r))
		if err == nil && !c.kept.Load() {
			s.Log.Error("a route wrapped in idempotent answered without keeping its answer with its effect; its Idempotency-Key is not kept",
				"route", r.Pattern)
		}
		return c.settle(w, r, err)
	}
}

// keepAnswer returns the context to give the store call that makes the
// effect of a route wrapped in idempotent: when the request has an
// Idempotency-Key, that call keeps v, answered with status as JSON, in the
// effect's transaction. Otherwise it is r's context as it is.
func keepAnswer(r *http.Request, status int, v any) context.Context {
	return keepAnswerOf(r, func(any) keptAnswer { return keptAnswer{Status: status, Body: v} })
}

// keepAnswerOf is keepAnswer for a route whose answer depends on what its
// effect made: the store call gives answer the effect's result (see
// store.Idempotency.Answer), inside its transaction.
func keepAnswerOf(r *http.Request, answer func(result any) keptAnswer) context.Context {
	c, _ := r.Context().Value(callKey{}).(*idemCall)
	return c.keep(r.Context(), answer)
}

// keptAnswer is an answer to keep: its status, the value of its JSON body,
// and the headers that a replay repeats besides Content-Type (Location,
// say; nil for none).
type keptAnswer struct {
	Status int
	Header map[string]string
	Body   any
}

// callKey is the context key of a request's *idemCall.
type callKey struct{}

// idemCall is a request with an Idempotency-Key on its way. A nil
// *idemCall is a request without one: its methods do nothing.
type idemCall struct {
	s     *Server
	scope string
	key   string
	hash  []byte
	aead  cipher.AEAD
	// kept says the store asked for the answer to keep (the route gave
	// its effect's store call the context of keep).
	kept atomic.Bool
}

// beginIdempotent starts a request with key (none when ""): it answers
// from the kept answer when there is one for the same request, refuses
// another request with the key (422) or the key of a request in flight
// (409), and otherwise marks the key in flight and returns the call, whose
// end the caller defers. credential is the token that authenticated the
// request (it seals the kept answer); body is the request's body.
func (s *Server) beginIdempotent(w http.ResponseWriter, r *http.Request, scope, credential, key string, body []byte) (c *idemCall, replayed bool, err error) {
	if key == "" {
		return nil, false, nil
	}
	c = &idemCall{s: s, scope: scope, key: key, hash: requestHash(r.Method, r.URL.Path, body)}
	if c.aead, err = answerCipher(credential, scope, key); err != nil {
		return nil, false, err
	}
	if replayed, err := c.replay(w, r.Context()); replayed || err != nil {
		return nil, replayed, err
	}
	if other, ok := s.inflight.enter(c.id(), c.hash); !ok {
		return nil, false, c.busy(w, other)
	}
	return c, false, nil
}

// bind returns r carrying the call, for keepAnswer; r itself without a
// call.
func (c *idemCall) bind(r *http.Request) *http.Request {
	if c == nil {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), callKey{}, c))
}

// id names the call's key among all scopes.
func (c *idemCall) id() string { return c.scope + "\x00" + c.key }

// errKeyReused is the answer to a request whose key was used with another
// request.
var errKeyReused = &httpError{status: http.StatusUnprocessableEntity,
	msg: "this Idempotency-Key was used with another request (method, path or body) in the last 24 hours; use a new key for a new request"}

// busy returns the 409 of a key in flight, with Retry-After, or the 422
// when the request in flight with it (of hash other; nil when unknown) is
// another.
func (c *idemCall) busy(w http.ResponseWriter, other []byte) error {
	if other != nil && !bytes.Equal(other, c.hash) {
		return errKeyReused
	}
	w.Header().Set("Retry-After", "1")
	return fail(http.StatusConflict, "a request with this Idempotency-Key is in flight; send it again once that one is answered")
}

// replay writes the answer kept for the call's key, when there is one and
// it is for the same request, and reports whether it did; another request
// with the key is errKeyReused.
func (c *idemCall) replay(w http.ResponseWriter, ctx context.Context) (bool, error) {
	a, err := c.s.Store.KeptAnswer(ctx, c.scope, c.key, c.s.Now())
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !bytes.Equal(a.Hash, c.hash) {
		return false, errKeyReused
	}
	body, err := c.aead.Open(nil, nil, a.Body, c.hash)
	if err != nil {
		// The same request with another token of the scope: a channel's
		// token was changed since the answer was kept.
		return false, &httpError{status: http.StatusUnprocessableEntity,
			msg: "this Idempotency-Key was used with another token in the last 24 hours; use a new key"}
	}
	for k, v := range a.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(a.Status)
	_, _ = w.Write(body)
	return true, nil
}

// keep returns ctx carrying the answer to keep with the effect: what
// answer returns for the effect's result (see store.Idempotency.Answer),
// its body as writeJSON writes it. Without a call it returns ctx.
func (c *idemCall) keep(ctx context.Context, answer func(result any) keptAnswer) context.Context {
	if c == nil {
		return ctx
	}
	return store.WithIdempotency(ctx, &store.Idempotency{Scope: c.scope, Key: c.key, Hash: c.hash, Now: c.s.Now(),
		Answer: func(result any) (store.KeptAnswer, error) {
			c.kept.Store(true)
			a := answer(result)
			var b bytes.Buffer
			if err := json.NewEncoder(&b).Encode(a.Body); err != nil {
				return store.KeptAnswer{}, err
			}
			header := map[string]string{"Content-Type": "application/json"}
			for k, v := range a.Header {
				header[http.CanonicalHeaderKey(k)] = v
			}
			return store.KeptAnswer{Status: a.Status, Header: header, Body: c.aead.Seal(nil, nil, b.Bytes(), c.hash)}, nil
		}})
}

// settle finishes a call whose effect's store call returned err: when the
// key was taken meanwhile (store.ErrKeyUsed), it answers as the request
// that took it did. Other errors, and nil, are returned as they are.
func (c *idemCall) settle(w http.ResponseWriter, r *http.Request, err error) error {
	if c == nil || !errors.Is(err, store.ErrKeyUsed) {
		return err
	}
	replayed, err := c.replay(w, r.Context())
	if err != nil || replayed {
		return err
	}
	// Taken and gone at once (expired meanwhile): let the client retry.
	return c.busy(w, nil)
}

// end marks the call's key no longer in flight.
func (c *idemCall) end() {
	if c != nil {
		c.s.inflight.leave(c.id())
	}
}

// requestHash is the SHA-256 of a request: its method, path and body, the
// body in canonical JSON (RFC 8785, integers as written) when it is JSON,
// so that the same request sent with other spacing or member order is the
// same request.
func requestHash(method, path string, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	v := jsontext.Value(bytes.Clone(body))
	if err := v.Canonicalize(jsontext.CanonicalizeRawInts(false)); err == nil {
		body = v
	}
	h.Write(body)
	return h.Sum(nil)
}

// answerCipher returns the AEAD that seals the answers kept for a key: its
// key derives (HKDF-SHA-256) from the token that made the request, the
// scope and the Idempotency-Key; each seal takes a random nonce.
func answerCipher(credential, scope, key string) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, []byte(credential), nil, "confab idempotent answer v1\x00"+scope+"\x00"+key, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithRandomNonce(block)
}

// bufferBody reads the request's body (at most limit bytes, or the 413
// that decode gives) and puts it back in memory for the handler to read
// again.
func bufferBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	data, err := readBody(http.MaxBytesReader(w, r.Body, limit), r.ContentLength)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	return data, nil
}

// inflightKeys are the keys of the requests in flight on this server, with
// their requests' hashes. The zero value is ready.
type inflightKeys struct {
	mu sync.Mutex
	m  map[string][]byte
}

// enter marks id in flight for a request of hash, unless it already is:
// then it returns the hash of the request in flight with it, and false.
func (k *inflightKeys) enter(id string, hash []byte) ([]byte, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if other, busy := k.m[id]; busy {
		return other, false
	}
	if k.m == nil {
		k.m = map[string][]byte{}
	}
	k.m[id] = hash
	return nil, true
}

func (k *inflightKeys) leave(id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, id)
}

// SweepKeptAnswers deletes the answers kept for Idempotency-Keys once they
// expire: at once, then every 10 minutes, until ctx ends. An expired
// answer is never replayed, swept or not; the sweep only keeps the table
// small. Run it in a goroutine of its own.
func (s *Server) SweepKeptAnswers(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		if _, err := s.sweepKeptAnswers(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("could not delete expired idempotent answers; trying again later", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweepKeptAnswers deletes the answers expired now, a batch at a time,
// and returns how many it deleted.
func (s *Server) sweepKeptAnswers(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.Store.DeleteExpiredAnswers(ctx, s.Now(), sweepBatch)
		total += n
		if err != nil || n < sweepBatch {
			return total, err
		}
	}
}
