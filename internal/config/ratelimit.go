package config

import (
	"fmt"

	"github.com/confab/confab/internal/ratelimit"
)

// The variables that set the default plan's limits ("20/s burst 40",
// "off"; see ratelimit.ParseLimit).
const (
	envRateLimitToken   = "CONFAB_RATE_LIMIT_TOKEN"
	envRateLimitChannel = "CONFAB_RATE_LIMIT_CHANNEL"
	envRateLimitUser    = "CONFAB_RATE_LIMIT_USER"
)

// applyRateLimitEnv sets a default plan's limit from a CONFAB_RATE_LIMIT_*
// variable; ok is false when name is not one of them.
func applyRateLimitEnv(p *ratelimit.Plans, name, value string) (ok bool, err error) {
	var dst *ratelimit.Limit
	switch name {
	case envRateLimitToken:
		dst = &p.Default.Token
	case envRateLimitChannel:
		dst = &p.Default.Channel
	case envRateLimitUser:
		dst = &p.Default.User
	default:
		return false, nil
	}
	if err := dst.Set(value); err != nil {
		return true, fmt.Errorf("%s: %w", name, err)
	}
	return true, nil
}

// fileRateLimits is the rate_limits section of the configuration file:
//
//	rate_limits:
//	  token: 50/s burst 200      # the default plan
//	  channel: 1000/s burst 2000
//	  user: 5/s burst 20
//	  plans:
//	    partner: {channel: 1000/s burst 2000, user: off}
//	  projects: {prj_...: partner}
//	  channels: {website: partner}
type fileRateLimits struct {
	Token    *string             `yaml:"token"`
	Channel  *string             `yaml:"channel"`
	User     *string             `yaml:"user"`
	Plans    map[string]filePlan `yaml:"plans"`
	Projects map[string]string   `yaml:"projects"`
	Channels map[string]string   `yaml:"channels"`
}

// filePlan is a named plan of the file; a limit left out is the default
// plan's.
type filePlan struct {
	Token   string `yaml:"token"`
	Channel string `yaml:"channel"`
	User    string `yaml:"user"`
}

// apply sets p from the file's section.
func (f *fileRateLimits) apply(p *ratelimit.Plans) error {
	for _, l := range []struct {
		key string
		src *string
		dst *ratelimit.Limit
	}{{"token", f.Token, &p.Default.Token}, {"channel", f.Channel, &p.Default.Channel}, {"user", f.User, &p.Default.User}} {
		if l.src == nil {
			continue
		}
		if err := l.dst.Set(*l.src); err != nil {
			return fmt.Errorf("rate_limits.%s: %w", l.key, err)
		}
	}
	for name, fp := range f.Plans {
		var plan ratelimit.Plan
		for _, l := range []struct {
			key, src string
			dst      *ratelimit.Limit
		}{{"token", fp.Token, &plan.Token}, {"channel", fp.Channel, &plan.Channel}, {"user", fp.User, &plan.User}} {
			if l.src == "" {
				continue
			}
			if err := l.dst.Set(l.src); err != nil {
				return fmt.Errorf("rate_limits.plans.%s.%s: %w", name, l.key, err)
			}
		}
		if p.Named == nil {
			p.Named = map[string]ratelimit.Plan{}
		}
		p.Named[name] = plan
	}
	for _, a := range []struct {
		src map[string]string
		dst *map[string]string
	}{{f.Projects, &p.Projects}, {f.Channels, &p.Channels}} {
		for id, plan := range a.src {
			if *a.dst == nil {
				*a.dst = map[string]string{}
			}
			(*a.dst)[id] = plan
		}
	}
	return nil
}
