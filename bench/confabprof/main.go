// Command confabprof is `confab` with instruments for the benchmark's
// -profile mode: net/http/pprof and expvar on CONFAB_BENCH_PPROF (a
// 127.0.0.1 address), and counters of the SQLite transactions it commits,
// by the store method that commits them, and of the rows they write, by
// table. Everything else is Confab as built from cmd/confab.
package main

import (
	"expvar"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof" // the profiles, on CONFAB_BENCH_PPROF only
	"os"
	"runtime"
	"strings"
	"time"

	sqlite "modernc.org/sqlite"

	"github.com/confab/confab/internal/cli"
)

var (
	commits   = expvar.NewMap("sqlite_commits")   // by store method
	rollbacks = expvar.NewMap("sqlite_rollbacks") // by store method
	rows      = expvar.NewMap("sqlite_rows")      // by "table op"
)

func main() {
	if addr := os.Getenv("CONFAB_BENCH_PPROF"); addr != "" {
		if host, _, err := net.SplitHostPort(addr); err != nil || host != "127.0.0.1" {
			fmt.Fprintln(os.Stderr, "confabprof: CONFAB_BENCH_PPROF must be 127.0.0.1:PORT")
			os.Exit(2)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "confabprof:", err)
			os.Exit(2)
		}
		go func() { _ = http.Serve(ln, nil) }()
		// Where goroutines wait (for the SQLite writer, for instance):
		// every wait of 100 µs or more, and a tenth of mutex contention.
		runtime.SetBlockProfileRate(int(100 * time.Microsecond))
		runtime.SetMutexProfileFraction(10)
	}
	sqlite.RegisterConnectionHook(func(conn sqlite.ExecQuerierContext, dsn string) error {
		h, ok := conn.(sqlite.HookRegisterer)
		if !ok || strings.Contains(dsn, "query_only") {
			return nil
		}
		h.RegisterCommitHook(func() int32 { commits.Add(storeMethod(), 1); return 0 })
		h.RegisterRollbackHook(func() { rollbacks.Add(storeMethod(), 1) })
		h.RegisterPreUpdateHook(func(d sqlite.SQLitePreUpdateData) { rows.Add(d.TableName+" "+opName(d.Op), 1) })
		return nil
	})
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// storeMethod names the sqlstore method on the calling goroutine's stack
// (the hooks run on the goroutine that commits).
func storeMethod() string {
	pcs := make([]uintptr, 48)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	for {
		f, more := frames.Next()
		if _, m, ok := strings.Cut(f.Function, "/internal/store/sqlstore.(*DB)."); ok {
			m, _, _ = strings.Cut(m, ".")
			if m != "tx" {
				return m
			}
		}
		if !more {
			return "other"
		}
	}
}

func opName(op int32) string {
	switch op {
	case 18:
		return "insert"
	case 23:
		return "update"
	case 9:
		return "delete"
	}
	return fmt.Sprint(op)
}
