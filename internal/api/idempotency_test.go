package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/confab/confab/internal/api"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/store/postgres"
	"github.com/confab/confab/internal/store/sqlite"
	"github.com/confab/confab/internal/token"
)

// databases are the databases the idempotency tests run on: SQLite, and
// PostgreSQL when CONFAB_TEST_DATABASE_URL names one.
var databases = []string{"sqlite", "postgres"}

// openTestStore opens a migrated store on a fresh database: a SQLite file,
// or a new schema of the PostgreSQL database (dropped after the test).
func openTestStore(t *testing.T, database string) store.Store {
	t.Helper()
	ctx := context.Background()
	var s store.Store
	switch database {
	case "sqlite":
		db, err := sqlite.Open(filepath.Join(t.TempDir(), "confab.db"))
		if err != nil {
			t.Fatal(err)
		}
		s = db
	case "postgres":
		base := os.Getenv("CONFAB_TEST_DATABASE_URL")
		if base == "" {
			t.Skip("CONFAB_TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
		}
		admin, err := postgres.Open(ctx, base)
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		schema := strings.ReplaceAll(store.NewID("idem"), "_", "")
		if _, err := admin.W.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			admin.Close()
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			if _, err := admin.W.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
				t.Errorf("drop schema %s: %v", schema, err)
			}
			admin.Close()
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		db, err := postgres.Open(ctx, u.String())
		if err != nil {
			t.Fatal(err)
		}
		s = db
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// testClock is a clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// idemEnv is an env on a database of the test's choice, with a clock the
// test moves, a count of the test-webhook probes, and the store wrapped
// as the test asks (nil: as it is).
type idemEnv struct {
	*env
	clock  *testClock
	probes atomic.Int32
}

func newIdemEnv(t *testing.T, database string, wrap func(store.Store) store.Store) *idemEnv {
	t.Helper()
	ctx := context.Background()
	db := openTestStore(t, database)
	e := &idemEnv{env: &env{store: db, projectA: "prj_a", projectB: "prj_b", closeStore: func() {}},
		clock: &testClock{now: time.Now().UTC().Truncate(time.Millisecond)}}
	for i, p := range []struct{ id, token string }{{e.projectA, tokenA}, {e.projectB, tokenB}} {
		if err := db.CreateProject(ctx, store.Project{ID: p.id, Name: p.id, CreatedAt: e.clock.now.Add(time.Duration(i) * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateToken(ctx, store.Token{ID: "tok_" + p.id, ProjectID: p.id, Name: "test", Kind: token.Admin,
			Prefix: token.Prefix(p.token), Hash: token.Hash(p.token), CreatedAt: e.clock.now}); err != nil {
			t.Fatal(err)
		}
	}
	s := store.Store(db)
	if wrap != nil {
		s = wrap(db)
	}
	e.api = e.server(s)
	srv := httptest.NewServer(e.api)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// server builds an API server on s that shares the env's clock and
// counters: another server of the same database.
func (e *idemEnv) server(s store.Store) *api.Server {
	return api.New(api.Deps{
		Store:    s,
		Bots:     bots{"echo": true, "shop": true},
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics:  api.NewMetrics(prometheus.NewRegistry()),
		Accepted: func(store.Accepted) { e.accepted.Add(1) },
		Replayed: func() { e.replayed.Add(1) },
		TestWebhook: func(context.Context, store.Channel) api.TestResult {
			e.probes.Add(1)
			return api.TestResult{Reachable: true, Status: 204}
		},
		Now: e.clock.Now,
	})
}

// post sends a POST with body (none when empty), an admin or channel
// bearer (none when empty) and an Idempotency-Key (none when empty).
func (e *env) post(t *testing.T, path, bearer, key, body string) answer {
	t.Helper()
	h := http.Header{"Authorization": bearerHeader(bearer)}
	if key != "" {
		h.Set("Idempotency-Key", key)
	}
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	return e.doHeader(t, "POST", path, b, h)
}

// wantReplay checks that a is b replayed: the same status, Content-Type
// and body, with Idempotent-Replayed: true.
func wantReplay(t *testing.T, what string, a, b answer) {
	t.Helper()
	if a.status != b.status || !bytes.Equal(a.body, b.body) || a.header.Get("Content-Type") != b.header.Get("Content-Type") {
		t.Errorf("%s = %d %q %s, want the first answer replayed: %d %q %s", what, a.status, a.header.Get("Content-Type"), a.body,
			b.status, b.header.Get("Content-Type"), b.body)
	}
	if got := a.header.Get("Idempotent-Replayed"); got != "true" {
		t.Errorf("%s: Idempotent-Replayed %q, want true", what, got)
	}
}

// wantFresh checks that a is an answer made now, not replayed.
func wantFresh(t *testing.T, what string, a answer, status int) {
	t.Helper()
	if a.status != status || a.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("%s = %d (Idempotent-Replayed %q) %s, want a fresh %d", what, a.status, a.header.Get("Idempotent-Replayed"), a.body, status)
	}
}

// wantSendFailure checks a POST /v1/messages error in the seed's shape.
func wantSendFailure(t *testing.T, a answer, status int, text string) {
	t.Helper()
	var f struct {
		Success *bool  `json:"success"`
		Error   string `json:"error"`
	}
	if err := json.Unmarshal(a.body, &f); err != nil || a.status != status || f.Success == nil || *f.Success ||
		!strings.Contains(f.Error, text) || a.header.Get("Content-Type") != "application/json" {
		t.Errorf("= %d %q %s, want %d {success: false, error: ...%s...}", a.status, a.header.Get("Content-Type"), a.body, status, text)
	}
}

// creatingRoute is a creating POST as the idempotency tests drive it.
type creatingRoute struct {
	name string
	// path and body make the request; reordered is the same request
	// written otherwise; otherPath and otherBody another request.
	path, body, reordered, otherPath, otherBody string
	bearer                                      string
	status                                      int
	// effects counts what the route made.
	effects func() int
	// again says a new key makes the effect again.
	again bool
	// seed says errors keep the API channel's shape.
	seed bool
}

// creatingRoutes returns every creating route of e, ready to be driven.
func (e *idemEnv) creatingRoutes(t *testing.T) []creatingRoute {
	ch := e.createChannel(t, tokenA, map[string]any{})
	dead := e.deadDelivery(t, ch.ChannelID)
	channels := func() int {
		list, err := e.store.ListChannels(context.Background(), e.projectA)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	tokens := func() int {
		list, err := e.store.ListTokens(context.Background(), e.projectA)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	webhooks := func() int {
		list, err := e.store.ListSubscriptions(context.Background(), e.projectA)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	accepted := func() int { return int(e.accepted.Load()) }
	msg := func(fields string) string {
		return `{"channelID":"` + ch.ChannelID + `","token":"` + ch.Token + `",` + fields + `}`
	}
	return []creatingRoute{
		{name: "create a channel", path: "/v1/channels", bearer: tokenA, status: http.StatusCreated, effects: channels, again: true,
			body:      `{"bot":"echo","webhookUrl":"https://hooks.example.com/a","keywords":["x"]}`,
			reordered: "{\n  \"keywords\": [ \"x\" ],\n  \"webhookUrl\": \"https://hooks.example.com/a\",\n  \"bot\": \"echo\"\n}",
			otherPath: "/v1/channels", otherBody: `{"bot":"shop","webhookUrl":"https://hooks.example.com/a","keywords":["x"]}`},
		{name: "create a token", path: "/v1/tokens", bearer: tokenA, status: http.StatusCreated, effects: tokens, again: true,
			body: `{"name":"crm"}`, reordered: `{ "name" : "crm" }`, otherPath: "/v1/tokens", otherBody: `{"name":"erp"}`},
		{name: "create a webhook", path: "/v1/webhooks", bearer: tokenA, status: http.StatusCreated, effects: webhooks, again: true,
			body:      `{"url":"https://hooks.example.com/e","events":["message.received"]}`,
			reordered: `{"events":["message.received"],"url":"https://hooks.example.com/e"}`,
			otherPath: "/v1/webhooks", otherBody: `{"url":"https://hooks.example.com/e","events":["*"]}`},
		{name: "replay a delivery", path: "/v1/deliveries/" + dead + "/replay", bearer: tokenA, status: http.StatusAccepted,
			effects: func() int { return int(e.replayed.Load()) }, otherPath: "/v1/deliveries/msg_other/replay"},
		{name: "send as a new user", path: "/v1/messages", status: http.StatusOK, effects: accepted, again: true, seed: true,
			body: msg(`"message":"hi"`), reordered: `{"message":"hi","token":"` + ch.Token + `","channelID":"` + ch.ChannelID + `"}`,
			otherPath: "/v1/messages", otherBody: msg(`"message":"bye"`)},
		{name: "send as a sender", path: "/v1/messages", status: http.StatusOK, effects: accepted, again: true, seed: true,
			body: msg(`"message":"hi","senderID":"c-1"`), reordered: msg(`"senderID":"c-1","message":"hi"`),
			otherPath: "/v1/messages", otherBody: msg(`"message":"hi","senderID":"c-2"`)},
		{name: "send as a known user", path: "/v1/messages", status: http.StatusOK, effects: accepted, again: true, seed: true,
			// Integers beyond 2^53 are compared as written.
			body: msg(`"message":"hi","userID":9007199254740993`), reordered: msg(`"userID":9007199254740993, "message":"hi"`),
			otherPath: "/v1/messages", otherBody: msg(`"message":"hi","userID":9007199254740992`)},
	}
}

func TestIdempotentRequestsAreReplayed(t *testing.T) {
	t.Parallel()
	for _, database := range databases {
		t.Run(database, func(t *testing.T) {
			t.Parallel()
			e := newIdemEnv(t, database, nil)
			for _, r := range e.creatingRoutes(t) {
				t.Run(r.name, func(t *testing.T) {
					before := r.effects()
					first := e.post(t, r.path, r.bearer, r.name+"/1", r.body)
					wantFresh(t, "the first request", first, r.status)
					if got := r.effects(); got != before+1 {
						t.Fatalf("the first request made %d effects, want 1", got-before)
					}
					wantReplay(t, "the same request", e.post(t, r.path, r.bearer, r.name+"/1", r.body), first)
					if r.reordered != "" {
						wantReplay(t, "the same request written otherwise", e.post(t, r.path, r.bearer, r.name+"/1", r.reordered), first)
					}
					// Another request with the key: 422, in the route's shape.
					other := e.post(t, r.otherPath, r.bearer, r.name+"/1", r.otherBody)
					if r.seed {
						wantSendFailure(t, other, http.StatusUnprocessableEntity, "Idempotency-Key was used with another request")
					} else {
						wantProblem(t, other, http.StatusUnprocessableEntity, "", "Idempotency-Key was used with another request")
					}
					if got := r.effects(); got != before+1 {
						t.Errorf("after the replays the route made %d effects, want 1", got-before)
					}
					// A new key is a new request.
					if r.again {
						wantFresh(t, "the request with a new key", e.post(t, r.path, r.bearer, r.name+"/2", r.body), r.status)
						if got := r.effects(); got != before+2 {
							t.Errorf("a new key made %d effects in all, want 2", got-before)
						}
					}
					// Without a key nothing is kept or replayed.
					if r.again {
						wantFresh(t, "the request without a key", e.post(t, r.path, r.bearer, "", r.body), r.status)
					}
				})
			}
		})
	}
}

func TestIdempotencyKeySyntax(t *testing.T) {
	t.Parallel()
	e := newIdemEnv(t, "sqlite", nil)
	routes := e.creatingRoutes(t)
	for _, tc := range []struct {
		name string
		keys []string
		want int
	}{
		{"empty", []string{""}, http.StatusBadRequest},
		{"256 characters", []string{strings.Repeat("k", 256)}, http.StatusBadRequest},
		{"not ASCII", []string{"clé"}, http.StatusBadRequest},
		{"a tab", []string{"a\tb"}, http.StatusBadRequest},
		{"twice", []string{"a", "b"}, http.StatusBadRequest},
		{"255 characters", []string{strings.Repeat("k", 255)}, 0},
		{"spaces and punctuation", []string{`order 48213/1 {"x"}~`}, 0},
	} {
		for _, r := range routes {
			t.Run(tc.name+" "+r.name, func(t *testing.T) {
				before := r.effects()
				keys := tc.keys
				if tc.want == 0 {
					// Good keys, one per route.
					keys = []string{keys[0][:len(keys[0])-len(r.name)] + r.name}
				}
				h := http.Header{"Authorization": bearerHeader(r.bearer), "Idempotency-Key": keys}
				var body []byte
				if r.body != "" {
					body = []byte(r.body)
				}
				a := e.doHeader(t, "POST", r.path, body, h)
				switch {
				case tc.want == 0 && r.again:
					if a.status != r.status {
						t.Errorf("a good key: %d %s", a.status, a.body)
					}
				case tc.want == 0:
					// The delivery was replayed by the first good key.
					if a.status != r.status && a.status != http.StatusConflict {
						t.Errorf("a good key: %d %s", a.status, a.body)
					}
				case r.seed:
					wantSendFailure(t, a, tc.want, "Idempotency-Key")
				default:
					wantProblem(t, a, tc.want, "", "Idempotency-Key")
				}
				if tc.want != 0 && r.effects() != before {
					t.Errorf("a refused key made an effect")
				}
			})
		}
	}
}

// gateStore holds the effects made with an Idempotency-Key at a gate until
// the test opens it: entered receives one value for each.
type gateStore struct {
	store.Store
	entered chan string
	open    chan struct{}
}

func newGate(s store.Store) *gateStore {
	return &gateStore{Store: s, entered: make(chan string, 16), open: make(chan struct{})}
}

func (g *gateStore) hold(ctx context.Context, what string) {
	if store.IdempotencyOf(ctx) != nil {
		g.entered <- what
		<-g.open
	}
}

func (g *gateStore) CreateChannel(ctx context.Context, c store.Channel) error {
	g.hold(ctx, "CreateChannel")
	return g.Store.CreateChannel(ctx, c)
}

func (g *gateStore) CreateToken(ctx context.Context, tok store.Token) error {
	g.hold(ctx, "CreateToken")
	return g.Store.CreateToken(ctx, tok)
}

func (g *gateStore) ReplayDelivery(ctx context.Context, projectID, id string, now time.Time) error {
	g.hold(ctx, "ReplayDelivery")
	return g.Store.ReplayDelivery(ctx, projectID, id, now)
}

func (g *gateStore) Accept(ctx context.Context, in store.Inbound) (store.Accepted, error) {
	g.hold(ctx, "Accept")
	return g.Store.Accept(ctx, in)
}

func TestARequestInFlightHoldsItsKey(t *testing.T) {
	t.Parallel()
	for _, database := range databases {
		t.Run(database, func(t *testing.T) {
			t.Parallel()
			var gate *gateStore
			e := newIdemEnv(t, database, func(s store.Store) store.Store { gate = newGate(s); return gate })
			ch := e.createChannel(t, tokenA, map[string]any{})
			for _, r := range []struct {
				path, bearer, body, other string
				status                    int
				seed                      bool
			}{
				{"/v1/channels", tokenA, `{"bot":"echo","webhookUrl":"https://hooks.example.com/a"}`, `{"bot":"shop","webhookUrl":"https://hooks.example.com/a"}`, http.StatusCreated, false},
				{"/v1/messages", ch.Token, `{"channelID":"` + ch.ChannelID + `","message":"hi"}`, `{"channelID":"` + ch.ChannelID + `","message":"ho"}`, http.StatusOK, true},
			} {
				firstDone := make(chan answer, 1)
				go func() { firstDone <- e.post(t, r.path, r.bearer, "held", r.body) }()
				<-gate.entered
				// While the first is held before its effect: the same
				// request is a 409 with Retry-After, another one a 422.
				busy := e.post(t, r.path, r.bearer, "held", r.body)
				if r.seed {
					wantSendFailure(t, busy, http.StatusConflict, "in flight")
					wantSendFailure(t, e.post(t, r.path, r.bearer, "held", r.other), http.StatusUnprocessableEntity, "another request")
				} else {
					wantProblem(t, busy, http.StatusConflict, "", "in flight")
					wantProblem(t, e.post(t, r.path, r.bearer, "held", r.other), http.StatusUnprocessableEntity, "", "another request")
				}
				if busy.header.Get("Retry-After") != "1" {
					t.Errorf("%s: 409 with Retry-After %q, want 1", r.path, busy.header.Get("Retry-After"))
				}
				gate.open <- struct{}{}
				first := <-firstDone
				wantFresh(t, r.path+" held", first, r.status)
				wantReplay(t, r.path+" after the first", e.post(t, r.path, r.bearer, "held", r.body), first)
			}
		})
	}
}

func TestConcurrentRequestsWithOneKeyMakeOneEffect(t *testing.T) {
	t.Parallel()
	for _, database := range databases {
		t.Run(database, func(t *testing.T) {
			t.Parallel()
			e := newIdemEnv(t, database, nil)
			ch := e.createChannel(t, tokenA, map[string]any{})
			for _, r := range []struct {
				path, bearer, body string
				status             int
				effects            func() int
			}{
				{"/v1/channels", tokenA, `{"bot":"echo","webhookUrl":"https://hooks.example.com/a"}`, http.StatusCreated, func() int {
					list, err := e.store.ListChannels(context.Background(), e.projectA)
					if err != nil {
						t.Fatal(err)
					}
					return len(list)
				}},
				{"/v1/messages", ch.Token, `{"channelID":"` + ch.ChannelID + `","message":"hi","senderID":"s"}`, http.StatusOK,
					func() int { return int(e.accepted.Load()) }},
			} {
				before := r.effects()
				const n = 12
				answers := make([]answer, n)
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() { answers[i] = e.post(t, r.path, r.bearer, "same", r.body) })
				}
				wg.Wait()
				var made *answer
				for i, a := range answers {
					switch {
					case a.status == r.status && a.header.Get("Idempotent-Replayed") == "":
						if made != nil {
							t.Errorf("%s: two requests made their effect: %s and %s", r.path, made.body, a.body)
						}
						made = &answers[i]
					case a.status == r.status || a.status == http.StatusConflict:
					default:
						t.Errorf("%s: a request answered %d %s", r.path, a.status, a.body)
					}
				}
				if made == nil {
					t.Fatalf("%s: no request made its effect", r.path)
				}
				for _, a := range answers {
					if a.status == r.status && a.header.Get("Idempotent-Replayed") == "true" && !bytes.Equal(a.body, made.body) {
						t.Errorf("%s: a replay %s is not the answer %s", r.path, a.body, made.body)
					}
				}
				if got := r.effects() - before; got != 1 {
					t.Errorf("%s: %d effects, want 1", r.path, got)
				}
			}
		})
	}
}

func TestTwoServersRacingWithOneKey(t *testing.T) {
	// Two servers of one database (each with its own requests in flight):
	// the first is held before its effect while the second makes its
	// own; when the first goes on, its transaction finds the key taken,
	// rolls back, and it answers as the second did.
	t.Parallel()
	for _, database := range databases {
		t.Run(database, func(t *testing.T) {
			t.Parallel()
			var gate *gateStore
			e := newIdemEnv(t, database, func(s store.Store) store.Store { gate = newGate(s); return gate })
			other := httptest.NewServer(e.server(gate.Store))
			t.Cleanup(other.Close)
			second := &env{url: other.URL}
			ch := e.createChannel(t, tokenA, map[string]any{})
			for _, r := range []struct {
				path, bearer, body string
				status             int
			}{
				{"/v1/channels", tokenA, `{"bot":"echo","webhookUrl":"https://hooks.example.com/a"}`, http.StatusCreated},
				{"/v1/messages", ch.Token, `{"channelID":"` + ch.ChannelID + `","message":"hi"}`, http.StatusOK},
			} {
				channels, _ := e.store.ListChannels(context.Background(), e.projectA)
				accepted := e.accepted.Load()
				firstDone := make(chan answer, 1)
				go func() { firstDone <- e.post(t, r.path, r.bearer, "race", r.body) }()
				<-gate.entered
				won := second.post(t, r.path, r.bearer, "race", r.body)
				wantFresh(t, r.path+" on the second server", won, r.status)
				gate.open <- struct{}{}
				wantReplay(t, r.path+" held on the first server", <-firstDone, won)
				after, _ := e.store.ListChannels(context.Background(), e.projectA)
				if len(after)-len(channels)+int(e.accepted.Load()-accepted) != 1 {
					t.Errorf("%s: %d channels and %d messages made, want one effect", r.path, len(after)-len(channels), e.accepted.Load()-accepted)
				}
			}
		})
	}
}

func TestKeysExpireAfter24Hours(t *testing.T) {
	t.Parallel()
	for _, database := range databases {
		t.Run(database, func(t *testing.T) {
			t.Parallel()
			e := newIdemEnv(t, database, nil)
			body := `{"bot":"echo","webhookUrl":"https://hooks.example.com/a"}`
			first := e.post(t, "/v1/channels", tokenA, "day", body)
			wantFresh(t, "the first request", first, http.StatusCreated)
			e.clock.advance(store.KeptAnswerTTL - time.Millisecond)
			wantReplay(t, "the request a moment before 24 hours", e.post(t, "/v1/channels", tokenA, "day", body), first)
			e.clock.advance(time.Millisecond)
			later := e.post(t, "/v1/channels", tokenA, "day", body)
			wantFresh(t, "the request after 24 hours", later, http.StatusCreated)
			if bytes.Equal(later.body, first.body) {
				t.Errorf("after 24 hours the same channel again: %s", later.body)
			}
			wantReplay(t, "the request after that", e.post(t, "/v1/channels", tokenA, "day", body), later)
		})
	}
}

// failingStore fails the next effect made with an Idempotency-Key, as a
// crash before its commit would leave it: not made.
type failingStore struct {
	store.Store
	fail atomic.Bool
}

func (f *failingStore) CreateChannel(ctx context.Context, c store.Channel) error {
	if store.IdempotencyOf(ctx) != nil && f.fail.CompareAndSwap(true, false) {
		return store.ErrUnavailable
	}
	return f.Store.CreateChannel(ctx, c)
}

func TestAFailedRequestLeavesItsKeyFree(t *testing.T) {
	t.Parallel()
	for _, database := range databases {
		t.Run(database, func(t *testing.T) {
			t.Parallel()
			var fs *failingStore
			e := newIdemEnv(t, database, func(s store.Store) store.Store { fs = &failingStore{Store: s}; return fs })
			fs.fail.Store(true)
			body := `{"bot":"echo","webhookUrl":"https://hooks.example.com/a"}`
			wantProblem(t, e.post(t, "/v1/channels", tokenA, "retry", body), http.StatusServiceUnavailable, "", "unavailable")
			// Invalid requests keep nothing either.
			wantProblem(t, e.post(t, "/v1/channels", tokenA, "retry", `{"bot":"nobot","webhookUrl":"https://hooks.example.com/a"}`),
				http.StatusBadRequest, "/bot", "nobot")
			first := e.post(t, "/v1/channels", tokenA, "retry", body)
			wantFresh(t, "the retry", first, http.StatusCreated)
			wantReplay(t, "the retry again", e.post(t, "/v1/channels", tokenA, "retry", body), first)
			if list, err := e.store.ListChannels(context.Background(), e.projectA); err != nil || len(list) != 1 {
				t.Errorf("channels %v, %v; want 1", list, err)
			}
		})
	}
}

func TestKeysBelongToATokenOrAChannel(t *testing.T) {
	t.Parallel()
	e := newIdemEnv(t, "sqlite", nil)
	body := `{"bot":"echo","webhookUrl":"https://hooks.example.com/a"}`
	mine := e.post(t, "/v1/channels", tokenA, "shared", body)
	wantFresh(t, "project A", mine, http.StatusCreated)
	wantFresh(t, "project B with A's key", e.post(t, "/v1/channels", tokenB, "shared", body), http.StatusCreated)
	other := e.createToken(t, tokenA, map[string]any{"name": "second"})
	wantFresh(t, "another token of project A", e.post(t, "/v1/channels", other.Token, "shared", body), http.StatusCreated)
	wantReplay(t, "project A again", e.post(t, "/v1/channels", tokenA, "shared", body), mine)

	c1 := e.createChannel(t, tokenA, map[string]any{})
	c2 := e.createChannel(t, tokenA, map[string]any{})
	msg := func(c created) string {
		return `{"channelID":"` + c.ChannelID + `","token":"` + c.Token + `","message":"hi"}`
	}
	sent := e.post(t, "/v1/messages", "", "m", msg(c1))
	wantFresh(t, "a message on channel 1", sent, http.StatusOK)
	wantFresh(t, "a message on channel 2 with the key", e.post(t, "/v1/messages", "", "m", msg(c2)), http.StatusOK)
	wantReplay(t, "channel 1 again", e.post(t, "/v1/messages", "", "m", msg(c1)), sent)
}

func TestKeptAnswersAreSealedWithTheToken(t *testing.T) {
	t.Parallel()
	e := newIdemEnv(t, "sqlite", nil)
	first := e.post(t, "/v1/tokens", tokenA, "new-token", `{"name":"crm"}`)
	wantFresh(t, "POST /v1/tokens", first, http.StatusCreated)
	var made madeToken
	if err := json.Unmarshal(first.body, &made); err != nil || made.Token == "" {
		t.Fatalf("answer %s", first.body)
	}
	kept, err := e.store.KeptAnswer(context.Background(), "token:tok_"+e.projectA, "new-token", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(kept.Body, []byte(made.Token)) || bytes.Contains(kept.Body, []byte("crm")) {
		t.Errorf("the kept answer shows the token in clear: %q", kept.Body)
	}
	wantReplay(t, "the replay", e.post(t, "/v1/tokens", tokenA, "new-token", `{"name":"crm"}`), first)

	// A channel's message kept with the old token does not open with the
	// new one.
	ch := e.createChannel(t, tokenA, map[string]any{})
	body := `{"channelID":"` + ch.ChannelID + `","message":"hi"}`
	wantFresh(t, "a message", e.post(t, "/v1/messages", ch.Token, "msg", body), http.StatusOK)
	a := e.do(t, "PATCH", "/v1/channels/"+ch.ChannelID, tokenA, []byte(`{"rotateToken":true}`))
	var rotated created
	if err := json.Unmarshal(a.body, &rotated); err != nil || rotated.Token == "" {
		t.Fatalf("PATCH = %d %s", a.status, a.body)
	}
	wantSendFailure(t, e.post(t, "/v1/messages", rotated.Token, "msg", body), http.StatusUnprocessableEntity, "another token")
}

func TestTestWebhookIsNotCreating(t *testing.T) {
	// A probe shows the webhook as it is now: the key is ignored, and
	// each request probes.
	t.Parallel()
	e := newIdemEnv(t, "sqlite", nil)
	ch := e.createChannel(t, tokenA, map[string]any{})
	for range 2 {
		wantFresh(t, "test-webhook", e.post(t, "/v1/channels/"+ch.ChannelID+"/test-webhook", tokenA, "probe", ""), http.StatusOK)
	}
	if e.probes.Load() != 2 {
		t.Errorf("%d probes, want 2", e.probes.Load())
	}
}
