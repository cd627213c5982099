package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/confab/confab/internal/cli"
)

// TestMain lets the test binary stand in for the two programs the
// benchmark starts: `relay` (as the bench binary does) and `confab` (so the
// test needs no build of cmd/confab).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "relay":
			os.Exit(relayMain(os.Args[2:]))
		case "confab":
			os.Exit(cli.Main(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
		}
	}
	os.Exit(m.Run())
}

// TestShortRound runs a 2-second round of 4 conversations against the
// relay and Confab on SQLite: every message must be answered with the
// right reply, and the JSON must have a key per system.
func TestShortRound(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	cfg, asJSON, err := parseFlags([]string{"-duration", "2s", "-warmup", "500ms", "-concurrency", "4", "-systems", "relay,confab_sqlite", "-json"}, os.Stderr)
	if err != nil || !asJSON {
		t.Fatalf("parseFlags: %v", err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Self, cfg.ConfabCmd, cfg.Progress = self, []string{self, "confab"}, testLog{t}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	rep, err := run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := rep.writeJSON(&out); err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("the output is not one JSON object: %v\n%s", err, out.Bytes())
	}
	for _, k := range append(systemNames, "ratios", "bars", "run") {
		if _, ok := got[k]; !ok {
			t.Errorf("no key %q in %s", k, out.Bytes())
		}
	}
	for _, name := range []string{"relay", "confab_sqlite"} {
		var s map[string]any
		if err := json.Unmarshal(got[name], &s); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, k := range []string{"msgs_per_s", "p50_ms", "p99_ms", "peak_rss_mb", "errors", "lost"} {
			if _, ok := s[k].(float64); !ok {
				t.Errorf("%s: no number %q in %s", name, k, got[name])
			}
		}
		if s["failed"] != nil || s["skipped"] != nil {
			t.Errorf("%s did not run: %s", name, got[name])
			continue
		}
		if s["errors"] != 0.0 || s["lost"] != 0.0 {
			t.Errorf("%s: errors %v, lost %v, want none: %s", name, s["errors"], s["lost"], got[name])
		}
		if s["msgs_per_s"].(float64) <= 0 || s["peak_rss_mb"].(float64) <= 0 || s["sent"].(float64) < 4 {
			t.Errorf("%s measured nothing: %s", name, got[name])
		}
	}
	for _, name := range []string{"relay_durable", "confab_postgres"} {
		if !strings.Contains(string(got[name]), "not selected") {
			t.Errorf("%s: %s, want skipped as not selected", name, got[name])
		}
	}
	if _, ok := rep.Ratios["confab_sqlite"]; !ok {
		t.Errorf("no ratio of confab_sqlite to the relay: %v", rep.Ratios)
	}
}

// TestBenchBot checks the bench bot with Confab's own validator and its
// conversation test (the replies the benchmark expects).
func TestBenchBot(t *testing.T) {
	for _, args := range [][]string{{"validate", "bots"}, {"test", "bots"}} {
		var stdout, stderr bytes.Buffer
		if code := cli.Main(args, strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Errorf("confab %s = %d\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
		}
	}
	for i, p := range phrases {
		if !strings.HasSuffix(confabReply(1, i, p.text+" 1"), "You said: "+p.text+" 1") {
			t.Errorf("phrase %d: reply %q", i, confabReply(1, i, p.text))
		}
	}
	if confabReply(0, 2, "x") != welcome {
		t.Error("the first message must get the welcome")
	}
}

func TestParseStat(t *testing.T) {
	name, cpu, err := parseStat([]byte("1234 (a b) c) S 1 2 3 4 5 6 7 8 9 10 250 150 0 0 20 0 1 0"))
	if err != nil || name != "a b) c" || cpu != 4*time.Second {
		t.Errorf("parseStat = %q %v %v", name, cpu, err)
	}
	if _, err := procCPU(os.Getpid()); err != nil {
		t.Errorf("procCPU: %v", err)
	}
	if kb, err := procStatusKB(os.Getpid(), "VmHWM"); err != nil || kb <= 0 {
		t.Errorf("VmHWM = %d %v", kb, err)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if p50, p99, p100 := percentile(d, 0.5), percentile(d, 0.99), percentile(d, 1); p50 != 50 || p99 != 99 || p100 != 100 {
		t.Errorf("p50 %v p99 %v max %v", p50, p99, p100)
	}
	if percentile(nil, 0.5) != 0 {
		t.Error("empty")
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
