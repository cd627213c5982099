package ratelimit

import (
	"strings"
	"testing"
	"time"
)

func perSecond(n, burst int) Limit { return Limit{Requests: n, Per: time.Second, Burst: burst} }

func TestPlanFor(t *testing.T) {
	t.Parallel()
	p := Plans{
		Default: DefaultPlan(),
		Named: map[string]Plan{
			"big":     {Channel: perSecond(2000, 4000), User: Limit{Off: true}},
			"scripts": {Token: perSecond(100, 500)},
		},
		Projects: map[string]string{"prj_big": "big", "prj_scripts": "scripts"},
		Channels: map[string]string{"ch_vip": "scripts", "": "big"},
	}
	def := DefaultPlan()
	for _, tc := range []struct {
		project, channel string
		want             Plan
	}{
		{"prj_other", "ch_x", def},
		{"prj_other", "", def},
		{"prj_big", "ch_x", Plan{Token: def.Token, Channel: perSecond(2000, 4000), User: Limit{Off: true}}},
		{"prj_big", "", Plan{Token: def.Token, Channel: perSecond(2000, 4000), User: Limit{Off: true}}},
		{"prj_scripts", "", Plan{Token: perSecond(100, 500), Channel: def.Channel, User: def.User}},
		// The channel's plan wins over its project's.
		{"prj_big", "ch_vip", Plan{Token: perSecond(100, 500), Channel: def.Channel, User: def.User}},
	} {
		if got := p.For(tc.project, tc.channel); got != tc.want {
			t.Errorf("For(%q, %q) = %+v, want %+v", tc.project, tc.channel, got, tc.want)
		}
	}
	if err := p.Validate(); err != nil {
		t.Errorf("valid plans: %v", err)
	}
}

func TestPlansEnabled(t *testing.T) {
	t.Parallel()
	if (Plans{}).Enabled() {
		t.Error("the zero Plans limits nothing")
	}
	if !(Plans{Default: DefaultPlan()}).Enabled() {
		t.Error("the default plan limits")
	}
	off := Plan{Token: Limit{Off: true}, Channel: Limit{Off: true}, User: Limit{Off: true}}
	if (Plans{Default: off}).Enabled() {
		t.Error("a plan with every limit off limits nothing")
	}
	if !(Plans{Default: off, Named: map[string]Plan{"x": {User: perSecond(1, 1)}}}).Enabled() {
		t.Error("a named plan with a limit limits")
	}
}

func TestPlansValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	p := Plans{
		Default:  Plan{Token: Limit{Requests: 1, Per: time.Second, Burst: 0}},
		Named:    map[string]Plan{"big": {User: Limit{Requests: 1, Per: -time.Second, Burst: 1}}, "small": {}},
		Projects: map[string]string{"prj_a": "huge"},
		Channels: map[string]string{"web": "smal"},
	}
	err := p.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"rate-limit-token: rate limit 1/s burst 0: the burst must be from 1",
		"rate_limits.plans.big.user:",
		`rate_limits.projects.prj_a: no plan "huge" (plans: big, small)`,
		`rate_limits.channels.web: no plan "smal" (plans: big, small)`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
	if err := (Plans{Projects: map[string]string{"p": "x"}}).Validate(); err == nil || !strings.Contains(err.Error(), "(plans: none)") {
		t.Errorf("no named plans: %v", err)
	}
}
