package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/confab/confab/internal/api"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/store/sqlite"
	"github.com/confab/confab/internal/token"
)

// Admin tokens of the two projects every test server has.
const (
	tokenA = "cfb_admin_project-a-0123456789abcdef0123456789"
	tokenB = "cfb_admin_project-b-0123456789abcdef0123456789"
)

// bots is the set of bots a test server serves.
type bots map[string]bool

func (b bots) Has(id string) bool { return b[id] }

// env is an API server on 127.0.0.1 over a fresh SQLite file, with two
// projects (A and B), each with its admin token.
type env struct {
	url      string
	api      *api.Server
	store    store.Store
	projectA string
	projectB string
	accepted atomic.Int32 // calls of Deps.Accepted
	replayed atomic.Int32 // calls of Deps.Replayed
	// closeStore closes the store once (a test may close it early).
	closeStore func()
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "confab.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: db, projectA: "prj_a", projectB: "prj_b"}
	e.closeStore = sync.OnceFunc(func() { db.Close() })
	t.Cleanup(e.closeStore)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, p := range []struct{ id, token string }{{e.projectA, tokenA}, {e.projectB, tokenB}} {
		if err := db.CreateProject(ctx, store.Project{ID: p.id, Name: p.id, CreatedAt: now.Add(time.Duration(i) * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateToken(ctx, store.Token{ID: "tok_" + p.id, ProjectID: p.id, Name: "test", Kind: token.Admin,
			Prefix: token.Prefix(p.token), Hash: token.Hash(p.token), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	e.api = api.New(api.Deps{
		Store:    db,
		Bots:     bots{"echo": true, "shop": true},
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics:  api.NewMetrics(prometheus.NewRegistry()),
		Accepted: func(store.Accepted) { e.accepted.Add(1) },
		Replayed: func() { e.replayed.Add(1) },
		TestWebhook: func(_ context.Context, c store.Channel) api.TestResult {
			return api.TestResult{Reachable: true, Status: 299, Error: "tested " + c.ID}
		},
	})
	srv := httptest.NewServer(e.api)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// answer is an HTTP answer read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a map.
func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("answer %d is not a JSON object: %q", a.status, a.body)
	}
	return m
}

// do sends body (raw; nil for none) with an admin bearer token (none when
// empty) and reads the answer.
func (e *env) do(t *testing.T, method, path, bearer string, body []byte) answer {
	t.Helper()
	return e.doHeader(t, method, path, body, http.Header{"Authorization": bearerHeader(bearer)})
}

func bearerHeader(tok string) []string {
	if tok == "" {
		return nil
	}
	return []string{"Bearer " + tok}
}

func (e *env) doHeader(t *testing.T, method, path string, body []byte, h http.Header) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: data}
}

// jsonBody encodes v.
func jsonBody(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// problem is an application/problem+json answer.
type problem struct {
	Type    string `json:"type"`
	Title   string `json:"title"`
	Status  int    `json:"status"`
	Detail  string `json:"detail"`
	Pointer string `json:"pointer"`
}

// wantProblem checks a problem+json answer and returns it.
func wantProblem(t *testing.T, a answer, status int, pointer, detail string) problem {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d; body %s", a.status, status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	var p problem
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatalf("not a problem: %q", a.body)
	}
	if p.Type != "about:blank" || p.Status != status || p.Title != http.StatusText(status) {
		t.Errorf("problem %+v", p)
	}
	if p.Pointer != pointer {
		t.Errorf("pointer %q, want %q (detail %q)", p.Pointer, pointer, p.Detail)
	}
	if !strings.Contains(p.Detail, detail) {
		t.Errorf("detail %q, want it to contain %q", p.Detail, detail)
	}
	return p
}

// created is a channel as POST /v1/channels answers it.
type created struct {
	ChannelID     string   `json:"channelID"`
	Bot           string   `json:"bot"`
	WebhookURL    string   `json:"webhookUrl"`
	Keywords      []string `json:"keywords"`
	Token         string   `json:"token"`
	WebhookSecret string   `json:"webhookSecret"`
	CreatedAt     string   `json:"createdAt"`
	UpdatedAt     string   `json:"updatedAt"`
}

// createChannel makes a channel through the API with an admin token.
func (e *env) createChannel(t *testing.T, admin string, body map[string]any) created {
	t.Helper()
	if _, ok := body["bot"]; !ok {
		body["bot"] = "echo"
	}
	if _, ok := body["webhookUrl"]; !ok {
		body["webhookUrl"] = "https://hooks.example.com/confab"
	}
	a := e.do(t, "POST", "/v1/channels", admin, jsonBody(t, body))
	if a.status != http.StatusCreated {
		t.Fatalf("POST /v1/channels = %d %s", a.status, a.body)
	}
	var c created
	if err := json.Unmarshal(a.body, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAdminRoutesNeedAValidToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{})
	routes := []struct{ method, path string }{
		{"GET", "/v1/channels"},
		{"POST", "/v1/channels"},
		{"GET", "/v1/channels/" + ch.ChannelID},
		{"PATCH", "/v1/channels/" + ch.ChannelID},
		{"DELETE", "/v1/channels/" + ch.ChannelID},
		{"POST", "/v1/channels/" + ch.ChannelID + "/test-webhook"},
		{"GET", "/v1/channels/" + ch.ChannelID + "/deliveries"},
		{"POST", "/v1/deliveries/msg_x/replay"},
	}
	for _, tc := range []struct {
		name          string
		authorization []string
		challenge     string
		detail        string
	}{
		{"no header", nil, `Bearer realm="confab"`, "missing Authorization: Bearer token"},
		{"empty bearer", []string{"Bearer "}, `Bearer realm="confab"`, "missing"},
		{"basic scheme", []string{"Basic " + tokenA}, `Bearer realm="confab"`, "missing"},
		{"unknown token", []string{"Bearer cfb_admin_nobody-0123456789abcdef0123456789"}, `Bearer realm="confab", error="invalid_token"`, "the token is not valid"},
		{"a channel's token is not an admin token", []string{"Bearer " + ch.Token}, `Bearer realm="confab", error="invalid_token"`, "the token is not valid"},
		{"token with a suffix", []string{"Bearer " + tokenA + "x"}, `Bearer realm="confab", error="invalid_token"`, "the token is not valid"},
	} {
		for _, r := range routes {
			a := e.doHeader(t, r.method, r.path, []byte(`{}`), http.Header{"Authorization": tc.authorization})
			t.Run(tc.name+" "+r.method+" "+r.path, func(t *testing.T) {
				wantProblem(t, a, http.StatusUnauthorized, "", tc.detail)
				if got := a.header.Get("WWW-Authenticate"); got != tc.challenge {
					t.Errorf("WWW-Authenticate %q, want %q", got, tc.challenge)
				}
			})
		}
	}
	// Nothing was changed by the refused requests, and the scheme is case
	// insensitive.
	a := e.doHeader(t, "GET", "/v1/channels/"+ch.ChannelID, nil, http.Header{"Authorization": {"bearer  " + tokenA}})
	if a.status != http.StatusOK || a.json(t)["channelID"] != ch.ChannelID {
		t.Errorf("GET with a lower-case bearer = %d %s", a.status, a.body)
	}
}

func TestProjectsSeeOnlyTheirChannels(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{"channelID": "shop-web", "keywords": []string{"#start"}})
	dead := e.deadDelivery(t, ch.ChannelID)

	for _, tc := range []struct {
		method, path string
		body         []byte
	}{
		{"GET", "/v1/channels/shop-web", nil},
		{"PATCH", "/v1/channels/shop-web", []byte(`{"webhookUrl":"https://evil.example.com/"}`)},
		{"DELETE", "/v1/channels/shop-web", nil},
		{"GET", "/v1/channels/shop-web/deliveries", nil},
		{"POST", "/v1/channels/shop-web/test-webhook", nil},
		{"POST", "/v1/deliveries/" + dead + "/replay", nil},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			wantProblem(t, e.do(t, tc.method, tc.path, tokenB, tc.body), http.StatusNotFound, "", "not found")
		})
	}
	a := e.do(t, "GET", "/v1/channels", tokenB, nil)
	if a.status != http.StatusOK || string(a.body) != "{\"channels\":[]}\n" {
		t.Errorf("B's list = %d %s", a.status, a.body)
	}

	// A's channel is untouched and still A's.
	a = e.do(t, "GET", "/v1/channels/shop-web", tokenA, nil)
	if m := a.json(t); a.status != http.StatusOK || m["webhookUrl"] != "https://hooks.example.com/confab" {
		t.Errorf("A's channel after B's attempts = %d %s", a.status, a.body)
	}
	var list struct {
		Deliveries []struct {
			ID, Status, NextAt string
			Attempts           int
			History            []struct {
				Status    int    `json:"status"`
				LatencyMs int64  `json:"latencyMs"`
				Error     string `json:"error"`
				Excerpt   string `json:"responseExcerpt"`
			}
		}
	}
	a = e.do(t, "GET", "/v1/channels/shop-web/deliveries", tokenA, nil)
	if err := json.Unmarshal(a.body, &list); err != nil || a.status != 200 {
		t.Fatalf("A's deliveries = %d %s", a.status, a.body)
	}
	if len(list.Deliveries) != 1 {
		t.Fatalf("deliveries %+v", list)
	}
	d := list.Deliveries[0]
	if d.ID != dead || d.Status != "dead" || d.Attempts != 1 || d.NextAt != "" || len(d.History) != 1 ||
		d.History[0].Status != 500 || d.History[0].LatencyMs != 12 || d.History[0].Error != "status 500" || d.History[0].Excerpt != "oops" {
		t.Errorf("delivery %+v", d)
	}
	// A may replay it; that wakes the delivery worker.
	before := e.replayed.Load()
	a = e.do(t, "POST", "/v1/deliveries/"+dead+"/replay", tokenA, nil)
	if m := a.json(t); a.status != http.StatusAccepted || m["id"] != dead || m["status"] != "pending" {
		t.Errorf("A's replay = %d %s", a.status, a.body)
	}
	if e.replayed.Load() != before+1 {
		t.Errorf("replay did not call Replayed")
	}
	a = e.do(t, "GET", "/v1/channels/shop-web/deliveries", tokenA, nil)
	if err := json.Unmarshal(a.body, &list); err != nil || len(list.Deliveries) != 1 || list.Deliveries[0].Status != "pending" || list.Deliveries[0].NextAt == "" {
		t.Errorf("after replay: %s", a.body)
	}
	wantProblem(t, e.do(t, "POST", "/v1/deliveries/"+dead+"/replay", tokenA, nil), http.StatusConflict, "", "only a dead delivery")
	wantProblem(t, e.do(t, "POST", "/v1/deliveries/msg_nothing/replay", tokenA, nil), http.StatusNotFound, "", "not found")

	// A channel id is global: B cannot take A's.
	a = e.do(t, "POST", "/v1/channels", tokenB, []byte(`{"channelID":"shop-web","bot":"echo","webhookUrl":"https://b.example.com/"}`))
	wantProblem(t, a, http.StatusConflict, "/channelID", `"shop-web" is taken`)
}

// deadDelivery stores, through the store alone, a message on the channel,
// a turn that answers it with one delivery, and a failed attempt that
// makes the delivery dead. It returns the delivery's id.
func (e *env) deadDelivery(t *testing.T, channelID string) string {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	acc, err := e.store.Accept(ctx, store.Inbound{ProjectID: e.projectA, ChannelID: channelID, Bot: "echo", Text: "hi", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	turns, err := e.store.ClaimTurns(ctx, store.Lease{Owner: "turns", Now: now, Until: now.Add(time.Minute)}, 10)
	if err != nil || len(turns) != 1 {
		t.Fatalf("claim turns = %v %v", turns, err)
	}
	const id = "msg_dead_one"
	if _, err := e.store.CompleteTurn(ctx, store.TurnResult{ConversationID: acc.ConversationID, Owner: "turns", State: []byte(`{}`), HandledSeq: acc.Seq,
		Outgoing: []store.Outgoing{{Text: "ready", Delivery: &store.Delivery{ID: id, URL: "https://hooks.example.com/confab", Body: []byte(`{}`)}}}, Now: now}); err != nil {
		t.Fatal(err)
	}
	ds, err := e.store.ClaimDeliveries(ctx, store.Lease{Owner: "deliver", Now: now.Add(time.Second), Until: now.Add(time.Minute)}, 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("claim deliveries = %v %v", ds, err)
	}
	if err := e.store.RecordAttempt(ctx, store.Attempt{DeliveryID: id, Owner: "deliver", At: now, Status: 500, Latency: 12 * time.Millisecond, Error: "status 500", Excerpt: "oops"},
		store.DeliveryUpdate{Status: store.DeliveryDead}); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestDrainRefusesNewWork(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{})
	e.api.Drain()

	a := e.do(t, "POST", "/v1/messages", "", jsonBody(t, map[string]any{"channelID": ch.ChannelID, "token": ch.Token, "message": "hi"}))
	if a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") != "5" || a.header.Get("Content-Type") != "application/json" {
		t.Errorf("POST /v1/messages while draining = %d %v", a.status, a.header)
	}
	if m := a.json(t); m["success"] != false || m["error"] != "the server is shutting down; try again" || len(m) != 2 {
		t.Errorf("body %s", a.body)
	}
	if e.accepted.Load() != 0 {
		t.Errorf("a message was accepted while draining")
	}

	for _, r := range []struct{ method, path, bearer string }{
		{"GET", "/v1/channels", tokenA},
		{"POST", "/v1/channels", tokenA},
		{"GET", "/v1/channels/" + ch.ChannelID, tokenA},
		{"GET", "/v1/channels/" + ch.ChannelID, ""}, // no token: still 503, not 401
		{"GET", "/readyz", ""},
		{"GET", "/no/such/route", ""},
	} {
		a := e.do(t, r.method, r.path, r.bearer, nil)
		wantProblem(t, a, http.StatusServiceUnavailable, "", "the server is shutting down")
		if a.header.Get("Retry-After") != "5" {
			t.Errorf("%s %s: Retry-After %q", r.method, r.path, a.header.Get("Retry-After"))
		}
	}

	if a := e.do(t, "GET", "/healthz", "", nil); a.status != http.StatusOK || string(a.body) != "{\"status\":\"ok\"}\n" {
		t.Errorf("/healthz while draining = %d %s", a.status, a.body)
	}
	a = e.do(t, "GET", "/metrics", "", nil)
	if a.status != http.StatusOK {
		t.Fatalf("/metrics while draining = %d", a.status)
	}
	if got := metric(t, a.body, `confab_http_requests_total{route="draining",status="503"}`); got != 7 {
		t.Errorf("draining requests counted %v, want 7", got)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if a := e.do(t, "GET", "/healthz", "", nil); a.status != 200 || a.json(t)["status"] != "ok" || a.header.Get("Content-Type") != "application/json" {
		t.Errorf("/healthz = %d %s", a.status, a.body)
	}
	if a := e.do(t, "GET", "/readyz", "", nil); a.status != 200 || a.json(t)["status"] != "ready" {
		t.Errorf("/readyz = %d %s", a.status, a.body)
	}
	// A database that is gone makes /readyz 503, /healthz stays 200.
	e.closeStore()
	a := e.do(t, "GET", "/readyz", "", nil)
	wantProblem(t, a, http.StatusServiceUnavailable, "", "the database does not answer")
	if a.header.Get("Retry-After") != "5" {
		t.Errorf("Retry-After %q", a.header.Get("Retry-After"))
	}
	if a := e.do(t, "GET", "/healthz", "", nil); a.status != 200 {
		t.Errorf("/healthz with the database closed = %d", a.status)
	}
}

func TestMetricsCountRequestsByRouteAndStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.createChannel(t, tokenA, map[string]any{})
	e.do(t, "GET", "/healthz", "", nil)
	e.do(t, "GET", "/healthz", "", nil)
	e.do(t, "GET", "/v1/channels", tokenA, nil)
	e.do(t, "GET", "/v1/channels", "", nil)
	e.do(t, "GET", "/v1/channels", "wrong", nil)
	e.do(t, "GET", "/v1/channels/nope", tokenA, nil)
	e.do(t, "GET", "/v1/channels/"+ch.ChannelID, tokenA, nil)
	e.do(t, "GET", "/nothing/here", "", nil)
	e.do(t, "POST", "/v1/messages", "", jsonBody(t, map[string]any{"channelID": ch.ChannelID, "token": ch.Token, "message": "hi"}))
	e.do(t, "POST", "/v1/messages", "", jsonBody(t, map[string]any{"channelID": ch.ChannelID, "token": ch.Token, "message": "again", "userID": 1}))
	e.do(t, "POST", "/v1/messages", "", []byte(`{"channelID":"x"`))

	a := e.do(t, "GET", "/metrics", "", nil)
	if a.status != 200 {
		t.Fatalf("/metrics = %d", a.status)
	}
	for _, tc := range []struct {
		series string
		want   float64
	}{
		{`confab_http_requests_total{route="GET /healthz",status="200"}`, 2},
		{`confab_http_requests_total{route="POST /v1/channels",status="201"}`, 1},
		{`confab_http_requests_total{route="GET /v1/channels",status="200"}`, 1},
		{`confab_http_requests_total{route="GET /v1/channels",status="401"}`, 2},
		{`confab_http_requests_total{route="GET /v1/channels/{channelID}",status="404"}`, 1},
		{`confab_http_requests_total{route="GET /v1/channels/{channelID}",status="200"}`, 1},
		{`confab_http_requests_total{route="unmatched",status="404"}`, 1},
		{`confab_http_requests_total{route="POST /v1/messages",status="200"}`, 2},
		{`confab_http_requests_total{route="POST /v1/messages",status="400"}`, 1},
		{`confab_http_request_seconds_count{route="GET /healthz"}`, 2},
		{`confab_http_request_seconds_count{route="POST /v1/messages"}`, 3},
		{`confab_messages_accepted_total`, 2},
	} {
		if got := metric(t, a.body, tc.series); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.series, got, tc.want)
		}
	}
	// The scrape itself is counted by the next one.
	a = e.do(t, "GET", "/metrics", "", nil)
	if got := metric(t, a.body, `confab_http_requests_total{route="GET /metrics",status="200"}`); got != 1 {
		t.Errorf("scrapes counted %v, want 1", got)
	}
	if e.accepted.Load() != 2 {
		t.Errorf("Accepted called %d times, want 2", e.accepted.Load())
	}
}

// metric returns the value of one series of a Prometheus text exposition,
// or -1 when it is absent.
func metric(t *testing.T, body []byte, series string) float64 {
	t.Helper()
	for line := range strings.SplitSeq(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			if err := json.Unmarshal([]byte(v), &f); err != nil {
				t.Fatalf("value of %s: %q", series, v)
			}
			return f
		}
	}
	return -1
}

// A request no route takes is answered in problem+json too: 405 with Allow
// for a known path, 404 otherwise.
func TestUnmatchedRequestsAreProblems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/v1/nope", http.StatusNotFound, ""},
		{"GET", "/", http.StatusNotFound, ""},
		{"PUT", "/v1/channels", http.StatusMethodNotAllowed, "GET, POST"},
		{"POST", "/healthz", http.StatusMethodNotAllowed, "GET"},
	} {
		a := e.do(t, tc.method, tc.path, "", nil)
		if a.status != tc.status || a.header.Get("Content-Type") != "application/problem+json" || a.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s = %d %q Allow %q, want %d problem+json Allow %q: %s", tc.method, tc.path, a.status,
				a.header.Get("Content-Type"), a.header.Get("Allow"), tc.status, tc.allow, a.body)
		}
		if m := a.json(t); m["status"] != float64(tc.status) || m["detail"] == "" {
			t.Errorf("%s %s: body %s", tc.method, tc.path, a.body)
		}
	}
}
