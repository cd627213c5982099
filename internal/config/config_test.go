package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
