// Command bench is Confab's end-to-end benchmark (make bench).
//
// N conversations, each with its own userID, run a closed loop against
// POST /v1/messages: send a message, wait until its reply reaches a webhook
// receiver on 127.0.0.1, send the next. Each turn runs the small flow of
// bots/bench.yaml (input, intent route, templated reply). The receiver
// checks every reply's signature and text and measures the latency from
// the send to the webhook's arrival. After a warm-up, a window of
// -duration is measured: messages per second, p50 and p99 latency, the
// server's CPU per message (from /proc/PID/stat) and its peak RSS (VmHWM).
//
// The same run measures two baselines, each its own process built from
// this binary (`bench relay`): a minimal Go relay that answers the POST
// and posts the reply (no flow, no database), and the same relay with one
// SQLite write per message. Then Confab, built once from ./cmd/confab, on
// SQLite and on PostgreSQL (skipped, with a note, when PostgreSQL is
// unreachable).
//
//	go run ./bench                       # a table, ratios to the relay and the bars
//	go run ./bench -duration 10s -concurrency 64 -json
//	go run ./bench -systems confab_sqlite -profile /tmp/prof
//
// Everything listens on and talks to 127.0.0.1 only, and stops by itself.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

//go:embed bots/bench.yaml
var benchBot []byte

// systemNames are the systems measured, in the order they run.
var systemNames = []string{"relay", "relay_durable", "confab_sqlite", "confab_postgres"}

const defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Config is one benchmark run.
type Config struct {
	Duration    time.Duration // the measured window of each system
	Warmup      time.Duration // before the window, not measured
	Drain       time.Duration // how long replies in flight may take after the window
	Concurrency int           // conversations at once
	Systems     []string      // which of systemNames to run
	DatabaseURL string        // PostgreSQL for confab_postgres
	// ConfabCmd runs confab (its arguments follow); nil builds
	// ./cmd/confab (or ./bench/confabprof with ProfileDir) into a
	// temporary directory.
	ConfabCmd []string
	// ProfileDir, when set, runs Confab instrumented (bench/confabprof):
	// a CPU profile of each measured window is saved there, and SQLite
	// commits and written rows per message are reported.
	ProfileDir string
	// NoLimitFlags leaves out the flags that raise Confab's rate limits
	// far above the load (for binaries older than rate limits).
	NoLimitFlags bool
	Self         string    // the executable that runs `relay`; default this one
	Progress     io.Writer // progress lines; nil for none
	Command      string    // the command line, for the report
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "relay" {
		os.Exit(relayMain(os.Args[2:]))
	}
	os.Exit(benchMain(os.Args[1:], os.Stdout, os.Stderr))
}

func benchMain(args []string, stdout, stderr io.Writer) int {
	cfg, asJSON, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	if asJSON {
		err = rep.writeJSON(stdout)
	} else {
		err = rep.writeText(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	if failed := rep.failed(); len(failed) > 0 {
		fmt.Fprintln(stderr, "bench: failed:", strings.Join(failed, ", "))
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (Config, bool, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := Config{Progress: stderr, Command: strings.TrimSpace("go run ./bench " + strings.Join(args, " "))}
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured window per system")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "warm-up per system, not measured")
	fs.DurationVar(&cfg.Drain, "drain", 5*time.Second, "how long replies in flight may take after the window before they count as lost")
	fs.IntVar(&cfg.Concurrency, "concurrency", 64, "concurrent conversations (closed loop)")
	systems := fs.String("systems", strings.Join(systemNames, ","), "systems to run, comma-separated")
	dbURL := os.Getenv("CONFAB_BENCH_DATABASE_URL")
	if dbURL == "" {
		dbURL = defaultDatabaseURL
	}
	fs.StringVar(&cfg.DatabaseURL, "database", dbURL, "PostgreSQL for confab_postgres; a fresh database (or schema) is made and dropped (CONFAB_BENCH_DATABASE_URL)")
	confab := fs.String("confab", "", "a confab binary to run instead of building ./cmd/confab")
	fs.StringVar(&cfg.ProfileDir, "profile", "", "directory for CPU profiles of Confab's windows; runs Confab instrumented (bench/confabprof)")
	fs.BoolVar(&cfg.NoLimitFlags, "no-limit-flags", false, "do not pass the flags that raise Confab's rate limits above the load (for a -confab binary without rate limits)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the table")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	if err := fs.Parse(args); err != nil {
		return cfg, false, err
	}
	if fs.NArg() > 0 {
		return cfg, false, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *confab != "" {
		cfg.ConfabCmd = []string{*confab}
	}
	if *quiet {
		cfg.Progress = nil
	}
	for s := range strings.SplitSeq(*systems, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if !slices.Contains(systemNames, s) {
			return cfg, false, fmt.Errorf("unknown system %q (want some of %s)", s, strings.Join(systemNames, ", "))
		}
		cfg.Systems = append(cfg.Systems, s)
	}
	switch {
	case cfg.Duration < time.Second:
		return cfg, false, errors.New("-duration must be at least 1s")
	case cfg.Warmup < 0 || cfg.Drain < time.Second:
		return cfg, false, errors.New("-warmup must not be negative and -drain at least 1s")
	case cfg.Concurrency < 1 || cfg.Concurrency > 4096:
		return cfg, false, errors.New("-concurrency must be from 1 to 4096")
	}
	return cfg, *asJSON, nil
}

func (c Config) progress(format string, args ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, "bench: "+format+"\n", args...)
	}
}

// budget bounds the whole run: the build and every system, each with
// generous room for starting and stopping.
func (c Config) budget() time.Duration {
	return 3*time.Minute + time.Duration(len(c.Systems))*(c.Warmup+c.Duration+c.Drain+90*time.Second)
}

// run measures the systems of cfg and reports.
func run(ctx context.Context, cfg Config) (*Report, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.budget())
	defer cancel()
	if cfg.Self == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cfg.Self = self
	}
	tmp, err := os.MkdirTemp("", "confab-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bots := filepath.Join(tmp, "bots")
	if err := os.Mkdir(bots, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(bots, "bench.yaml"), benchBot, 0o600); err != nil {
		return nil, err
	}
	if cfg.ProfileDir != "" {
		if err := os.MkdirAll(cfg.ProfileDir, 0o755); err != nil {
			return nil, err
		}
	}
	if cfg.ConfabCmd == nil && slices.ContainsFunc(cfg.Systems, isConfab) {
		start := time.Now()
		bin, err := buildConfab(ctx, tmp, cfg.ProfileDir != "")
		if err != nil {
			return nil, err
		}
		cfg.ConfabCmd = []string{bin}
		cfg.progress("built confab in %.1fs", time.Since(start).Seconds())
	}
	rep := newReport(cfg)
	for _, name := range systemNames {
		if !slices.Contains(cfg.Systems, name) {
			rep.set(name, &SystemResult{Skipped: "not selected (-systems)"})
			continue
		}
		cfg.progress("%s: %d conversations, %s warm-up, %s measured", name, cfg.Concurrency, cfg.Warmup, cfg.Duration)
		res, err := runSystem(ctx, cfg, name, tmp, bots)
		var skip *skipError
		switch {
		case ctx.Err() != nil:
			return nil, fmt.Errorf("%s: %w", name, context.Cause(ctx))
		case errors.As(err, &skip):
			res = &SystemResult{Skipped: skip.reason}
			cfg.progress("%s: skipped: %s", name, skip.reason)
		case err != nil:
			res = &SystemResult{Failed: err.Error()}
			cfg.progress("%s: failed: %v", name, err)
		default:
			cfg.progress("%s: %.0f msgs/s, p50 %.1f ms, p99 %.1f ms, %.3f CPU ms/msg, peak RSS %.1f MB, %d errors, %d lost",
				name, res.MsgsPerS, res.P50Ms, res.P99Ms, res.CPUMsPerMsg, res.PeakRSSMB, res.Errors, res.Lost)
		}
		rep.set(name, res)
	}
	rep.finish()
	return rep, nil
}

func isConfab(name string) bool { return strings.HasPrefix(name, "confab_") }

// buildConfab builds ./cmd/confab (or the instrumented ./bench/confabprof)
// into dir, once per run.
func buildConfab(ctx context.Context, dir string, instrumented bool) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building confab needs the go command (or pass -confab): %w", err)
	}
	pkg := "github.com/confab/confab/cmd/confab"
	if instrumented {
		pkg = "github.com/confab/confab/bench/confabprof"
	}
	out := filepath.Join(dir, "confab")
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, pkg)
	cmd.Env = os.Environ()
	if os.Getenv("GOTOOLCHAIN") == "" {
		cmd.Env = append(cmd.Env, "GOTOOLCHAIN=local")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s (run the benchmark inside the Confab module): %v\n%s", pkg, err, b)
	}
	return out, nil
}

// skipError is a system that cannot run here (PostgreSQL unreachable).
type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }
