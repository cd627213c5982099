// Package config is Confab's one typed configuration: defaults, then
// CONFAB_* environment variables, then command-line flags (the cli package
// binds flags to the fields after the environment is applied, so flags
// win). Validate reports every problem at once; String prints the
// configuration with secrets masked.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/confab/confab/internal/ratelimit"
	"github.com/confab/confab/internal/safehttp"
	"github.com/confab/confab/internal/token"
)

// Config is everything `confab serve` is told.
type Config struct {
	// Addr is the address to listen on; default 127.0.0.1:8080
	// (CONFAB_ADDR, --addr).
	Addr string
	// DataDir holds the SQLite database; default ./data (CONFAB_DATA,
	// --data).
	DataDir string
	// BotsDir holds the bot files served; default ./bots (CONFAB_BOTS,
	// --bots).
	BotsDir string
	// DatabaseURL selects PostgreSQL (postgres://...); empty means SQLite
	// in DataDir (CONFAB_DATABASE_URL, --database).
	DatabaseURL string
	// PublicURL is the server's address as others reach it, for the
	// callback URLs of wait blocks; default http://<the address listened
	// on> (CONFAB_PUBLIC_URL, --public-url).
	PublicURL string
	// WaitSweep is how often the time-outs of wait blocks are looked for;
	// default 1s (CONFAB_WAIT_SWEEP, --wait-sweep).
	WaitSweep time.Duration
	// AdminToken, when set, is the first project's admin token, taken as
	// given (at least 32 characters); otherwise one is made and printed
	// once on first start (CONFAB_ADMIN_TOKEN).
	AdminToken string
	// AllowNet lists networks and hosts outbound calls may reach although
	// they are private or loopback, e.g. 127.0.0.1/32 (CONFAB_ALLOW_NET,
	// comma-separated; --allow-net, repeatable). Default: none.
	AllowNet []string
	// OutboundProxy is the proxy of every outbound call (api,
	// custom_action, function, code fetch, webhooks): "" for none, the
	// default, with HTTP_PROXY and friends ignored; "env" for the proxy
	// those variables name; or a proxy URL such as http://proxy.lan:3128
	// (CONFAB_OUTBOUND_PROXY, --outbound-proxy, file key outbound_proxy).
	// See safehttp.ParseProxy.
	OutboundProxy string
	// RetrySchedule is the wait before each webhook retry; default
	// 5s,5m,30m,2h,5h,10h,10h (CONFAB_RETRY_SCHEDULE, --retry-schedule).
	RetrySchedule []time.Duration
	// ShutdownTimeout bounds the wait for turns in flight on SIGTERM;
	// default 30s (CONFAB_SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
	// LogRetention is how long the execution logs of turns are kept;
	// default 30 days (CONFAB_LOG_RETENTION, file key log_retention).
	LogRetention time.Duration
	// LogKeep, when above 0, also keeps at most this many execution logs
	// per conversation; default 0, no such limit (CONFAB_LOG_KEEP,
	// log_keep).
	LogKeep int
	// LogFormat is text or json; default text (CONFAB_LOG_FORMAT,
	// --log-format).
	LogFormat string
	// Env is what bots see as env.NAME: every CONFAB_ENV_NAME variable.
	Env map[string]string
	// Secrets is what bots see as secret.NAME: every CONFAB_SECRET_NAME
	// variable. Never logged.
	Secrets map[string]string
	// Channels are API channels declared in the configuration file
	// (--config, CONFAB_CONFIG).
	Channels []ChannelSpec
	// RateLimits are the API's rate limits (docs/operations.md, "Rate
	// limits"). The default plan: 50/s burst 200 per project token
	// (CONFAB_RATE_LIMIT_TOKEN, --rate-limit-token), 1000/s burst 2000 per
	// channel (CONFAB_RATE_LIMIT_CHANNEL, --rate-limit-channel) and 5/s
	// burst 20 per end user of a channel (CONFAB_RATE_LIMIT_USER,
	// --rate-limit-user); "off" lifts a limit. Named plans and the
	// projects and channels on them come from the file (rate_limits).
	RateLimits ratelimit.Plans
}

// DefaultRetrySchedule is the webhook retry schedule of QUALITY.md.
var DefaultRetrySchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Load builds the configuration in order: defaults, the file named by
// CONFAB_CONFIG (if any), then the CONFAB_* variables of environ. Flags are
// applied afterwards by the caller.
func Load(environ []string) (Config, error) {
	c := Default()
	for _, kv := range environ {
		if name, value, _ := strings.Cut(kv, "="); name == "CONFAB_CONFIG" && value != "" {
			if err := c.ApplyFile(value); err != nil {
				return c, err
			}
		}
	}
	return c, c.ApplyEnv(environ)
}

// Default returns the defaults.
func Default() Config {
	return Config{Addr: "127.0.0.1:8080", DataDir: "./data", BotsDir: "./bots", RetrySchedule: DefaultRetrySchedule,
		ShutdownTimeout: 30 * time.Second, WaitSweep: time.Second, LogRetention: 30 * 24 * time.Hour, LogFormat: "text", Env: map[string]string{}, Secrets: map[string]string{},
		RateLimits: ratelimit.Plans{Default: ratelimit.DefaultPlan()}}
}

// ApplyEnv reads CONFAB_* variables from environ ("NAME=value" strings,
// as os.Environ returns).
func (c *Config) ApplyEnv(environ []string) error {
	var errs []error
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if ok, err := applyRateLimitEnv(&c.RateLimits, name, value); ok {
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		switch {
		case name == "CONFAB_ADDR":
			c.Addr = value
		case name == "CONFAB_DATA":
			c.DataDir = value
		case name == "CONFAB_BOTS":
			c.BotsDir = value
		case name == "CONFAB_DATABASE_URL":
			c.DatabaseURL = value
		case name == "CONFAB_PUBLIC_URL":
			c.PublicURL = value
		case name == "CONFAB_WAIT_SWEEP":
			d, err := time.ParseDuration(value)
			if err != nil {
				errs = append(errs, fmt.Errorf("CONFAB_WAIT_SWEEP: %w", err))
			}
			c.WaitSweep = d
		case name == "CONFAB_ADMIN_TOKEN":
			c.AdminToken = value
		case name == "CONFAB_ALLOW_NET":
			c.AllowNet = splitList(value)
		case name == "CONFAB_OUTBOUND_PROXY":
			c.OutboundProxy = value
		case name == "CONFAB_RETRY_SCHEDULE":
			s, err := ParseSchedule(value)
			if err != nil {
				errs = append(errs, fmt.Errorf("CONFAB_RETRY_SCHEDULE: %w", err))
			}
			c.RetrySchedule = s
		case name == "CONFAB_SHUTDOWN_TIMEOUT":
			d, err := time.ParseDuration(value)
			if err != nil {
				errs = append(errs, fmt.Errorf("CONFAB_SHUTDOWN_TIMEOUT: %w", err))
			}
			c.ShutdownTimeout = d
		case name == "CONFAB_LOG_RETENTION":
			d, err := time.ParseDuration(value)
			if err != nil {
				errs = append(errs, fmt.Errorf("CONFAB_LOG_RETENTION: %w", err))
			}
			c.LogRetention = d
		case name == "CONFAB_LOG_KEEP":
			n, err := strconv.Atoi(value)
			if err != nil {
				errs = append(errs, fmt.Errorf("CONFAB_LOG_KEEP: %w", err))
			}
			c.LogKeep = n
		case name == "CONFAB_LOG_FORMAT":
			c.LogFormat = value
		case strings.HasPrefix(name, "CONFAB_ENV_") && len(name) > len("CONFAB_ENV_"):
			c.Env[strings.TrimPrefix(name, "CONFAB_ENV_")] = value
		case strings.HasPrefix(name, "CONFAB_SECRET_") && len(name) > len("CONFAB_SECRET_"):
			c.Secrets[strings.TrimPrefix(name, "CONFAB_SECRET_")] = value
		}
	}
	return errors.Join(errs...)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ParseSchedule reads a comma-separated list of durations ("5s,5m,30m").
func ParseSchedule(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, p := range splitList(s) {
		d, err := time.ParseDuration(p)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: %v", c.Addr, err))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, fmt.Errorf("database: only postgres:// URLs are understood (SQLite is the default when none is given)"))
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("data: a data directory is needed for SQLite"))
	}
	if c.AdminToken != "" {
		if err := token.CheckAdmin(c.AdminToken); err != nil {
			errs = append(errs, fmt.Errorf("CONFAB_ADMIN_TOKEN: %w", err))
		}
	}
	if _, err := safehttp.ParseAllow(c.AllowNet); err != nil {
		errs = append(errs, fmt.Errorf("allow-net: %w", err))
	}
	if _, _, err := safehttp.ParseProxy(c.OutboundProxy); err != nil {
		errs = append(errs, fmt.Errorf("outbound-proxy %q: %w", redactURL(c.OutboundProxy), err))
	}
	for _, d := range c.RetrySchedule {
		if d < 0 {
			errs = append(errs, fmt.Errorf("retry-schedule: %s is negative", d))
		}
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("shutdown timeout must be more than zero"))
	}
	if err := checkPublicURL(c.PublicURL); err != nil {
		errs = append(errs, err)
	}
	if c.WaitSweep <= 0 {
		errs = append(errs, errors.New("wait sweep must be more than zero"))
	}
	if c.LogRetention <= 0 {
		errs = append(errs, errors.New("log retention must be more than zero"))
	}
	if c.LogKeep < 0 {
		errs = append(errs, errors.New("log keep must not be negative"))
	}
	for i, ch := range c.Channels {
		errs = append(errs, ch.validate(i)...)
	}
	if err := c.RateLimits.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log format %q: use text or json", c.LogFormat))
	}
	return errors.Join(errs...)
}

// String prints the configuration with the database password, the admin
// token and the secrets masked.
func (c Config) String() string {
	db := c.DatabaseURL
	if i := strings.Index(db, "@"); i > 0 {
		if j := strings.Index(db, "://"); j > 0 {
			db = db[:j+3] + "****" + db[i:]
		}
	}
	admin := ""
	if c.AdminToken != "" {
		admin = "****"
	}
	secrets := make([]string, 0, len(c.Secrets))
	for k := range c.Secrets {
		secrets = append(secrets, k+"=****")
	}
	return fmt.Sprintf("addr=%s public_url=%s data=%s bots=%s database=%q admin_token=%q allow_net=%v outbound_proxy=%q retry_schedule=%v secrets=%v",
		c.Addr, c.PublicURL, c.DataDir, c.BotsDir, db, admin, c.AllowNet, redactURL(c.OutboundProxy), c.RetrySchedule, secrets)
}

// redactURL masks the password of a URL (a proxy's user:password), and
// returns anything that does not parse as a URL as it is.
func redactURL(v string) string {
	if u, err := url.Parse(v); err == nil && u.User != nil {
		return u.Redacted()
	}
	return v
}

// checkPublicURL accepts "" or an absolute http(s) URL without query or
// fragment (a path is kept: a server behind a proxy's prefix).
func checkPublicURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("public-url %q: use an absolute http or https URL without user, query or fragment, e.g. https://bots.example.com", v)
	}
	return nil
}

func (ch ChannelSpec) validate(i int) []error {
	var errs []error
	where := fmt.Sprintf("channels[%d]", i)
	if ch.ID == "" {
		errs = append(errs, fmt.Errorf("%s: id is required", where))
	}
	if ch.Bot == "" {
		errs = append(errs, fmt.Errorf("%s: bot is required", where))
	}
	if !strings.HasPrefix(ch.WebhookURL, "http://") && !strings.HasPrefix(ch.WebhookURL, "https://") {
		errs = append(errs, fmt.Errorf("%s: webhook_url must be an http or https URL", where))
	}
	if len(ch.Token) < 32 {
		errs = append(errs, fmt.Errorf("%s: token must have at least 32 characters (use ${NAME} to read it from the environment)", where))
	}
	if !strings.HasPrefix(ch.WebhookSecret, "whsec_") {
		errs = append(errs, fmt.Errorf("%s: webhook_secret must be a whsec_... secret", where))
	}
	return errs
}
