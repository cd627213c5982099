package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/confab/confab/internal/ratelimit"
)

func TestDefaultsAreValid(t *testing.T) {
	t.Parallel()
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.BotsDir != "./bots" || c.DatabaseURL != "" || len(c.RetrySchedule) != 7 {
		t.Errorf("defaults %+v", c)
	}
}

func TestEnvironment(t *testing.T) {
	t.Parallel()
	c := Default()
	err := c.ApplyEnv([]string{"CONFAB_ADDR=127.0.0.1:9", "CONFAB_DATABASE_URL=postgres://u:pw@h/db", "CONFAB_ALLOW_NET=127.0.0.1/32, 10.0.0.0/8",
		"CONFAB_RETRY_SCHEDULE=1s,2s", "CONFAB_ENV_SHOP_URL=https://shop", "CONFAB_SECRET_TOKEN=s3cret", "PATH=/bin"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9" || c.DatabaseURL != "postgres://u:pw@h/db" || len(c.AllowNet) != 2 || c.AllowNet[1] != "10.0.0.0/8" ||
		len(c.RetrySchedule) != 2 || c.RetrySchedule[1] != 2*time.Second || c.Env["SHOP_URL"] != "https://shop" || c.Secrets["TOKEN"] != "s3cret" {
		t.Errorf("config %+v", c)
	}
	s := c.String()
	if strings.Contains(s, "pw") || strings.Contains(s, "s3cret") || !strings.Contains(s, "TOKEN=****") {
		t.Errorf("String leaks or hides too much: %s", s)
	}
	if err := c.ApplyEnv([]string{"CONFAB_RETRY_SCHEDULE=soon"}); err == nil || !strings.Contains(err.Error(), "CONFAB_RETRY_SCHEDULE") {
		t.Errorf("bad schedule: %v", err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	c := Default()
	c.Addr = "nowhere"
	c.DatabaseURL = "mysql://x"
	c.AdminToken = "short"
	c.AllowNet = []string{"not-a-net/99"}
	c.LogFormat = "xml"
	c.Channels = []ChannelSpec{{ID: "web"}}
	err := c.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"addr", "only postgres://", "CONFAB_ADMIN_TOKEN", "allow-net", "log format", "channels[0]: bot is required", "channels[0]: token"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
}

func TestFileThenEnvironment(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "confab.yaml")
	t.Setenv("CONFAB_TEST_CHANNEL_TOKEN", strings.Repeat("t", 40))
	file := `addr: 127.0.0.1:7000
bots: ./mybots
retry_schedule: [1s, 10s]
channels:
  - id: web
    bot: pizza
    webhook_url: https://example.org/hook
    token: ${CONFAB_TEST_CHANNEL_TOKEN}
    webhook_secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
    keywords: ["#pizza"]
`
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{"CONFAB_CONFIG=" + path, "CONFAB_ADDR=127.0.0.1:7001"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7001" {
		t.Errorf("the environment must override the file: addr %s", c.Addr)
	}
	if c.BotsDir != "./mybots" || len(c.RetrySchedule) != 2 || len(c.Channels) != 1 || c.Channels[0].Token != strings.Repeat("t", 40) {
		t.Errorf("config %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("valid file: %v", err)
	}
	if err := os.WriteFile(path, []byte("adress: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load([]string{"CONFAB_CONFIG=" + path}); err == nil || !strings.Contains(err.Error(), "adress") {
		t.Errorf("unknown key: %v", err)
	}
}

func TestRateLimitDefaultsAndEnvironment(t *testing.T) {
	t.Parallel()
	c := Default()
	if c.RateLimits.Default != ratelimit.DefaultPlan() || !c.RateLimits.Enabled() {
		t.Errorf("the default plan is %+v, want ratelimit.DefaultPlan()", c.RateLimits.Default)
	}
	err := c.ApplyEnv([]string{"CONFAB_RATE_LIMIT_TOKEN=5/s burst 10", "CONFAB_RATE_LIMIT_CHANNEL=600/m", "CONFAB_RATE_LIMIT_USER=off"})
	if err != nil {
		t.Fatal(err)
	}
	want := ratelimit.Plan{
		Token:   ratelimit.Limit{Requests: 5, Per: time.Second, Burst: 10},
		Channel: ratelimit.Limit{Requests: 600, Per: time.Minute, Burst: 600},
		User:    ratelimit.Limit{Off: true},
	}
	if c.RateLimits.Default != want {
		t.Errorf("after the environment: %+v, want %+v", c.RateLimits.Default, want)
	}
	err = c.ApplyEnv([]string{"CONFAB_RATE_LIMIT_USER=lots", "CONFAB_RATE_LIMIT_TOKEN=5/s burst 0"})
	for _, w := range []string{`CONFAB_RATE_LIMIT_USER: rate limit "lots"`, "CONFAB_RATE_LIMIT_TOKEN: rate limit 5/s burst 0: the burst must be from 1"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("bad values: %v; want it to contain %q", err, w)
		}
	}
	if c.RateLimits.Default.User != (ratelimit.Limit{Off: true}) {
		t.Errorf("a bad value changed the limit: %+v", c.RateLimits.Default.User)
	}
}

func TestRateLimitPlansFromTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "confab.yaml")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`rate_limits:
  token: 50/s burst 200
  user: 2/s burst 4
  plans:
    partner:
      channel: 1000/s burst 2000
      user: off
    scripts:
      token: 100/s
  projects:
    prj_big: partner
  channels:
    website: scripts
`)
	c, err := Load([]string{"CONFAB_CONFIG=" + path, "CONFAB_RATE_LIMIT_USER=3/s burst 6"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("valid file: %v", err)
	}
	p := c.RateLimits
	def := ratelimit.DefaultPlan()
	wantDefault := ratelimit.Plan{
		Token:   ratelimit.Limit{Requests: 50, Per: time.Second, Burst: 200},
		Channel: def.Channel,                                              // not in the file: the built-in default
		User:    ratelimit.Limit{Requests: 3, Per: time.Second, Burst: 6}, // the environment wins over the file
	}
	if p.Default != wantDefault {
		t.Errorf("default plan %+v, want %+v", p.Default, wantDefault)
	}
	if got := p.For("prj_big", "ch_x"); got.Channel.Requests != 1000 || !got.User.Off || got.Token != wantDefault.Token {
		t.Errorf("project prj_big's plan: %+v", got)
	}
	if got := p.For("prj_other", "website"); got.Token.Requests != 100 || got.Channel != def.Channel {
		t.Errorf("channel website's plan: %+v", got)
	}

	for _, tc := range []struct{ file, want string }{
		{"rate_limits:\n  channel: 20/sec\n", `rate_limits.channel: rate limit "20/sec": the period "sec"`},
		{"rate_limits:\n  plans:\n    p:\n      user: 0/s\n", "rate_limits.plans.p.user: rate limit"},
		{"rate_limits:\n  plans:\n    p:\n      users: 1/s\n", "field users not found"},
		{"rate_limits:\n  per_token: 1/s\n", "field per_token not found"},
	} {
		write(tc.file)
		if _, err := Load([]string{"CONFAB_CONFIG=" + path}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("file %q: %v; want an error with %q", tc.file, err, tc.want)
		}
	}
	write("rate_limits:\n  plans:\n    partner: {user: 1/s}\n  channels:\n    web: partnr\n")
	c, err = Load([]string{"CONFAB_CONFIG=" + path})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), `rate_limits.channels.web: no plan "partnr" (plans: partner)`) {
		t.Errorf("a channel on a plan that does not exist: %v", err)
	}
}

func TestLogRetention(t *testing.T) {
	t.Parallel()
	if c := Default(); c.LogRetention != 30*24*time.Hour || c.LogKeep != 0 {
		t.Errorf("defaults: retention %s keep %d, want 720h and 0", c.LogRetention, c.LogKeep)
	}
	path := filepath.Join(t.TempDir(), "confab.yaml")
	if err := os.WriteFile(path, []byte("log_retention: 168h\nlog_keep: 50\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{"CONFAB_CONFIG=" + path})
	if err != nil || c.LogRetention != 168*time.Hour || c.LogKeep != 50 {
		t.Fatalf("from the file: %s %d %v", c.LogRetention, c.LogKeep, err)
	}
	c, err = Load([]string{"CONFAB_CONFIG=" + path, "CONFAB_LOG_RETENTION=24h", "CONFAB_LOG_KEEP=5"})
	if err != nil || c.LogRetention != 24*time.Hour || c.LogKeep != 5 {
		t.Fatalf("the environment over the file: %s %d %v", c.LogRetention, c.LogKeep, err)
	}
	for _, env := range []string{"CONFAB_LOG_RETENTION=a month", "CONFAB_LOG_RETENTION=0s", "CONFAB_LOG_KEEP=-1", "CONFAB_LOG_KEEP=many"} {
		if c, err := Load([]string{env}); err == nil && c.Validate() == nil {
			t.Errorf("%s was accepted", env)
		}
	}
}

func TestPublicURLAndWaitSweep(t *testing.T) {
	t.Parallel()
	if c := Default(); c.PublicURL != "" || c.WaitSweep != time.Second {
		t.Errorf("defaults: public URL %q, wait sweep %s; want none and 1s", c.PublicURL, c.WaitSweep)
	}
	path := filepath.Join(t.TempDir(), "confab.yaml")
	if err := os.WriteFile(path, []byte("public_url: https://bots.example.com/confab\nwait_sweep: 5s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{"CONFAB_CONFIG=" + path})
	if err != nil || c.PublicURL != "https://bots.example.com/confab" || c.WaitSweep != 5*time.Second || c.Validate() != nil {
		t.Fatalf("from the file: %q %s %v %v", c.PublicURL, c.WaitSweep, err, c.Validate())
	}
	c, err = Load([]string{"CONFAB_CONFIG=" + path, "CONFAB_PUBLIC_URL=http://10.0.0.5:8080", "CONFAB_WAIT_SWEEP=100ms"})
	if err != nil || c.PublicURL != "http://10.0.0.5:8080" || c.WaitSweep != 100*time.Millisecond {
		t.Fatalf("the environment over the file: %q %s %v", c.PublicURL, c.WaitSweep, err)
	}
	for _, env := range []string{"CONFAB_PUBLIC_URL=bots.example.com", "CONFAB_PUBLIC_URL=ftp://bots.example.com", "CONFAB_PUBLIC_URL=https://bots.example.com/?a=1",
		"CONFAB_PUBLIC_URL=https://user:pw@bots.example.com", "CONFAB_WAIT_SWEEP=0s", "CONFAB_WAIT_SWEEP=often"} {
		if c, err := Load([]string{env}); err == nil && c.Validate() == nil {
			t.Errorf("%s was accepted", env)
		}
	}
}

func TestOutboundProxy(t *testing.T) {
	t.Parallel()
	if c := Default(); c.OutboundProxy != "" {
		t.Errorf("default outbound proxy %q, want none", c.OutboundProxy)
	}
	for _, value := range []string{"", "env", "http://proxy.lan:3128", "https://egress:s3cret@10.0.0.5:8443"} {
		c := Default()
		if err := c.ApplyEnv([]string{"CONFAB_OUTBOUND_PROXY=" + value}); err != nil {
			t.Fatal(err)
		}
		if c.OutboundProxy != value {
			t.Errorf("CONFAB_OUTBOUND_PROXY=%s read as %q", value, c.OutboundProxy)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("CONFAB_OUTBOUND_PROXY=%s: %v", value, err)
		}
		if strings.Contains(c.String(), "s3cret") {
			t.Errorf("String leaks the proxy's password: %s", c)
		}
	}

	bad := []struct{ value, want string }{
		{"socks5://proxy.lan:1080", `outbound-proxy "socks5://proxy.lan:1080": scheme "socks5": only http and https proxies are supported`},
		{"proxy.lan:3128", `outbound-proxy "proxy.lan:3128": scheme "proxy.lan"`},
		{"http://u:s3cret@proxy.lan:3128/path", `outbound-proxy "http://u:xxxxx@proxy.lan:3128/path": a proxy URL has no path`},
	}
	for _, tt := range bad {
		c := Default()
		c.OutboundProxy = tt.value
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("outbound proxy %q: %v, want an error containing %q", tt.value, err, tt.want)
		}
	}
}

func TestOutboundProxyFromTheFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "confab.yaml")
	if err := os.WriteFile(path, []byte("outbound_proxy: http://proxy.lan:3128\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := Default()
	if err := c.ApplyFile(path); err != nil {
		t.Fatal(err)
	}
	if c.OutboundProxy != "http://proxy.lan:3128" {
		t.Errorf("outbound_proxy read as %q", c.OutboundProxy)
	}
	if err := c.ApplyEnv([]string{"CONFAB_OUTBOUND_PROXY=env"}); err != nil || c.OutboundProxy != "env" {
		t.Errorf("the environment must override the file: %q, %v", c.OutboundProxy, err)
	}
}
