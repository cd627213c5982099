package ratelimit

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Plan is the set of limits that applies to a project or a channel.
type Plan struct {
	// Token limits the requests made with one project (admin) token,
	// on every route that takes one.
	Token Limit
	// Channel limits the messages POSTed to one API channel
	// (POST /v1/messages).
	Channel Limit
	// User limits the messages of one end user of a channel, named by
	// its userID or senderID, so that one user cannot flood a bot.
	User Limit
}

// DefaultPlan is the plan of every project and channel that is given no
// other: 20 requests a second per token with bursts of 100, 200 messages
// a second per channel with bursts of 400, and 5 messages a second per
// end user with bursts of 20. docs/operations.md ("Rate limits") says
// why.
func DefaultPlan() Plan {
	return Plan{
		Token:   Limit{Requests: 50, Per: time.Second, Burst: 200},
		Channel: Limit{Requests: 1000, Per: time.Second, Burst: 2000},
		User:    Limit{Requests: 5, Per: time.Second, Burst: 20},
	}
}

// over returns p with the limits that o sets (or turns off) in its
// place.
func (p Plan) over(o Plan) Plan {
	if o.Token != (Limit{}) {
		p.Token = o.Token
	}
	if o.Channel != (Limit{}) {
		p.Channel = o.Channel
	}
	if o.User != (Limit{}) {
		p.User = o.User
	}
	return p
}

func (p Plan) enabled() bool { return p.Token.Enabled() || p.Channel.Enabled() || p.User.Enabled() }

// Plans are the rate limits of a server: the default plan, named plans,
// and which projects and channels are on which named plan. The zero
// Plans limits nothing.
type Plans struct {
	// Default applies to every project and channel not assigned a named
	// plan; an unset limit in it is no limit.
	Default Plan
	// Named are plans by name. A limit a named plan leaves unset is the
	// default plan's.
	Named map[string]Plan
	// Projects assigns plans to projects: project id → plan name.
	Projects map[string]string
	// Channels assigns plans to channels: channel id → plan name. A
	// channel's plan wins over its project's for the channel and user
	// limits.
	Channels map[string]string
}

// For returns the plan of a project, or of a channel of it (channelID
// may be empty): the channel's named plan, else the project's, else the
// default plan.
func (p Plans) For(projectID, channelID string) Plan {
	name, ok := p.Channels[channelID]
	if !ok || channelID == "" {
		name, ok = p.Projects[projectID]
	}
	if !ok {
		return p.Default
	}
	return p.Default.over(p.Named[name])
}

// Enabled reports whether any plan limits anything.
func (p Plans) Enabled() bool {
	if p.Default.enabled() {
		return true
	}
	for _, n := range p.Named {
		if p.Default.over(n).enabled() {
			return true
		}
	}
	return false
}

// Validate reports every problem at once: limits out of bounds, and
// assignments to plans that do not exist.
func (p Plans) Validate() error {
	var errs []error
	check := func(where string, pl Plan) {
		for _, f := range []struct {
			name string
			l    Limit
		}{{"token", pl.Token}, {"channel", pl.Channel}, {"user", pl.User}} {
			if err := f.l.Validate(); err != nil {
				errs = append(errs, fmt.Errorf("%s%s: %w", where, f.name, err))
			}
		}
	}
	check("rate-limit-", p.Default)
	for _, name := range slices.Sorted(maps.Keys(p.Named)) {
		check("rate_limits.plans."+name+".", p.Named[name])
	}
	known := strings.Join(slices.Sorted(maps.Keys(p.Named)), ", ")
	if known == "" {
		known = "none"
	}
	for _, a := range []struct {
		where string
		m     map[string]string
	}{{"projects", p.Projects}, {"channels", p.Channels}} {
		for _, id := range slices.Sorted(maps.Keys(a.m)) {
			if _, ok := p.Named[a.m[id]]; !ok {
				errs = append(errs, fmt.Errorf("rate_limits.%s.%s: no plan %q (plans: %s)", a.where, id, a.m[id], known))
			}
		}
	}
	return errors.Join(errs...)
}
