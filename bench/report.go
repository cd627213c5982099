package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a run. In JSON it is one object with a key per
// system, then the ratios to the relay, the bars and the run's details.
type Report struct {
	Relay          *SystemResult    `json:"relay"`
	RelayDurable   *SystemResult    `json:"relay_durable"`
	ConfabSQLite   *SystemResult    `json:"confab_sqlite"`
	ConfabPostgres *SystemResult    `json:"confab_postgres"`
	Ratios         map[string]Ratio `json:"ratios"`
	Bars           []Bar            `json:"bars"`
	Run            RunInfo          `json:"run"`
}

// Ratio is a system's figure divided by the relay's of the same run.
type Ratio struct {
	MsgsPerS    float64 `json:"msgs_per_s"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	CPUMsPerMsg float64 `json:"cpu_ms_per_msg"`
	PeakRSSMB   float64 `json:"peak_rss_mb"`
}

// Bar is one of the bars; Met is null when the systems it needs
// did not run.
type Bar struct {
	Bar   string `json:"bar"`
	Value string `json:"value"`
	Met   *bool  `json:"met"`
}

// RunInfo says how and where the run was made.
type RunInfo struct {
	Command       string  `json:"command"`
	Date          string  `json:"date"`
	NProc         int     `json:"nproc"`
	CPU           string  `json:"cpu,omitempty"`
	Kernel        string  `json:"kernel,omitempty"`
	Go            string  `json:"go"`
	Tree          string  `json:"tree,omitempty"` // git describe --always --dirty
	Concurrency   int     `json:"concurrency"`
	DurationS     float64 `json:"duration_s"`
	WarmupS       float64 `json:"warmup_s"`
	TotalSeconds  float64 `json:"total_s"`
	LoadAvgBefore string  `json:"loadavg_before,omitempty"`
	started       time.Time
}

func newReport(cfg Config) *Report {
	return &Report{Run: RunInfo{
		Command: cfg.Command, Date: time.Now().UTC().Format(time.RFC3339), NProc: runtime.NumCPU(),
		CPU: cpuModel(), Kernel: readTrim("/proc/sys/kernel/osrelease"), Go: runtime.Version(), Tree: gitTree(),
		Concurrency: cfg.Concurrency, DurationS: cfg.Duration.Seconds(), WarmupS: cfg.Warmup.Seconds(),
		LoadAvgBefore: readTrim("/proc/loadavg"), started: time.Now(),
	}}
}

func (r *Report) slot(name string) **SystemResult {
	switch name {
	case "relay":
		return &r.Relay
	case "relay_durable":
		return &r.RelayDurable
	case "confab_sqlite":
		return &r.ConfabSQLite
	case "confab_postgres":
		return &r.ConfabPostgres
	}
	panic("bench: unknown system " + name)
}

func (r *Report) set(name string, res *SystemResult) { *r.slot(name) = res }

func (r *Report) get(name string) *SystemResult { return *r.slot(name) }

// ran reports whether a system ran and measured.
func (r *Report) ran(name string) bool {
	s := r.get(name)
	return s != nil && s.Skipped == "" && s.Failed == ""
}

func (r *Report) failed() []string {
	var out []string
	for _, n := range systemNames {
		if s := r.get(n); s != nil && s.Failed != "" {
			out = append(out, n)
		}
	}
	return out
}

// finish computes the ratios and the bars, and rounds the figures.
func (r *Report) finish() {
	r.Run.TotalSeconds = round(time.Since(r.Run.started).Seconds(), 1)
	r.Ratios = map[string]Ratio{}
	if r.ran("relay") {
		base := r.Relay
		for _, n := range systemNames[1:] {
			if !r.ran(n) {
				continue
			}
			s := r.get(n)
			r.Ratios[n] = Ratio{MsgsPerS: div(s.MsgsPerS, base.MsgsPerS), P50Ms: div(s.P50Ms, base.P50Ms), P99Ms: div(s.P99Ms, base.P99Ms),
				CPUMsPerMsg: div(s.CPUMsPerMsg, base.CPUMsPerMsg), PeakRSSMB: div(s.PeakRSSMB, base.PeakRSSMB)}
		}
	}
	sq, pg := r.ConfabSQLite, r.ConfabPostgres
	bar := func(text string, need []string, value func() string, met func() bool) {
		b := Bar{Bar: text, Value: "n/a"}
		if !slices.ContainsFunc(need, func(n string) bool { return !r.ran(n) }) {
			b.Value = value()
			m := met()
			b.Met = &m
		}
		r.Bars = append(r.Bars, b)
	}
	bar("confab_sqlite msgs/s >= 40% of the relay's", []string{"confab_sqlite", "relay"},
		func() string { return fmt.Sprintf("%.0f%%", 100*div(sq.MsgsPerS, r.Relay.MsgsPerS)) },
		func() bool { return sq.MsgsPerS >= 0.4*r.Relay.MsgsPerS })
	bar("confab_sqlite >= 1,000 msgs/s", []string{"confab_sqlite"},
		func() string { return fmt.Sprintf("%.0f msgs/s", sq.MsgsPerS) }, func() bool { return sq.MsgsPerS >= 1000 })
	bar("confab_sqlite p99 < 100 ms", []string{"confab_sqlite"},
		func() string { return fmt.Sprintf("%.1f ms", sq.P99Ms) }, func() bool { return sq.P99Ms < 100 })
	bar("confab_sqlite peak RSS < 100 MB", []string{"confab_sqlite"},
		func() string { return fmt.Sprintf("%.1f MB", sq.PeakRSSMB) }, func() bool { return sq.PeakRSSMB < 100 })
	bar("confab_postgres >= 800 msgs/s", []string{"confab_postgres"},
		func() string { return fmt.Sprintf("%.0f msgs/s", pg.MsgsPerS) }, func() bool { return pg.MsgsPerS >= 800 })
	bar("confab_postgres peak RSS < 100 MB", []string{"confab_postgres"},
		func() string { return fmt.Sprintf("%.1f MB", pg.PeakRSSMB) }, func() bool { return pg.PeakRSSMB < 100 })
	for _, n := range []string{"confab_sqlite", "confab_postgres"} {
		bar(n+": no errors, nothing lost", []string{n},
			func() string { return fmt.Sprintf("%d errors, %d lost", r.get(n).Errors, r.get(n).Lost) },
			func() bool { return r.get(n).Errors == 0 && r.get(n).Lost == 0 })
	}
	for _, n := range systemNames {
		if s := r.get(n); s != nil {
			s.round()
		}
	}
	for n, x := range r.Ratios {
		r.Ratios[n] = Ratio{MsgsPerS: round(x.MsgsPerS, 3), P50Ms: round(x.P50Ms, 2), P99Ms: round(x.P99Ms, 2),
			CPUMsPerMsg: round(x.CPUMsPerMsg, 2), PeakRSSMB: round(x.PeakRSSMB, 2)}
	}
}

func (s *SystemResult) round() {
	s.MsgsPerS = round(s.MsgsPerS, 1)
	s.P50Ms, s.P90Ms, s.P99Ms, s.MaxMs = round(s.P50Ms, 2), round(s.P90Ms, 2), round(s.P99Ms, 2), round(s.MaxMs, 2)
	s.PeakRSSMB = round(s.PeakRSSMB, 1)
	s.CPUMsPerMsg, s.BenchCPUMsPerMsg = round(s.CPUMsPerMsg, 4), round(s.BenchCPUMsPerMsg, 4)
	s.CPUPct, s.MachineCPUPct = round(s.CPUPct, 1), round(s.MachineCPUPct, 1)
	for _, p := range []*float64{s.DBCPUMsPerMsg, s.DBXactsPerMsg} {
		if p != nil {
			*p = round(*p, 3)
		}
	}
	if s.Profile != nil {
		for _, m := range []map[string]float64{s.Profile.CommitsPerMsg, s.Profile.RollbacksPerMsg, s.Profile.RowsPerMsg} {
			for k, v := range m {
				m[k] = round(v, 3)
			}
		}
	}
}

func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func (r *Report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// writeText prints the table, the ratios to the relay and the bars.
func (r *Report) writeText(out io.Writer) error {
	w := bufio.NewWriter(out)
	fmt.Fprintf(w, "Confab end-to-end benchmark, %s\n", r.Run.Date)
	fmt.Fprintf(w, "%d concurrent conversations, closed loop, %gs measured after %gs warm-up per system; %d CPUs (%s), %s; load average before: %s\n\n",
		r.Run.Concurrency, r.Run.DurationS, r.Run.WarmupS, r.Run.NProc, r.Run.CPU, r.Run.Go, r.Run.LoadAvgBefore)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "system\tmsgs/s\tp50 ms\tp90 ms\tp99 ms\tCPU ms/msg\tserver CPU %\tpeak RSS MB\terrors\tlost\tmachine CPU %\t")
	var notes []string
	for _, n := range systemNames {
		s := r.get(n)
		switch {
		case s == nil:
			continue
		case s.Skipped != "":
			fmt.Fprintf(tw, "%s\tskipped\t\t\t\t\t\t\t\t\t\t\n", n)
			notes = append(notes, n+" skipped: "+s.Skipped)
			continue
		case s.Failed != "":
			fmt.Fprintf(tw, "%s\tfailed\t\t\t\t\t\t\t\t\t\t\n", n)
			notes = append(notes, n+" failed: "+s.Failed)
			continue
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.1f\t%.1f\t%.1f\t%.3f\t%.0f\t%.1f\t%d\t%d\t%.0f\t\n",
			n, s.MsgsPerS, s.P50Ms, s.P90Ms, s.P99Ms, s.CPUMsPerMsg, s.CPUPct, s.PeakRSSMB, s.Errors, s.Lost, s.MachineCPUPct)
		for k, c := range s.ErrorKinds {
			notes = append(notes, fmt.Sprintf("%s: %d × %s, e.g. %s", n, c, k, s.ErrorSamples[k]))
		}
		if s.ServerLogProblems > 0 {
			notes = append(notes, fmt.Sprintf("%s: the server logged %d warnings or errors", n, s.ServerLogProblems))
		}
		if s.DBCPUMsPerMsg != nil {
			x := "n/a"
			if s.DBXactsPerMsg != nil {
				x = fmt.Sprintf("%.2f", *s.DBXactsPerMsg)
			}
			notes = append(notes, fmt.Sprintf("%s: PostgreSQL server CPU %.3f ms/msg, %s transactions/msg", n, *s.DBCPUMsPerMsg, x))
		}
		notes = append(notes, fmt.Sprintf("%s: load client and receiver CPU %.3f ms/msg; connections opened: %d to the server, %d to the receiver",
			n, s.BenchCPUMsPerMsg, s.ClientConns, s.WebhookConns))
	}
	tw.Flush()
	if len(r.Ratios) > 0 {
		fmt.Fprintln(w, "\nRatio to the relay of the same run (msgs/s: higher is better; the rest: lower is better):")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "system\tmsgs/s\tp50\tp99\tCPU/msg\tpeak RSS\t")
		for _, n := range systemNames[1:] {
			if x, ok := r.Ratios[n]; ok {
				fmt.Fprintf(tw, "%s\t%.0f%%\t%.1f×\t%.1f×\t%.1f×\t%.1f×\t\n", n, 100*x.MsgsPerS, x.P50Ms, x.P99Ms, x.CPUMsPerMsg, x.PeakRSSMB)
			}
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "\nBars:")
	for _, b := range r.Bars {
		mark := "n/a "
		if b.Met != nil {
			mark = map[bool]string{true: "met ", false: "MISS"}[*b.Met]
		}
		fmt.Fprintf(w, "  [%s] %s: %s\n", mark, b.Bar, b.Value)
	}
	for _, n := range []string{"confab_sqlite", "confab_postgres"} {
		if s := r.get(n); s != nil && s.Profile != nil {
			fmt.Fprintf(w, "\nProfile of %s: %s\n", n, strings.Join(s.Profile.Files, ", "))
			writeCounts(w, "  SQLite write transactions per message, by store method:", s.Profile.CommitsPerMsg)
			writeCounts(w, "  SQLite rollbacks per message:", s.Profile.RollbacksPerMsg)
			writeCounts(w, "  SQLite rows written per message:", s.Profile.RowsPerMsg)
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, n := range notes {
			fmt.Fprintln(w, "  "+n)
		}
	}
	fmt.Fprintf(w, "\nCommand: %s (%.0fs in all); tree %s\n", r.Run.Command, r.Run.TotalSeconds, r.Run.Tree)
	return w.Flush()
}

func writeCounts(w io.Writer, title string, m map[string]float64) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	total := 0.0
	for k, v := range m {
		keys = append(keys, k)
		total += v
	}
	slices.Sort(keys)
	fmt.Fprintf(w, "%s %.2f in all\n", title, total)
	for _, k := range keys {
		fmt.Fprintf(w, "    %-28s %.3f\n", k, m[k])
	}
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func readTrim(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// gitTree names the source tree measured (empty outside a git checkout).
func gitTree() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
