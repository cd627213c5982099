// Package api is Confab's HTTP interface: thin handlers on the standard
// library's ServeMux that decode, validate, call the store and respond.
// Errors become HTTP answers in one place (errors.go): clients see a safe
// message, logs see the cause.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/confab/confab/internal/api/openapi"
	"github.com/confab/confab/internal/callback"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/ratelimit"
	"github.com/confab/confab/internal/store"
)

// Bots tells which bots the server runs.
type Bots interface {
	Has(id string) bool
}

// Deps are what the API needs.
type Deps struct {
	Store   store.Store
	Bots    Bots
	Log     *slog.Logger
	Metrics *Metrics
	// Prepare (may be nil) readies an inbound message of a channel for
	// Accept: how its turn runs (store.Inbound.Lease and Run).
	Prepare func(in *store.Inbound, ch store.Channel)
	// Accepted is called after an inbound message is committed: it hands
	// a leased turn to the turn worker, or wakes it.
	Accepted func(store.Accepted)
	// PrepareCommand (may be nil) readies a command of a conversation on
	// a channel for SubmitCommand: how it runs (store.Submission.Lease and
	// Run).
	PrepareCommand func(sub *store.Submission, ch store.Channel)
	// Submitted (may be nil) is called after a command is committed: it
	// hands the deliveries of a command that ran, or a leased turn, to the
	// turn worker, or wakes it.
	Submitted func(store.Submitted)
	// Replayed (may be nil) is called after a delivery is made due again:
	// it wakes the delivery worker.
	Replayed func()
	// TestWebhook POSTs a signed sample to a channel's webhook.
	TestWebhook func(ctx context.Context, c store.Channel) TestResult
	// TestEvent (may be nil) POSTs a signed webhook.test event to an event
	// subscription's URL (webhooks.go).
	TestEvent func(ctx context.Context, s store.Subscription) TestResult
	Now       func() time.Time
	// RateLimits limits requests per token, channel and end user
	// (ratelimit.go); nil limits nothing.
	RateLimits *ratelimit.Limiter
	// Execute (may be nil) carries out the calls of the function call
	// route through the server's safe client (functions.go); without it,
	// that route answers 404.
	Execute flow.Executor
	// Callbacks checks the callback URLs of wait blocks (callbacks.go);
	// nil refuses every callback (404).
	Callbacks *callback.Signer
}

// TestResult is the answer of the test-webhook route.
type TestResult struct {
	Reachable bool   `json:"reachable"`
	Status    int    `json:"status"`
	LatencyMs int64  `json:"latencyMs"`
	Error     string `json:"error,omitempty"`
}

// Server holds the routes.
type Server struct {
	Deps
	mux      *routeMux
	draining atomic.Bool
	// inflight are the Idempotency-Keys of requests in flight
	// (idempotency.go).
	inflight inflightKeys
}

// New builds the routes.
func New(d Deps) *Server {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Accepted == nil {
		d.Accepted = func(store.Accepted) {}
	}
	if d.Replayed == nil {
		d.Replayed = func() {}
	}
	if d.Submitted == nil {
		d.Submitted = func(store.Submitted) {}
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics(prometheus.NewRegistry())
	}
	if d.TestEvent == nil {
		d.TestEvent = func(context.Context, store.Subscription) TestResult {
			return TestResult{Error: "this server sends no test events"}
		}
	}
	d.Store = withRateLimits(d.Store, d.RateLimits)
	s := &Server{Deps: d, mux: newRouteMux()}
	s.routes()
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.Metrics.Handler())
	s.mux.Handle("GET /v1/openapi.json", openapi.Handler())
	s.mux.Handle("GET /docs", openapi.DocsHandler())

	s.mux.HandleFunc("POST /v1/messages", s.sendMessage)

	s.mux.HandleFunc("POST /v1/channels", s.admin(s.idempotent(s.createChannel)))
	s.mux.HandleFunc("GET /v1/channels", s.admin(s.listChannels))
	s.mux.HandleFunc("GET /v1/channels/{channelID}", s.admin(s.getChannel))
	s.mux.HandleFunc("PATCH /v1/channels/{channelID}", s.admin(s.updateChannel))
	s.mux.HandleFunc("DELETE /v1/channels/{channelID}", s.admin(s.deleteChannel))
	s.mux.HandleFunc("POST /v1/channels/{channelID}/test-webhook", s.admin(s.testWebhook))
	s.mux.HandleFunc("GET /v1/channels/{channelID}/deliveries", s.admin(s.listDeliveries))
	s.mux.HandleFunc("POST /v1/deliveries/{deliveryID}/replay", s.admin(s.idempotent(s.replayDelivery)))

	s.mux.HandleFunc("POST /v1/tokens", s.admin(s.idempotent(s.createToken)))
	s.mux.HandleFunc("GET /v1/tokens", s.admin(s.listTokens))
	s.mux.HandleFunc("DELETE /v1/tokens/{tokenID}", s.admin(s.revokeToken))

	// Steering a conversation (conversations_steer.go).
	s.mux.HandleFunc("POST /v1/conversations/{conversationID}/messages", s.admin(s.idempotent(s.sendAsOperator)))
	s.mux.HandleFunc("PATCH /v1/conversations/{conversationID}/session", s.admin(s.setSession))
	s.mux.HandleFunc("POST /v1/conversations/{conversationID}/pause", s.admin(s.idempotent(s.pause)))
	s.mux.HandleFunc("POST /v1/conversations/{conversationID}/unpause", s.admin(s.idempotent(s.unpause)))
	s.mux.HandleFunc("POST /v1/conversations/{conversationID}/trigger", s.admin(s.idempotent(s.trigger)))
	s.mux.HandleFunc("GET /v1/conversations/{conversationID}/commands/{commandID}", s.admin(s.getCommand))

	// The callbacks of wait blocks (callbacks.go): the signed URL is the
	// credential.
	s.mux.HandleFunc("POST /v1/callbacks/{token}", s.plain(s.postCallback))

	// Reading conversations (conversations_read.go), the bots (bots.go),
	// their NLP (nlp.go) and calling their functions (functions.go).
	s.mux.HandleFunc("GET /v1/conversations", s.admin(s.listConversations))
	s.mux.HandleFunc("GET /v1/conversations/{conversationID}", s.admin(s.getConversation))
	s.mux.HandleFunc("GET /v1/conversations/{conversationID}/messages", s.admin(s.listMessages))
	s.mux.HandleFunc("GET /v1/conversations/{conversationID}/logs", s.admin(s.listLogs))
	s.mux.HandleFunc("GET /v1/bots", s.admin(s.listBots))
	s.mux.HandleFunc("GET /v1/bots/{botID}", s.admin(s.getBot))
	s.mux.HandleFunc("POST /v1/bots/{botID}/reload", s.admin(s.reloadBot))
	s.mux.HandleFunc("POST /v1/nlp/parse", s.admin(s.parseText))
	s.mux.HandleFunc("POST /v1/bots/{botID}/functions/{name}/call", s.admin(s.callFunction))

	// Event webhooks (webhooks.go); their deliveries are replayed by
	// POST /v1/deliveries/{deliveryID}/replay too.
	s.mux.HandleFunc("POST /v1/webhooks", s.admin(s.idempotent(s.createWebhook)))
	s.mux.HandleFunc("GET /v1/webhooks", s.admin(s.listWebhooks))
	s.mux.HandleFunc("GET /v1/webhooks/{webhookID}", s.admin(s.getWebhook))
	s.mux.HandleFunc("PATCH /v1/webhooks/{webhookID}", s.admin(s.updateWebhook))
	s.mux.HandleFunc("DELETE /v1/webhooks/{webhookID}", s.admin(s.deleteWebhook))
	s.mux.HandleFunc("POST /v1/webhooks/{webhookID}/test", s.admin(s.testEventWebhook))
	s.mux.HandleFunc("GET /v1/webhooks/{webhookID}/deliveries", s.admin(s.listWebhookDeliveries))
}

// Drain makes the server refuse new work (503) while turns in flight
// finish.
func (s *Server) Drain() { s.draining.Store(true) }

// ServeHTTP serves a request; while draining, everything but health and
// metrics answers 503 with Retry-After.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() && r.URL.Path != "/healthz" && r.URL.Path != "/metrics" {
		w.Header().Set("Retry-After", "5")
		const msg = "the server is shutting down; try again"
		if r.URL.Path == "/v1/messages" {
			writeJSON(w, http.StatusServiceUnavailable, sendFailure{Success: false, Error: msg})
		} else {
			writeProblem(w, http.StatusServiceUnavailable, msg, "")
		}
		s.Metrics.requests.WithLabelValues("draining", "503").Inc()
		return
	}
	start := time.Now()
	w, r = s.trackRates(w, r)
	rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	if _, p := s.mux.Handler(r); p == "" {
		s.unmatched(rw, r)
	} else {
		s.mux.ServeHTTP(rw, r)
	}
	pattern := r.Pattern
	if pattern == "" {
		pattern = "unmatched"
	}
	s.Metrics.requests.WithLabelValues(pattern, strconv.Itoa(rw.status)).Inc()
	s.Metrics.latency.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
}

// unmatched answers a request no route takes, in problem+json like every
// other error: 405 with Allow when the path has routes for other methods,
// else 404.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+strings.Join(allow, ", "), "")
		return
	}
	writeProblem(w, http.StatusNotFound, "no route "+r.Method+" "+r.URL.Path+"; the routes are in /v1/openapi.json and on /docs", "")
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.Store.FirstProject(ctx); err != nil && err != store.ErrNotFound {
		s.Log.Warn("readiness: the database does not answer", "err", err)
		w.Header().Set("Retry-After", "5")
		writeProblem(w, http.StatusServiceUnavailable, "the database does not answer", "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
