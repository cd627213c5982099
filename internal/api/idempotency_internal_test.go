package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/store/sqlite"
)

func TestRequestHashComparesBodiesCanonically(t *testing.T) {
	t.Parallel()
	base := requestHash("POST", "/v1/channels", []byte(`{"bot":"echo","keywords":["a","b"],"n":1}`))
	for _, tc := range []struct {
		name         string
		method, path string
		body         string
		same         bool
	}{
		{"the same", "POST", "/v1/channels", `{"bot":"echo","keywords":["a","b"],"n":1}`, true},
		{"spacing", "POST", "/v1/channels", " {\n\t\"bot\" : \"echo\", \"keywords\": [ \"a\", \"b\" ], \"n\": 1 }\n", true},
		{"member order", "POST", "/v1/channels", `{"n":1,"keywords":["a","b"],"bot":"echo"}`, true},
		{"escapes", "POST", "/v1/channels", `{"bot":"\u0065cho","keywords":["a","b"],"n":1}`, true},
		{"element order", "POST", "/v1/channels", `{"bot":"echo","keywords":["b","a"],"n":1}`, false},
		{"a value", "POST", "/v1/channels", `{"bot":"shop","keywords":["a","b"],"n":1}`, false},
		{"a number written otherwise", "POST", "/v1/channels", `{"bot":"echo","keywords":["a","b"],"n":1.0}`, true},
		{"another path", "POST", "/v1/tokens", `{"bot":"echo","keywords":["a","b"],"n":1}`, false},
		{"another method", "PUT", "/v1/channels", `{"bot":"echo","keywords":["a","b"],"n":1}`, false},
	} {
		if got := bytes.Equal(requestHash(tc.method, tc.path, []byte(tc.body)), base); got != tc.same {
			t.Errorf("%s: same hash %v, want %v", tc.name, got, tc.same)
		}
	}
	// Integers beyond 2^53 stay as written; bodies that are not JSON are
	// compared as they are.
	if bytes.Equal(requestHash("POST", "/", []byte(`{"u":9007199254740993}`)), requestHash("POST", "/", []byte(`{"u":9007199254740992}`))) {
		t.Error("two integers beyond 2^53 have the same hash")
	}
	if bytes.Equal(requestHash("POST", "/", []byte(`{"a":`)), requestHash("POST", "/", []byte(`{"a": `))) {
		t.Error("two different bodies that are not JSON have the same hash")
	}
	if !bytes.Equal(requestHash("POST", "/", nil), requestHash("POST", "/", []byte{})) {
		t.Error("no body and an empty body differ")
	}
}

func TestAnswersAreSealedForOneTokenScopeAndKey(t *testing.T) {
	t.Parallel()
	hash := requestHash("POST", "/v1/tokens", []byte(`{"name":"crm"}`))
	seal, err := answerCipher("cfb_admin_one", "token:tok_1", "k")
	if err != nil {
		t.Fatal(err)
	}
	sealed := seal.Seal(nil, nil, []byte(`{"token":"cfb_admin_new"}`), hash)
	if bytes.Contains(sealed, []byte("cfb_admin_new")) {
		t.Fatalf("sealed %q shows the text", sealed)
	}
	for _, tc := range []struct {
		name                   string
		credential, scope, key string
		hash                   []byte
		opens                  bool
	}{
		{"the same", "cfb_admin_one", "token:tok_1", "k", hash, true},
		{"another token", "cfb_admin_two", "token:tok_1", "k", hash, false},
		{"another scope", "cfb_admin_one", "token:tok_2", "k", hash, false},
		{"another key", "cfb_admin_one", "token:tok_1", "l", hash, false},
		{"another request", "cfb_admin_one", "token:tok_1", "k", requestHash("POST", "/v1/tokens", nil), false},
	} {
		open, err := answerCipher(tc.credential, tc.scope, tc.key)
		if err != nil {
			t.Fatal(err)
		}
		body, err := open.Open(nil, nil, sealed, tc.hash)
		if (err == nil) != tc.opens || (err == nil && string(body) != `{"token":"cfb_admin_new"}`) {
			t.Errorf("%s: opened %q, %v; want it to open: %v", tc.name, body, err, tc.opens)
		}
	}
}

func TestSweepDeletesExpiredAnswersOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "confab.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.UnixMilli(1_767_225_600_000).UTC()
	now := start
	s := New(Deps{Store: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
	if err := db.CreateProject(ctx, store.Project{ID: "prj", Name: "p", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	// Three answers, the last one an hour after the others.
	for i := range 3 {
		if i == 2 {
			now = now.Add(time.Hour)
		}
		rec := &store.Idempotency{Scope: "token:t", Key: fmt.Sprint(i), Hash: []byte("h"), Now: now,
			Answer: func(any) (store.KeptAnswer, error) { return store.KeptAnswer{Status: 201, Body: []byte("{}")}, nil }}
		tok := store.Token{ID: fmt.Sprint("tok_", i), ProjectID: "prj", Name: "n", Kind: "admin", Prefix: "p", Hash: []byte{byte(i)}, CreatedAt: now}
		if err := db.CreateToken(store.WithIdempotency(ctx, rec), tok); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		at      time.Duration
		deleted int
	}{
		{store.KeptAnswerTTL - time.Millisecond, 0},
		{store.KeptAnswerTTL, 2},
		{store.KeptAnswerTTL + time.Hour, 1},
		{store.KeptAnswerTTL + 2*time.Hour, 0},
	} {
		now = start.Add(tc.at)
		if n, err := s.sweepKeptAnswers(ctx); err != nil || n != tc.deleted {
			t.Errorf("sweep at +%v deleted %d, %v; want %d", tc.at, n, err, tc.deleted)
		}
	}
	// The service stops when its context ends.
	stopped, stop := context.WithCancel(ctx)
	stop()
	s.SweepKeptAnswers(stopped)
}

func TestAReplayRepeatsTheKeptHeaders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "confab.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateProject(ctx, store.Project{ID: "prj", Name: "p", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	s := New(Deps{Store: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	request := func() *http.Request { return httptest.NewRequest("POST", "/v1/things", strings.NewReader(`{"a":1}`)) }

	w := httptest.NewRecorder()
	c, replayed, err := s.beginIdempotent(w, request(), "token:t", "cfb_admin_x", "k", []byte(`{"a":1}`))
	if err != nil || replayed || c == nil {
		t.Fatalf("first begin = %v, %v, %v", c, replayed, err)
	}
	r := c.bind(request())
	keep := keepAnswerOf(r, func(result any) keptAnswer {
		return keptAnswer{Status: http.StatusAccepted, Header: map[string]string{"location": "/v1/things/1"}, Body: map[string]string{"id": "1"}}
	})
	tok := store.Token{ID: "tok_1", ProjectID: "prj", Name: "n", Kind: "admin", Prefix: "p", Hash: []byte("h"), CreatedAt: time.Now()}
	if err := db.CreateToken(keep, tok); err != nil {
		t.Fatal(err)
	}
	if !c.kept.Load() {
		t.Error("the store did not ask for the answer")
	}
	c.end()

	w = httptest.NewRecorder()
	if _, replayed, err := s.beginIdempotent(w, request(), "token:t", "cfb_admin_x", "k", []byte(` { "a" : 1 } `)); err != nil || !replayed {
		t.Fatalf("second begin: replayed %v, %v", replayed, err)
	}
	if w.Code != http.StatusAccepted || w.Body.String() != `{"id":"1"}`+"\n" || w.Header().Get("Location") != "/v1/things/1" ||
		w.Header().Get("Content-Type") != "application/json" || w.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay = %d %v %q", w.Code, w.Header(), w.Body)
	}
}
