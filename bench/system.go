package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// adminToken is the CONFAB_ADMIN_TOKEN of the Confab servers the benchmark
// starts (each on a fresh database, on 127.0.0.1).
const adminToken = "bench-admin-token-0123456789abcdef0123456789"

// SystemResult is what one system measured. The first six fields are the
// ones the issue asks for; the others explain them.
type SystemResult struct {
	MsgsPerS  float64 `json:"msgs_per_s"`
	P50Ms     float64 `json:"p50_ms"`
	P99Ms     float64 `json:"p99_ms"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	Errors    int64   `json:"errors"`
	Lost      int64   `json:"lost"` // sent (accepted) but never delivered

	CPUMsPerMsg float64 `json:"cpu_ms_per_msg"` // the server process's CPU per message in the window
	CPUPct      float64 `json:"cpu_pct"`        // the server's CPU over the window (100 = one core)
	P90Ms       float64 `json:"p90_ms"`
	MaxMs       float64 `json:"max_ms"`
	Messages    int64   `json:"messages"` // replies received in the window
	Sent        int64   `json:"sent"`     // messages accepted over the whole run, warm-up included
	// MachineCPUPct is how busy all the machine's CPUs were in the window
	// (100 = all of them): near 100, the machine, not the server, limits.
	MachineCPUPct float64 `json:"machine_cpu_pct"`
	// BenchCPUMsPerMsg is the load client's and receiver's CPU per message
	// (this process, on the same cores).
	BenchCPUMsPerMsg float64 `json:"bench_cpu_ms_per_msg"`
	// DBCPUMsPerMsg is the CPU of all PostgreSQL server processes per
	// message, and DBXactsPerMsg the transactions of Confab's database per
	// message (over the whole run), on PostgreSQL only.
	DBCPUMsPerMsg *float64 `json:"db_cpu_ms_per_msg,omitempty"`
	DBXactsPerMsg *float64 `json:"db_xacts_per_msg,omitempty"`
	// ClientConns and WebhookConns count the connections opened to the
	// server and by the server to the receiver over the run (with
	// keep-alive, about one per conversation each).
	ClientConns  int64 `json:"client_conns"`
	WebhookConns int64 `json:"webhook_conns"`
	// ServerLogProblems counts the server's WARN and ERROR log lines.
	ServerLogProblems int64             `json:"server_log_problems"`
	ErrorKinds        map[string]int64  `json:"error_kinds,omitempty"`
	ErrorSamples      map[string]string `json:"error_samples,omitempty"`
	Profile           *ProfileResult    `json:"profile,omitempty"`

	Skipped string `json:"skipped,omitempty"` // why the system did not run
	Failed  string `json:"failed,omitempty"`  // why the run of the system failed
}

// ProfileResult is what -profile adds for Confab on SQLite.
type ProfileResult struct {
	Files []string `json:"files,omitempty"` // the CPU and block profiles of the window
	// CommitsPerMsg counts SQLite write transactions per message by the
	// store method that committed them; RowsPerMsg the rows written per
	// message by "table op".
	CommitsPerMsg   map[string]float64 `json:"sqlite_commits_per_msg,omitempty"`
	RollbacksPerMsg map[string]float64 `json:"sqlite_rollbacks_per_msg,omitempty"`
	RowsPerMsg      map[string]float64 `json:"sqlite_rows_per_msg,omitempty"`
}

// server is a started system.
type server struct {
	proc      *process
	target    target
	pg        *pgDatabase
	pprofAddr string
}

func runSystem(ctx context.Context, cfg Config, name, tmp, bots string) (*SystemResult, error) {
	errs := newErrorLog()
	rcv, err := newReceiver(errs)
	if err != nil {
		return nil, err
	}
	defer rcv.close()
	var s *server
	switch name {
	case "relay", "relay_durable":
		s, err = startRelay(ctx, cfg, name, tmp, rcv)
	default:
		s, err = startConfab(ctx, cfg, name, tmp, bots, rcv)
	}
	if err != nil {
		return nil, err
	}
	res, err := measure(ctx, cfg, name, s, rcv, errs)
	stopErr := s.proc.stop()
	if s.pg != nil {
		if err := s.pg.drop(); err != nil {
			cfg.progress("%s: dropping %s: %v", name, s.pg.name, err)
		}
	}
	if err == nil && stopErr != nil {
		cfg.progress("%s: %v", name, stopErr)
		res.ServerLogProblems++
	}
	return res, err
}

// measure runs the load against a started server and reads its figures.
func measure(ctx context.Context, cfg Config, name string, s *server, rcv *receiver, errs *errorLog) (*SystemResult, error) {
	type sample struct {
		at          time.Time
		cpu, self   time.Duration
		busy, total uint64
		db          map[int]time.Duration
		vars        *confabVars
	}
	var samples [2]sample
	take := func() sample {
		x := sample{at: time.Now()}
		x.cpu, _ = procCPU(s.proc.pid)
		x.self, _ = procCPU(os.Getpid())
		x.busy, x.total = machineCPU()
		if s.pg != nil {
			x.db = commandCPU("postgres")
		}
		if s.pprofAddr != "" {
			x.vars = fetchVars(ctx, s.pprofAddr)
		}
		return x
	}
	var profile chan string
	mark := func(phase string) {
		if phase == "end" {
			samples[1] = take()
			return
		}
		samples[0] = take()
		if s.pprofAddr != "" {
			profile = make(chan string, 2)
			go func() { profile <- fetchProfile(ctx, cfg, name, s.pprofAddr, "profile", "cpu") }()
			go func() { profile <- fetchProfile(ctx, cfg, name, s.pprofAddr, "block", "block") }()
		}
	}
	var xacts0 int64
	if s.pg != nil {
		xacts0, _ = s.pg.xacts(ctx)
	}
	lr := runLoad(ctx, s.target, rcv, errs, loadConfig{conversations: cfg.Concurrency, warmup: cfg.Warmup, duration: cfg.Duration, drain: cfg.Drain, mark: mark})
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if samples[1].at.IsZero() {
		return nil, errors.New("the window was not measured")
	}
	hwm, err := procStatusKB(s.proc.pid, "VmHWM")
	if err != nil {
		return nil, fmt.Errorf("peak RSS: %w", err)
	}
	res := &SystemResult{
		MsgsPerS:          float64(lr.inWindow) / cfg.Duration.Seconds(),
		P50Ms:             percentile(lr.latencies, 0.50),
		P90Ms:             percentile(lr.latencies, 0.90),
		P99Ms:             percentile(lr.latencies, 0.99),
		MaxMs:             percentile(lr.latencies, 1),
		PeakRSSMB:         float64(hwm) / 1024,
		Lost:              lr.lost,
		Messages:          lr.inWindow,
		Sent:              lr.sent,
		ClientConns:       lr.clientConns,
		WebhookConns:      lr.webhookConns,
		ServerLogProblems: s.proc.problems.Load(),
	}
	res.Errors, res.ErrorKinds, res.ErrorSamples = errs.snapshot()
	a, b := samples[0], samples[1]
	wall := b.at.Sub(a.at)
	if n := float64(lr.inWindow); n > 0 {
		res.CPUMsPerMsg = ms(b.cpu-a.cpu) / n
		res.BenchCPUMsPerMsg = ms(b.self-a.self) / n
		if s.pg != nil {
			v := ms(cpuSince(a.db, b.db)) / n
			res.DBCPUMsPerMsg = &v
		}
		if a.vars != nil && b.vars != nil {
			res.Profile = &ProfileResult{
				CommitsPerMsg:   perMsg(a.vars.Commits, b.vars.Commits, n),
				RollbacksPerMsg: perMsg(a.vars.Rollbacks, b.vars.Rollbacks, n),
				RowsPerMsg:      perMsg(a.vars.Rows, b.vars.Rows, n),
			}
		}
	}
	if wall > 0 {
		res.CPUPct = 100 * float64(b.cpu-a.cpu) / float64(wall)
	}
	if b.total > a.total {
		res.MachineCPUPct = 100 * float64(b.busy-a.busy) / float64(b.total-a.total)
	}
	if s.pg != nil && lr.replied > 0 {
		// The server's statistics lag about a second: wait, then count
		// the transactions of the whole run.
		if sleepUntil(ctx, time.Now().Add(1500*time.Millisecond)) {
			if xacts1, err := s.pg.xacts(ctx); err == nil && xacts1 >= xacts0 {
				v := float64(xacts1-xacts0) / float64(lr.replied)
				res.DBXactsPerMsg = &v
			}
		}
	}
	if profile != nil {
		if res.Profile == nil {
			res.Profile = &ProfileResult{}
		}
		for range 2 {
			res.Profile.Files = append(res.Profile.Files, <-profile)
		}
		slices.Sort(res.Profile.Files)
	}
	if lr.inWindow == 0 {
		return res, fmt.Errorf("no reply arrived in the window (%d errors: %v); the server said:\n%s", res.Errors, res.ErrorSamples, s.proc.output())
	}
	return res, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func perMsg(before, after map[string]int64, n float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			out[k] = float64(d) / n
		}
	}
	return out
}

// cleanEnv is the environment without CONFAB_* variables, so that only
// the flags configure the servers.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CONFAB_") {
			env = append(env, kv)
		}
	}
	return env
}

func startRelay(ctx context.Context, cfg Config, name, tmp string, rcv *receiver) (*server, error) {
	channel, token, secret := "ch_bench_relay", randomHex(16), newSecret()
	argv := []string{cfg.Self, "relay", "-addr", "127.0.0.1:0", "-webhook", rcv.url, "-secret", secret,
		"-channel", channel, "-token", token, "-max-life", cfg.budget().String()}
	if name == "relay_durable" {
		dir := filepath.Join(tmp, name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			return nil, err
		}
		argv = append(argv, "-durable", "-data", dir)
	}
	p, addr, err := startProcess(ctx, name, argv, cleanEnv(),
		func(line string) (string, bool) { return strings.CutPrefix(line, "listening ") },
		func(line string) bool { return strings.HasPrefix(line, "relay:") })
	if err != nil {
		return nil, err
	}
	if err := rcv.configure(channel, secret); err != nil {
		p.stop()
		return nil, err
	}
	return &server{proc: p, target: target{sendURL: "http://" + addr + "/v1/messages", channelID: channel, token: token,
		reply: func(_, _ int, text string) string { return relayReply(text) }}}, nil
}

func startConfab(ctx context.Context, cfg Config, name, tmp, bots string, rcv *receiver) (_ *server, err error) {
	s := &server{}
	argv := append(slices.Clone(cfg.ConfabCmd), "serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(tmp, name),
		"--bots", bots, "--allow-net", "127.0.0.1/32", "--log-format", "json")
	if !cfg.NoLimitFlags {
		// Every conversation sends as fast as it is answered, all on one
		// channel: the limits are raised far above that, so that the
		// limiter runs but never refuses.
		argv = append(argv, "--rate-limit-channel", "1000000/s burst 1000000", "--rate-limit-user", "1000000/s burst 1000000")
	}
	if name == "confab_postgres" {
		pg, err := openPG(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, &skipError{reason: fmt.Sprintf("PostgreSQL unreachable at %s: %v", redact(cfg.DatabaseURL), err)}
		}
		s.pg = pg
		defer func() {
			if err != nil {
				_ = pg.drop()
			}
		}()
		argv = append(argv, "--database", pg.url)
	}
	env := append(cleanEnv(), "CONFAB_ADMIN_TOKEN="+adminToken)
	if cfg.ProfileDir != "" {
		if s.pprofAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		env = append(env, "CONFAB_BENCH_PPROF="+s.pprofAddr)
	}
	p, addr, err := startProcess(ctx, name, argv, env, confabAddr, confabProblem)
	if err != nil {
		return nil, err
	}
	s.proc = p
	defer func() {
		if err != nil {
			p.stop()
		}
	}()
	base := "http://" + addr
	if err := waitReady(ctx, base); err != nil {
		return nil, fmt.Errorf("%w:\n%s", err, p.output())
	}
	ch, err := createChannel(ctx, base, rcv.url)
	if err != nil {
		return nil, err
	}
	if err := rcv.configure(ch.ChannelID, ch.WebhookSecret); err != nil {
		return nil, err
	}
	s.target = target{sendURL: base + "/v1/messages", channelID: ch.ChannelID, token: ch.Token, reply: confabReply}
	return s, nil
}

// configure sets the channel and secret replies are checked against.
func (r *receiver) configure(channelID, secret string) error {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return fmt.Errorf("webhook secret: %w", err)
	}
	r.cfg.Store(&receiverConfig{channelID: channelID, verifier: wh})
	return nil
}

// confabAddr finds the address in Confab's "confab is serving" log line.
func confabAddr(line string) (string, bool) {
	if !strings.HasPrefix(line, "{") {
		return "", false
	}
	var l struct {
		Msg  string `json:"msg"`
		Addr string `json:"addr"`
	}
	if json.Unmarshal([]byte(line), &l) != nil || l.Msg != "confab is serving" || l.Addr == "" {
		return "", false
	}
	return l.Addr, true
}

func confabProblem(line string) bool {
	return strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, `"level":"WARN"`)
}

func waitReady(ctx context.Context, base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s/readyz did not answer 200 within 30s (%v)", base, err)
		}
		if !sleepUntil(ctx, time.Now().Add(50*time.Millisecond)) {
			return ctx.Err()
		}
	}
}

type createdChannel struct {
	ChannelID     string `json:"channelID"`
	Token         string `json:"token"`
	WebhookSecret string `json:"webhookSecret"`
}

// createChannel makes the API channel of the bench bot, delivering to the
// receiver.
func createChannel(ctx context.Context, base, webhookURL string) (createdChannel, error) {
	var ch createdChannel
	body, _ := json.Marshal(map[string]string{"bot": "bench", "webhookUrl": webhookURL})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/channels", bytes.NewReader(body))
	if err != nil {
		return ch, err
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ch, err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusCreated {
		return ch, fmt.Errorf("POST /v1/channels = %d: %s", resp.StatusCode, answer)
	}
	if err := json.Unmarshal(answer, &ch); err != nil || ch.ChannelID == "" || ch.Token == "" || ch.WebhookSecret == "" {
		return ch, fmt.Errorf("POST /v1/channels answered %s", answer)
	}
	return ch, nil
}

// freeAddr finds a free port on 127.0.0.1.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// confabVars are the counters of bench/confabprof.
type confabVars struct {
	Commits   map[string]int64 `json:"sqlite_commits"`
	Rollbacks map[string]int64 `json:"sqlite_rollbacks"`
	Rows      map[string]int64 `json:"sqlite_rows"`
}

func fetchVars(ctx context.Context, addr string) *confabVars {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/debug/vars", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var v confabVars
	if json.NewDecoder(resp.Body).Decode(&v) != nil {
		return nil
	}
	return &v
}

// fetchProfile saves a profile (profile: CPU, or block) of the window; it
// returns the file's path, or what went wrong.
func fetchProfile(ctx context.Context, cfg Config, name, addr, profile, kind string) string {
	secs := max(1, int(cfg.Duration.Round(time.Second)/time.Second))
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/debug/pprof/"+profile+"?seconds="+strconv.Itoa(secs), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Sprintf("error: status %d %v", resp.StatusCode, err)
	}
	path := filepath.Join(cfg.ProfileDir, name+"."+kind+".pprof")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return "error: " + err.Error()
	}
	return path
}
