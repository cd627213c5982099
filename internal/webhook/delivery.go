package webhook

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/confab/confab/internal/store"
)

// DefaultSchedule is the wait before each retry after the first attempt
// (which is immediate): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — eight
// attempts in all, over about 28 hours.
var DefaultSchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// AttemptTimeout is how long one delivery attempt may take.
const AttemptTimeout = 15 * time.Second

// excerptBytes is how much of a response body the delivery log keeps.
const excerptBytes = 512

// Endpoint is what the deliverer needs of a delivery's endpoint.
type Endpoint struct {
	// URL is where the endpoint is now; empty means the delivery's own
	// URL. A channel's deliveries follow its webhookUrl, so retries and
	// replays go where the channel points today.
	URL          string
	Signer       *Signer   // signs with the endpoint's secrets
	Disabled     string    // why deliveries stopped; empty while they go on
	FailingSince time.Time // zero while the endpoint works
}

// Endpoints finds the endpoint of a delivery (a channel's webhook) and
// keeps its health: failing since when, disabled why.
type Endpoints interface {
	Endpoint(ctx context.Context, d store.Delivery) (Endpoint, error)
	SetHealth(ctx context.Context, d store.Delivery, failingSince time.Time, disabled string) error
}

// DisableAfter is how long an endpoint may fail without a single success
// before it is disabled.
const DisableAfter = 5 * 24 * time.Hour

// DelivererConfig tunes a Deliverer. Zero values take the defaults.
type DelivererConfig struct {
	Owner       string          // lease owner; default "deliver-<random>"
	Schedule    []time.Duration // retry waits; default DefaultSchedule
	Jitter      float64         // ± fraction of each wait; default 0.2 (negative: none)
	Concurrency int             // attempts at once; default 64
	Lease       time.Duration   // renewed while an attempt runs; default 5s
	Poll        time.Duration   // default 250ms
}

// Deliverer POSTs the outbox to webhooks: signed (Standard Webhooks),
// per-conversation in order, retried on the schedule with the same
// webhook-id, dead-lettered after the last attempt. 3xx answers are
// failures and are never followed (the client does not follow redirects);
// 410 Gone dead-letters at once.
type Deliverer struct {
	store     store.Store
	client    *http.Client
	endpoints Endpoints
	log       *slog.Logger
	cfg       DelivererConfig
	now       func() time.Time
	wake      chan struct{}
	wg        sync.WaitGroup
}

// NewDeliverer makes a Deliverer. The client must not follow redirects
// (safehttp's does not).
func NewDeliverer(s store.Store, client *http.Client, endpoints Endpoints, log *slog.Logger, cfg DelivererConfig) *Deliverer {
	if cfg.Owner == "" {
		cfg.Owner = store.NewID("deliver")
	}
	if cfg.Schedule == nil {
		cfg.Schedule = DefaultSchedule
	}
	if cfg.Jitter == 0 {
		cfg.Jitter = 0.2
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 64
	}
	if cfg.Lease == 0 {
		cfg.Lease = 5 * time.Second
	}
	if cfg.Poll == 0 {
		cfg.Poll = 250 * time.Millisecond
	}
	return &Deliverer{store: s, client: client, endpoints: endpoints, log: log, cfg: cfg, now: time.Now, wake: make(chan struct{}, 1)}
}

// Wake tells the deliverer that deliveries wait; it never blocks.
func (d *Deliverer) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done, then waits for attempts in flight.
func (d *Deliverer) Run(ctx context.Context) {
	sem := make(chan struct{}, d.cfg.Concurrency)
	tick := time.NewTicker(d.cfg.Poll)
	defer tick.Stop()
	defer d.wg.Wait()
	for {
		var batch []store.Delivery
		if free := cap(sem) - len(sem); free > 0 {
			now := d.now()
			var err error
			batch, err = d.store.ClaimDeliveries(ctx, store.Lease{Owner: d.cfg.Owner, Now: now, Until: now.Add(d.cfg.Lease)}, free)
			if err != nil && ctx.Err() == nil {
				d.log.Error("claiming deliveries", "err", err)
			}
		}
		for _, del := range batch {
			sem <- struct{}{}
			d.wg.Add(1)
			go func() {
				defer func() { <-sem; d.wg.Done() }()
				stop := d.keepLease(del.ID)
				d.attempt(context.WithoutCancel(ctx), del)
				stop()
				d.Wake()
			}()
		}
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-tick.C:
		}
	}
}

// keepLease renews a delivery's lease while an attempt runs: an attempt
// may take up to AttemptTimeout, while a process that died loses its
// leases within one (short) lease length.
func (d *Deliverer) keepLease(id string) (stop func()) {
	return store.KeepLease(d.cfg.Lease, d.now,
		func(ctx context.Context, until time.Time) error {
			return d.store.RenewDelivery(ctx, id, d.cfg.Owner, until)
		},
		func(err error) { d.log.Warn("renewing a delivery's lease", "delivery", id, "err", err) })
}

// attempt makes one attempt of a delivery and records it. A delivery to a
// disabled endpoint is dead-lettered without a request.
func (d *Deliverer) attempt(ctx context.Context, del store.Delivery) {
	start := d.now()
	res := Result{}
	ep, err := d.endpoints.Endpoint(ctx, del)
	switch {
	case err != nil:
		res.Err = "endpoint: " + err.Error()
	case ep.Disabled != "":
		res.Err = "not sent: the endpoint is disabled (" + ep.Disabled + ")"
	default:
		url := del.URL
		if ep.URL != "" {
			url = ep.URL
		}
		res = Post(ctx, d.client, ep.Signer, del.ID, url, del.Body, start)
	}
	next := d.next(del, res, start)
	if err == nil && ep.Disabled != "" {
		next = store.DeliveryUpdate{Status: store.DeliveryDead, NextAt: start}
	}
	a := store.Attempt{DeliveryID: del.ID, Owner: d.cfg.Owner, At: start, Status: res.Status, Latency: res.Latency, Error: res.Err, Excerpt: res.Excerpt}
	if err := d.store.RecordAttempt(ctx, a, next); err != nil {
		d.log.Error("recording a delivery attempt", "delivery", del.ID, "err", err)
		return
	}
	if next.Status == store.DeliveryDead {
		d.log.Warn("delivery dead-lettered", "delivery", del.ID, "url", del.URL, "status", res.Status, "err", res.Err, "attempts", del.Attempts+1)
	}
	if err == nil && ep.Disabled == "" {
		d.health(ctx, del, ep, res, start)
	}
}

// health records a change of the endpoint's health: failing since the
// first failure after a success, disabled on 410 Gone or after failing for
// DisableAfter.
func (d *Deliverer) health(ctx context.Context, del store.Delivery, ep Endpoint, res Result, now time.Time) {
	since, reason := ep.FailingSince, ""
	switch {
	case res.OK():
		if since.IsZero() {
			return
		}
		since = time.Time{}
	case res.Status == http.StatusGone:
		if since.IsZero() {
			since = now
		}
		reason = "the endpoint answered 410 Gone at " + now.UTC().Format(time.RFC3339)
	default:
		if since.IsZero() {
			since = now
		} else if now.Sub(since) >= DisableAfter {
			reason = "the endpoint failed every delivery since " + since.UTC().Format(time.RFC3339)
		} else {
			return
		}
	}
	if err := d.endpoints.SetHealth(ctx, del, since, reason); err != nil {
		d.log.Error("recording an endpoint's health", "channel", del.ChannelID, "err", err)
		return
	}
	if reason != "" {
		d.log.Warn("webhook endpoint disabled", "channel", del.ChannelID, "url", del.URL, "reason", reason)
	}
}

// next decides where a delivery goes after an attempt.
func (d *Deliverer) next(del store.Delivery, res Result, now time.Time) store.DeliveryUpdate {
	switch {
	case res.OK():
		return store.DeliveryUpdate{Status: store.DeliveryDelivered, NextAt: now}
	case res.Status == http.StatusGone:
		return store.DeliveryUpdate{Status: store.DeliveryDead, NextAt: now}
	case del.Attempts >= len(d.cfg.Schedule):
		return store.DeliveryUpdate{Status: store.DeliveryDead, NextAt: now}
	}
	wait := d.cfg.Schedule[del.Attempts]
	if d.cfg.Jitter > 0 {
		wait = time.Duration(float64(wait) * (1 + d.cfg.Jitter*(2*rand.Float64()-1)))
	}
	if res.RetryAfter > wait {
		wait = min(res.RetryAfter, d.cfg.Schedule[len(d.cfg.Schedule)-1])
	}
	return store.DeliveryUpdate{Status: store.DeliveryPending, NextAt: now.Add(wait)}
}

// Result is the outcome of one POST.
type Result struct {
	Status     int // 0 when no answer came
	Latency    time.Duration
	Err        string
	Excerpt    string
	RetryAfter time.Duration
}

// OK reports whether the endpoint took the delivery (2xx).
func (r Result) OK() bool { return r.Err == "" && r.Status >= 200 && r.Status <= 299 }

// Post signs and POSTs one webhook body and reads the start of the answer.
func Post(ctx context.Context, client *http.Client, signer *Signer, id, url string, body []byte, now time.Time) Result {
	ctx, cancel := context.WithTimeout(ctx, AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Result{Err: err.Error()}
	}
	for k, v := range signer.Sign(id, now, body) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Confab-Webhooks/1")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return Result{Latency: time.Since(start), Err: err.Error()}
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, excerptBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	r := Result{Status: resp.StatusCode, Latency: time.Since(start), Excerpt: validUTF8(head)}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if secs, err := strconv.Atoi(s); err == nil && secs > 0 {
			r.RetryAfter = time.Duration(secs) * time.Second
		}
	}
	if !r.OK() {
		switch {
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			r.Err = "redirect " + strconv.Itoa(resp.StatusCode) + " not followed (to " + resp.Header.Get("Location") + ")"
		default:
			r.Err = "status " + strconv.Itoa(resp.StatusCode)
		}
	}
	return r
}

func validUTF8(b []byte) string {
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return string(b)
}
