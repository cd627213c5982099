package jsbox_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confab/confab/internal/action"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/jsbox"
	"github.com/confab/confab/internal/safehttp"
)

// grace is what a run may take beyond its budget: the bar QUALITY.md sets
// for the hostile corpus ("each run ends within budget + 250 ms").
const grace = 250 * time.Millisecond

// hostile is one script of testdata/hostile with what its header comments
// expect: "// expect: CLASS", "// message: TEXT" (a part of the error),
// "// fetch: loopback" (fetch may reach the test server on 127.0.0.1).
type hostile struct {
	name, script    string
	class, message  string
	loopback        bool
	elapsed         time.Duration
	got, gotMessage string
}

func readCorpus(t *testing.T) []*hostile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "hostile", "*.js"))
	if err != nil {
		t.Fatal(err)
	}
	var out []*hostile
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		h := &hostile{name: strings.TrimSuffix(filepath.Base(p), ".js"), script: string(data)}
		sc := bufio.NewScanner(strings.NewReader(h.script))
		for sc.Scan() {
			line, ok := strings.CutPrefix(sc.Text(), "// ")
			if !ok {
				break
			}
			k, v, _ := strings.Cut(line, ": ")
			switch k {
			case "expect":
				h.class = v
			case "message":
				h.message = v
			case "fetch":
				h.loopback = v == "loopback"
			}
		}
		if h.class == "" {
			t.Fatalf("%s: no \"// expect: CLASS\" line at the top", p)
		}
		out = append(out, h)
	}
	return out
}

// corpusServer answers fetches of the corpus: / with a small JSON
// document, /slow never (until the client gives up), /huge with 2 MiB.
func corpusServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 2<<20)))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func executor(t *testing.T, allow ...string) action.Executor {
	t.Helper()
	c, err := safehttp.New(safehttp.Config{Allow: allow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return action.Executor{Client: c.HTTPClient()}
}

// TestHostileCorpus runs every script of testdata/hostile with the default
// budget and limits, one after another, while a benign script runs again
// and again beside them. Each must end with its expected error class within
// the budget plus grace, and the benign runs must keep succeeding, also
// while a hostile script holds the CPU until its time-out.
//
// Under the race detector the engine runs some thirty times slower: a
// script may then run out of time before it runs out of memory or stack,
// so a time-out is accepted in place of the expected class, and the
// benign script gets more time. The bound on the time of each run holds
// either way.
func TestHostileCorpus(t *testing.T) {
	corpus := readCorpus(t)
	if len(corpus) < 30 {
		t.Fatalf("the corpus has %d scripts; the bar is at least 30", len(corpus))
	}
	srv := corpusServer(t)
	closed := executor(t)                   // the server's default: nothing private
	loopback := executor(t, "127.0.0.1/32") // may reach the test server
	box := jsbox.New(jsbox.Config{})

	// The benign neighbour: one conversation's script after another.
	var served atomic.Int64
	var benignErr atomic.Value
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; ctx.Err() == nil; n++ {
			c := &flow.Call{ID: "benign#1", Block: "benign", Kind: "code", Code: &flow.CodeRequest{
				Script: `vars.n = vars.n + 1; say("turn " + vars.n)`, Vars: map[string]any{"n": n},
			}}
			if raceDetector {
				c.Code.Timeout = jsbox.MaxTimeout
			}
			res := box.Run(ctx, c, nil)
			if ctx.Err() != nil {
				return
			}
			if res.Err != "" || res.Code == nil || res.Code.Vars["n"] != float64(n+1) || len(res.Code.Say) != 1 {
				benignErr.Store(fmt.Sprintf("benign run %d: %+v", n, res))
				return
			}
			served.Add(1)
		}
	}()
	defer func() {
		stop()
		wg.Wait()
	}()

	for _, h := range corpus {
		t.Run(h.name, func(t *testing.T) {
			fetch := closed
			if h.loopback {
				fetch = loopback
			}
			c := &flow.Call{ID: "hostile#1", Block: "hostile", Kind: "code", Code: &flow.CodeRequest{
				Script: h.script,
				Vars:   map[string]any{"n": 0},
				Input:  flow.Input{Text: "hi"},
				Env:    map[string]any{"SERVER": srv.URL},
			}}
			before := served.Load()
			start := time.Now()
			res := box.Run(context.Background(), c, fetch)
			h.elapsed = time.Since(start)
			h.got, h.gotMessage = res.ErrClass, res.Err
			switch {
			case raceDetector && res.ErrClass == jsbox.ClassTimeout && h.class != jsbox.ClassTimeout:
				t.Logf("class %q under the race detector, where %q is expected without it", res.ErrClass, h.class)
			case res.ErrClass != h.class:
				t.Errorf("class %q (%s), want %q; result %+v", res.ErrClass, res.Err, h.class, res.Code)
			case !strings.Contains(res.Err, h.message):
				t.Errorf("error %q, want it to hold %q", res.Err, h.message)
			}
			if res.Code != nil {
				t.Errorf("a failed run keeps nothing, but the result has %+v", res.Code)
			}
			if limit := jsbox.DefaultTimeout + grace; h.elapsed > limit {
				t.Errorf("the run took %s; the bar is the budget plus %s, %s", h.elapsed, grace, limit)
			}
			if h.class == jsbox.ClassTimeout && !raceDetector && served.Load() == before {
				t.Errorf("no benign run completed while this script ran until its time-out")
			}
		})
	}
	if msg := benignErr.Load(); msg != nil {
		t.Errorf("a benign run failed beside the corpus: %s", msg)
	}
	if served.Load() == 0 {
		t.Errorf("no benign run completed beside the corpus")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-34s %-12s %9s  %s\n", "script", "class", "elapsed", "error")
	for _, h := range corpus {
		fmt.Fprintf(&b, "%-34s %-12s %9s  %.70s\n", h.name, h.got, h.elapsed.Round(time.Millisecond), h.gotMessage)
	}
	t.Logf("%d scripts; %d benign runs completed beside them\n%s", len(corpus), served.Load(), b.String())
}
