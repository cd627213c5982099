package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/confab/confab/internal/app"
	"github.com/confab/confab/internal/config"
)

// serverFlags binds the server's flags to cfg, whose values (defaults and
// CONFAB_* variables already applied) are the flags' defaults: flags win.
func serverFlags(cmd *cobra.Command, cfg *config.Config) {
	f := cmd.Flags()
	f.String("config", "", "a YAML configuration file (CONFAB_CONFIG); flags and CONFAB_* variables override it")
	f.StringVar(&cfg.Addr, "addr", cfg.Addr, "address to listen on (CONFAB_ADDR)")
	f.StringVar(&cfg.PublicURL, "public-url", cfg.PublicURL, "the server's URL as others reach it, for wait blocks' callback URLs; default http://<addr> (CONFAB_PUBLIC_URL)")
	f.DurationVar(&cfg.WaitSweep, "wait-sweep", cfg.WaitSweep, "how often wait blocks' time-outs are looked for (CONFAB_WAIT_SWEEP)")
	f.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory for the SQLite database (CONFAB_DATA)")
	f.StringVar(&cfg.BotsDir, "bots", cfg.BotsDir, "folder of bot files to serve (CONFAB_BOTS)")
	f.StringVar(&cfg.DatabaseURL, "database", cfg.DatabaseURL, "postgres://... to use PostgreSQL instead of SQLite (CONFAB_DATABASE_URL)")
	f.StringSliceVar(&cfg.AllowNet, "allow-net", cfg.AllowNet, "networks or hosts outbound calls may reach although private, e.g. 127.0.0.1/32 (CONFAB_ALLOW_NET)")
	f.StringVar(&cfg.OutboundProxy, "outbound-proxy", cfg.OutboundProxy, `proxy of outbound calls: "env" for HTTP_PROXY/HTTPS_PROXY/NO_PROXY, a URL such as http://proxy.lan:3128, or empty for none (CONFAB_OUTBOUND_PROXY)`)
	f.DurationSliceVar(&cfg.RetrySchedule, "retry-schedule", cfg.RetrySchedule, "waits before each webhook retry (CONFAB_RETRY_SCHEDULE)")
	f.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "text or json (CONFAB_LOG_FORMAT)")
	f.Var(&cfg.RateLimits.Default.Token, "rate-limit-token", `requests per project token, as "20/s burst 100", or off (CONFAB_RATE_LIMIT_TOKEN)`)
	f.Var(&cfg.RateLimits.Default.Channel, "rate-limit-channel", "messages per API channel, or off (CONFAB_RATE_LIMIT_CHANNEL)")
	f.Var(&cfg.RateLimits.Default.User, "rate-limit-user", "messages per end user of a channel, or off (CONFAB_RATE_LIMIT_USER)")
}

// loadConfig builds the configuration before the flags: defaults, the
// configuration file (--config or CONFAB_CONFIG), the CONFAB_* variables.
func loadConfig(args []string) (config.Config, error) {
	environ := os.Environ()
	if path := configFlag(args); path != "" {
		environ = append(environ, "CONFAB_CONFIG="+path)
	}
	return config.Load(environ)
}

// configFlag finds --config's value in args before cobra parses them (the
// file's values are the other flags' defaults).
func configFlag(args []string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			return v
		}
		if a == "--config" && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func newLogger(cmd *cobra.Command, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), nil))
	}
	return slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
}

// tuneGC lets the server's heap grow to three times what is live before
// the collector runs (GOGC=200), unless GOGC is set. The server allocates
// much that dies within a request and keeps little, so the collector runs
// half as often for a few more MB (peak RSS 54 MB in the benchmark; about
// 13 % less CPU per message in back-to-back profiled runs, see
// docs/performance.md).
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
}

func serveCmd(args []string) *cobra.Command {
	cfg, envErr := loadConfig(args)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Confab server",
		Long: `serve runs the server: the API on --addr (127.0.0.1:8080), the data in --data
(./data, SQLite) or --database (PostgreSQL), and the bots of --bots (./bots).
On first start it creates a project and prints its admin API token once
(or takes CONFAB_ADMIN_TOKEN as given). SIGTERM or Ctrl-C stops it cleanly:
new requests get 503, turns in flight finish, and it exits 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tuneGC()
			if envErr != nil {
				return envErr
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return app.Serve(ctx, cfg, newLogger(cmd, cfg.LogFormat), cmd.OutOrStdout(), nil)
		},
	}
	serverFlags(cmd, &cfg)
	return cmd
}

func migrateCmd(args []string) *cobra.Command {
	cfg, envErr := loadConfig(args)
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database schema up to date, then exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if envErr != nil {
				return envErr
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Minute)
			defer cancel()
			s, err := app.OpenStore(ctx, cfg)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "the database schema is up to date")
			return s.Close()
		},
	}
	f := cmd.Flags()
	f.String("config", "", "a YAML configuration file (CONFAB_CONFIG)")
	f.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory for the SQLite database (CONFAB_DATA)")
	f.StringVar(&cfg.DatabaseURL, "database", cfg.DatabaseURL, "postgres://... to use PostgreSQL (CONFAB_DATABASE_URL)")
	return cmd
}
