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
	sem       chan struct{}

	mu       sync.Mutex // guards stopping, chains, and wg.Add against Wait
	stopping bool
	// chains are the conversations whose leased deliveries Deliver is
	// sending; blocked, those whose chain stopped, until the leases it
	// left run out.
	chains  map[string]*chain
	blocked map[string]time.Time
	wg      sync.WaitGroup
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
	return &Deliverer{store: s, client: client, endpoints: endpoints, log: log, cfg: cfg, now: time.Now,
		wake: make(chan struct{}, 1), sem: make(chan struct{}, cfg.Concurrency), chains: map[string]*chain{}, blocked: map[string]time.Time{}}
}

// Lease is the lease new deliveries are created with so that Deliver can
// send them without a claim (store.TurnResult.DeliveryLease).
func (d *Deliverer) Lease(now time.Time) *store.Lease {
	return &store.Lease{Owner: d.cfg.Owner, Now: now, Until: now.Add(d.cfg.Lease)}
}

// chain is the deliveries of one conversation that Deliver sends, one
// after the other, in order.
type chain struct {
	queue []store.Delivery
	wake  bool // look at the queue when the chain is done
}

// Deliver sends deliveries created leased to this deliverer: one
// conversation's, in order, after those of the conversation it holds
// already. A delivery that is not delivered stops its chain: the rest go
// back to the queue when their leases run out, behind it (per-conversation
// FIFO), and until then the conversation's new deliveries wait for that
// too.
func (d *Deliverer) Deliver(ds []store.Delivery) {
	if len(ds) > 0 {
		d.enqueue(ds, true)
	}
}

// enqueue adds a conversation's deliveries, held by this deliverer, to the
// conversation's chain, starting it when it is not running. Every
// delivery this deliverer holds goes through a chain, so that one
// conversation's are never sent side by side. Deliveries handed over
// (handover) wait while the conversation is blocked; claimed ones are the
// conversation's oldest and go at once.
func (d *Deliverer) enqueue(ds []store.Delivery, handover bool) {
	conv := ds[0].ConversationID
	d.mu.Lock()
	defer d.mu.Unlock()
	if until, ok := d.blocked[conv]; ok && handover {
		if d.now().Before(until) {
			d.blockUntil(conv, ds)
			return
		}
		delete(d.blocked, conv)
	}
	if c := d.chains[conv]; c != nil {
		c.queue = append(c.queue, ds...)
		c.wake = c.wake || !handover
		return
	}
	if d.stopping {
		return // the leases run out and the next start sends them
	}
	// A claimed delivery may have more of its conversation behind it in
	// the queue: look again when the chain is done.
	c := &chain{queue: ds, wake: !handover}
	d.chains[conv] = c
	d.wg.Add(1)
	go d.runChain(conv, c)
}

// runChain sends a chain's deliveries until it is empty or one is not
// delivered.
func (d *Deliverer) runChain(conv string, c *chain) {
	defer d.wg.Done()
	d.sem <- struct{}{}
	defer func() { <-d.sem }()
	for {
		d.mu.Lock()
		if len(c.queue) == 0 || d.stopping {
			// Stopping: the rest's leases run out and the next start sends them.
			delete(d.chains, conv)
			wake := c.wake
			d.mu.Unlock()
			if wake {
				d.Wake()
			}
			return
		}
		del := c.queue[0]
		c.queue = c.queue[1:]
		d.mu.Unlock()
		if !d.sendLeased(del) {
			d.mu.Lock()
			delete(d.chains, conv)
			d.blockUntil(conv, append(c.queue, del))
			d.mu.Unlock()
			d.Wake()
			return
		}
	}
}

// blockUntil keeps Deliver from sending a conversation's deliveries while
// ds, left behind with their leases, are not claimable yet. d.mu is held.
func (d *Deliverer) blockUntil(conv string, ds []store.Delivery) {
	until := d.blocked[conv]
	for _, del := range ds {
		if del.LeasedUntil.After(until) {
			until = del.LeasedUntil
		}
	}
	d.blocked[conv] = until
}

// forgetBlocked drops the blocks whose leases have run out.
func (d *Deliverer) forgetBlocked() {
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	for conv, until := range d.blocked {
		if !now.Before(until) {
			delete(d.blocked, conv)
		}
	}
}

// sendLeased attempts a delivery leased since it was created; its lease is
// renewed first when it has run low while the delivery waited in its
// chain. It reports whether the delivery was delivered.
func (d *Deliverer) sendLeased(del store.Delivery) bool {
	ctx := context.Background()
	if del.LeasedUntil.Sub(d.now()) < d.cfg.Lease/2 {
		if err := d.store.RenewDelivery(ctx, del.ID, d.cfg.Owner, d.now().Add(d.cfg.Lease)); err != nil {
			d.log.Warn("renewing a delivery's lease", "delivery", del.ID, "err", err)
			return false
		}
	}
	return d.attempt(ctx, del)
}

// Queued says that a conversation's deliveries wait in the queue. They may
// wait behind deliveries Deliver is sending: then the queue is looked at
// when those are done, else now.
func (d *Deliverer) Queued(conversationID string) {
	d.mu.Lock()
	if c := d.chains[conversationID]; c != nil {
		c.wake = true
		d.mu.Unlock()
		return
	}
	d.mu.Unlock()
	d.Wake()
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
	tick := time.NewTicker(d.cfg.Poll)
	defer tick.Stop()
	defer func() {
		d.mu.Lock()
		d.stopping = true
		d.mu.Unlock()
		d.wg.Wait()
	}()
	for {
		var batch []store.Delivery
		now := d.now()
		if free := cap(d.sem) - len(d.sem); free > 0 {
			var err error
			batch, err = d.store.ClaimDeliveries(ctx, store.Lease{Owner: d.cfg.Owner, Now: now, Until: now.Add(d.cfg.Lease)}, free)
			if err != nil && ctx.Err() == nil {
				d.log.Error("claiming deliveries", "err", err)
			}
		}
		for _, del := range batch {
			del.LeasedUntil = now.Add(d.cfg.Lease)
			d.enqueue([]store.Delivery{del}, false)
		}
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-tick.C:
			d.forgetBlocked()
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

// attempt makes one attempt of a delivery and records it, keeping its
// lease while the POST runs, and reports whether it was delivered. A
// delivery to a disabled endpoint is dead-lettered without a request.
func (d *Deliverer) attempt(ctx context.Context, del store.Delivery) bool {
	stopLease := d.keepLease(del.ID)
	defer stopLease()
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
	stopLease()
	if err := d.store.RecordAttempt(ctx, a, next); err != nil {
		d.log.Error("recording a delivery attempt", "delivery", del.ID, "err", err)
		return false
	}
	if next.Status == store.DeliveryDead {
		d.log.Warn("delivery dead-lettered", "delivery", del.ID, "url", del.URL, "status", res.Status, "err", res.Err, "attempts", del.Attempts+1)
	}
	if err == nil && ep.Disabled == "" {
		d.health(ctx, del, ep, res, start)
	}
	return next.Status == store.DeliveryDelivered
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
		d.log.Error("recording an endpoint's health", "channel", del.ChannelID, "webhook", del.SubscriptionID, "err", err)
		return
	}
	if reason != "" {
		d.log.Warn("webhook endpoint disabled", "channel", del.ChannelID, "webhook", del.SubscriptionID, "url", del.URL, "reason", reason)
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
