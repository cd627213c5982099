// Package app is the composition root of `confab serve`: it builds the
// store, the bots, the outbound client, the workers and the HTTP server in
// order, and stops them in reverse.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/confab/confab/internal/action"
	"github.com/confab/confab/internal/api"
	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/callback"
	"github.com/confab/confab/internal/config"
	"github.com/confab/confab/internal/events"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/jsbox"
	"github.com/confab/confab/internal/ratelimit"
	"github.com/confab/confab/internal/safehttp"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/store/postgres"
	"github.com/confab/confab/internal/store/sqlite"
	"github.com/confab/confab/internal/token"
	"github.com/confab/confab/internal/turn"
	"github.com/confab/confab/internal/webhook"
)

// OpenStore opens the configured database and brings its schema up to date.
func OpenStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	var s store.Store
	var err error
	if cfg.DatabaseURL != "" {
		s, err = postgres.Open(ctx, cfg.DatabaseURL)
	} else {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		s, err = sqlite.Open(filepath.Join(cfg.DataDir, "confab.db"))
	}
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// ensureProject makes the first project and its admin token on first
// start, printing the token once to out.
func ensureProject(ctx context.Context, s store.Store, cfg config.Config, out io.Writer, now time.Time) (store.Project, error) {
	p, err := s.FirstProject(ctx)
	if err == nil {
		if cfg.AdminToken != "" {
			// A configured token is accepted as given, also after the first start.
			err := s.CreateToken(ctx, store.Token{ID: store.NewID("tok"), ProjectID: p.ID, Name: "CONFAB_ADMIN_TOKEN", Kind: token.Admin,
				Prefix: token.Prefix(cfg.AdminToken), Hash: token.Hash(cfg.AdminToken), CreatedAt: now})
			if err != nil && !errors.Is(err, store.ErrConflict) {
				return p, err
			}
		}
		return p, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return p, err
	}
	p = store.Project{ID: store.NewID("prj"), Name: "default", CreatedAt: now}
	if err := s.CreateProject(ctx, p); err != nil {
		return p, err
	}
	text, name := cfg.AdminToken, "CONFAB_ADMIN_TOKEN"
	if text == "" {
		text, name = token.New(token.Admin), "first start"
	}
	if err := s.CreateToken(ctx, store.Token{ID: store.NewID("tok"), ProjectID: p.ID, Name: name, Kind: token.Admin,
		Prefix: token.Prefix(text), Hash: token.Hash(text), CreatedAt: now}); err != nil {
		return p, err
	}
	if cfg.AdminToken == "" {
		fmt.Fprintf(out, "\nCreated project %s. Its admin API token (shown once, keep it):\n\n    %s\n\n", p.ID, text)
	}
	return p, nil
}

// declareChannels creates the channels of the configuration file, or
// brings existing ones in line with it.
func declareChannels(ctx context.Context, s store.Store, p store.Project, bots *Bots, specs []config.ChannelSpec, now time.Time) error {
	for _, spec := range specs {
		if !bots.Has(spec.Bot) {
			return fmt.Errorf("channel %s: no bot %q is served", spec.ID, spec.Bot)
		}
		if _, err := webhook.ParseSecret(spec.WebhookSecret); err != nil {
			return fmt.Errorf("channel %s: webhook_secret: %w", spec.ID, err)
		}
		c := store.Channel{ID: spec.ID, ProjectID: p.ID, Bot: spec.Bot, TokenHash: token.Hash(spec.Token), WebhookURL: spec.WebhookURL,
			WebhookSecret: spec.WebhookSecret, Keywords: spec.Keywords, CreatedAt: now, UpdatedAt: now}
		old, err := s.GetChannel(ctx, p.ID, spec.ID)
		switch {
		case err == nil:
			c.CreatedAt = old.CreatedAt
			err = s.UpdateChannel(ctx, c)
		case errors.Is(err, store.ErrNotFound):
			err = s.CreateChannel(ctx, c)
		}
		if err != nil {
			return fmt.Errorf("channel %s: %w", spec.ID, err)
		}
	}
	return nil
}

// channelEndpoints are the channels' webhooks and the event subscriptions
// as the deliverer sees them: a delivery goes to its subscription when it
// has one (an event), else to its channel's webhook (a bot message).
type channelEndpoints struct{ store store.Store }

// Endpoint signs with the channel's (or subscription's) secret, and with
// the previous one during the overlap after a rotation.
func (c channelEndpoints) Endpoint(ctx context.Context, d store.Delivery) (webhook.Endpoint, error) {
	if d.SubscriptionID != "" {
		sub, err := c.store.GetSubscription(ctx, d.ProjectID, d.SubscriptionID)
		if err != nil {
			return webhook.Endpoint{}, fmt.Errorf("webhook %s: %w", d.SubscriptionID, err)
		}
		signer, err := subscriptionSigner(sub, time.Now())
		if err != nil {
			return webhook.Endpoint{}, err
		}
		return webhook.Endpoint{URL: sub.URL, Signer: signer, Disabled: sub.Disabled, FailingSince: sub.FailingSince}, nil
	}
	ch, err := c.store.ChannelByID(ctx, d.ChannelID)
	if err != nil {
		return webhook.Endpoint{}, fmt.Errorf("channel %s: %w", d.ChannelID, err)
	}
	signer, err := channelSigner(ch, time.Now())
	if err != nil {
		return webhook.Endpoint{}, err
	}
	return webhook.Endpoint{URL: ch.WebhookURL, Signer: signer, Disabled: ch.WebhookDisabled, FailingSince: ch.FailingSince}, nil
}

// SetHealth records the health of the channel's webhook, or of the
// subscription's endpoint.
func (c channelEndpoints) SetHealth(ctx context.Context, d store.Delivery, failingSince time.Time, disabled string) error {
	if d.SubscriptionID != "" {
		return c.store.SetSubscriptionHealth(ctx, d.SubscriptionID, failingSince, disabled)
	}
	return c.store.SetEndpointHealth(ctx, d.ChannelID, failingSince, disabled)
}

// subscriptionSigner signs with a subscription's secret, and with its
// previous secret until the rotation's overlap ends.
func subscriptionSigner(sub store.Subscription, now time.Time) (*webhook.Signer, error) {
	return channelSigner(store.Channel{WebhookSecret: sub.Secret, PreviousSecret: sub.PreviousSecret, PreviousUntil: sub.PreviousUntil}, now)
}

// channelSigner signs with a channel's secret, and with its previous
// secret until the rotation's overlap ends.
func channelSigner(ch store.Channel, now time.Time) (*webhook.Signer, error) {
	return webhook.RotatingSigner(ch.WebhookSecret, ch.PreviousSecret, ch.PreviousUntil, now)
}

// Serve runs the server until ctx is done (SIGTERM), then drains: new
// requests get 503, turns and deliveries in flight finish, and it returns
// nil. ready, when not nil, receives the address listened on.
func Serve(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer, ready func(addr string)) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	kinds := block.Builtin()
	// The callback URLs of wait blocks are signed with the server's key
	// on its public URL, both known once the store is open and the server
	// listens; no turn runs before.
	var callbacks *callback.Signer
	callbackURL := func(st *flow.State, id string) string { return callbacks.FlowURL(st, id) }
	bots, problems, err := LoadBots(cfg.BotsDir, kinds, flow.Options{Env: cfg.Env, Secrets: cfg.Secrets, CallbackURL: callbackURL})
	for _, p := range problems {
		log.Warn("bot file", "problem", p.String())
	}
	if err != nil {
		return err
	}
	s, err := OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if cfg.DatabaseURL == "" {
		// SQLite serves one process: leases found at start were left by a
		// process that died, and its work can resume at once.
		if err := s.ReleaseLeases(ctx); err != nil {
			return err
		}
	}
	project, err := ensureProject(ctx, s, cfg, out, time.Now())
	if err != nil {
		return err
	}
	if err := declareChannels(ctx, s, project, bots, cfg.Channels, time.Now()); err != nil {
		return err
	}
	callbackKey, err := s.ServerKey(ctx, callback.KeyName, callback.NewKey())
	if err != nil {
		return fmt.Errorf("the callback key: %w", err)
	}
	// Calls a user waits on may take up to 30 s; webhook attempts set their
	// own 15 s deadline. Validate has checked the proxy setting.
	useEnvProxy, proxy, err := safehttp.ParseProxy(cfg.OutboundProxy)
	if err != nil {
		return fmt.Errorf("outbound-proxy: %w", err)
	}
	client, err := safehttp.New(safehttp.Config{Allow: cfg.AllowNet, Timeout: 30 * time.Second, UseEnvironmentProxy: useEnvProxy, Proxy: proxy})
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	metrics := api.NewMetrics(reg)

	deliverer := webhook.NewDeliverer(s, client.HTTPClient(), channelEndpoints{s}, log, webhook.DelivererConfig{Schedule: cfg.RetrySchedule})
	if n, ok := s.(interface{ OnEvents(func()) }); ok {
		n.OnEvents(deliverer.Wake) // events written go out at once
	}
	// Scripts of code blocks run in QuickJS, a few at once (jsbox's limits).
	exec := action.Executor{Client: client.HTTPClient(), Scripts: jsbox.New(jsbox.Config{})}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	callbacks = callback.New(publicURL(cfg.PublicURL, ln.Addr(), log), callbackKey)
	turns := turn.New(s, bots, exec, log, turn.Config{}, deliverer)
	server := api.New(api.Deps{Store: s, Bots: bots, Log: log, Metrics: metrics, Prepare: turns.Prepare, Accepted: turns.Accepted, Replayed: deliverer.Wake,
		PrepareCommand: turns.PrepareCommand, Submitted: turns.Submitted,
		TestWebhook: func(ctx context.Context, c store.Channel) api.TestResult {
			return testWebhook(ctx, client.HTTPClient(), c)
		},
		TestEvent: func(ctx context.Context, sub store.Subscription) api.TestResult {
			return testEvent(ctx, client.HTTPClient(), sub)
		},
		RateLimits: ratelimit.New(cfg.RateLimits, nil),
		Execute:    exec,
		Callbacks:  callbacks,
	})
	httpServer := &http.Server{Handler: server, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	log.Info("confab is serving", "addr", ln.Addr().String(), "bots", bots.IDs(), "database", databaseName(cfg))
	if ready != nil {
		ready(ln.Addr().String())
	}

	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	// The workers, and the sweeps of timed-out waits, expired idempotent
	// answers and old execution logs; each returns when work ends.
	workers := []func(context.Context){turns.Run, deliverer.Run, server.SweepKeptAnswers,
		func(ctx context.Context) { turns.SweepWaits(ctx, cfg.WaitSweep) },
		func(ctx context.Context) {
			SweepTurnLogs(ctx, s, LogRetention{MaxAge: cfg.LogRetention, Keep: cfg.LogKeep}, log, time.Now)
		}}
	done := make(chan struct{}, len(workers))
	for _, run := range workers {
		go func() { run(work); done <- struct{}{} }()
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(ln) }()

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		stopWork()
		for range workers {
			<-done
		}
		return err
	}
	log.Info("stopping: new requests get 503, turns in flight finish")
	server.Drain()
	shutdown, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	_ = httpServer.Shutdown(shutdown)
	stopWork()
	for range workers {
		select {
		case <-done:
		case <-shutdown.Done():
			return errors.New("turns in flight did not finish within the shutdown time-out; their leases run out and another start resumes them")
		}
	}
	log.Info("stopped")
	return nil
}

// publicURL is the configured public URL, or http://<addr> of the address
// listened on (localhost when that is every interface: callbacks from
// elsewhere need the public URL set).
func publicURL(configured string, addr net.Addr, log *slog.Logger) string {
	if configured != "" {
		return configured
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		log.Warn("no public URL is set: the callback URLs of wait blocks are on localhost; set --public-url (CONFAB_PUBLIC_URL) for callers elsewhere")
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func databaseName(cfg config.Config) string {
	if cfg.DatabaseURL != "" {
		return "postgres"
	}
	return filepath.Join(cfg.DataDir, "confab.db")
}

// testWebhook POSTs a signed sample message to a channel's webhook.
func testWebhook(ctx context.Context, client *http.Client, c store.Channel) api.TestResult {
	now := time.Now()
	signer, err := channelSigner(c, now)
	if err != nil {
		return api.TestResult{Error: err.Error()}
	}
	body := fmt.Appendf(nil, `{"channelID":%q,"message":"This is a test message from Confab.","userID":0,"timestamp":%d,"test":true}`, c.ID, now.UnixMilli())
	r := webhook.Post(ctx, client, signer, webhook.NewMessageID(now), c.WebhookURL, body, now)
	return api.TestResult{Reachable: r.OK(), Status: r.Status, LatencyMs: r.Latency.Milliseconds(), Error: r.Err}
}

// testEvent POSTs a signed webhook.test event to a subscription's URL.
func testEvent(ctx context.Context, client *http.Client, sub store.Subscription) api.TestResult {
	now := time.Now()
	signer, err := subscriptionSigner(sub, now)
	if err != nil {
		return api.TestResult{Error: err.Error()}
	}
	e := events.New(events.WebhookTest, sub.ProjectID, now, events.TestData{WebhookID: sub.ID, Message: "This is a test event from Confab."})
	r := webhook.Post(ctx, client, signer, webhook.NewMessageID(now), sub.URL, e.JSON(), now)
	return api.TestResult{Reachable: r.OK(), Status: r.Status, LatencyMs: r.Latency.Milliseconds(), Error: r.Err}
}
