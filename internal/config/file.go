package config

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"time"

	"go.yaml.in/yaml/v3"
)

// ChannelSpec is an API channel declared in the configuration file. It is
// created on start, or brought in line with the file when it exists.
type ChannelSpec struct {
	ID            string   `yaml:"id"`
	Bot           string   `yaml:"bot"`
	WebhookURL    string   `yaml:"webhook_url"`
	Token         string   `yaml:"token"`          // at least 32 characters; stored hashed
	WebhookSecret string   `yaml:"webhook_secret"` // whsec_...
	Keywords      []string `yaml:"keywords"`
}

// fileConfig is the configuration file's shape.
type fileConfig struct {
	Addr          *string           `yaml:"addr"`
	Data          *string           `yaml:"data"`
	Bots          *string           `yaml:"bots"`
	Database      *string           `yaml:"database"`
	PublicURL     *string           `yaml:"public_url"`
	WaitSweep     *string           `yaml:"wait_sweep"`
	AdminToken    *string           `yaml:"admin_token"`
	AllowNet      []string          `yaml:"allow_net"`
	OutboundProxy *string           `yaml:"outbound_proxy"`
	RetrySchedule []string          `yaml:"retry_schedule"`
	Shutdown      *string           `yaml:"shutdown_timeout"`
	LogRetention  *string           `yaml:"log_retention"`
	LogKeep       *int              `yaml:"log_keep"`
	LogFormat     *string           `yaml:"log_format"`
	Env           map[string]string `yaml:"env"`
	Channels      []ChannelSpec     `yaml:"channels"`
	RateLimits    *fileRateLimits   `yaml:"rate_limits"`
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// ApplyFile reads a YAML configuration file (its keys are the settings'
// names in snake case, plus channels). ${NAME} in it is replaced by the
// environment variable NAME, so secrets need not be written in the file.
// Unknown keys are errors.
func (c *Config) ApplyFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	data = envRef.ReplaceAllFunc(data, func(m []byte) []byte {
		return []byte(os.Getenv(string(envRef.FindSubmatch(m)[1])))
	})
	var f fileConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Addr, f.Addr)
	set(&c.DataDir, f.Data)
	set(&c.BotsDir, f.Bots)
	set(&c.DatabaseURL, f.Database)
	set(&c.AdminToken, f.AdminToken)
	set(&c.PublicURL, f.PublicURL)
	set(&c.OutboundProxy, f.OutboundProxy)
	if f.WaitSweep != nil {
		d, err := time.ParseDuration(*f.WaitSweep)
		if err != nil {
			return fmt.Errorf("%s: wait_sweep: %w", path, err)
		}
		c.WaitSweep = d
	}
	set(&c.LogFormat, f.LogFormat)
	if f.AllowNet != nil {
		c.AllowNet = f.AllowNet
	}
	if f.RetrySchedule != nil {
		c.RetrySchedule = nil
		for _, s := range f.RetrySchedule {
			d, err := time.ParseDuration(s)
			if err != nil {
				return fmt.Errorf("%s: retry_schedule: %w", path, err)
			}
			c.RetrySchedule = append(c.RetrySchedule, d)
		}
	}
	if f.Shutdown != nil {
		d, err := time.ParseDuration(*f.Shutdown)
		if err != nil {
			return fmt.Errorf("%s: shutdown_timeout: %w", path, err)
		}
		c.ShutdownTimeout = d
	}
	if f.LogRetention != nil {
		d, err := time.ParseDuration(*f.LogRetention)
		if err != nil {
			return fmt.Errorf("%s: log_retention: %w", path, err)
		}
		c.LogRetention = d
	}
	if f.LogKeep != nil {
		c.LogKeep = *f.LogKeep
	}
	for k, v := range f.Env {
		c.Env[k] = v
	}
	c.Channels = append(c.Channels, f.Channels...)
	if f.RateLimits != nil {
		if err := f.RateLimits.apply(&c.RateLimits); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}
