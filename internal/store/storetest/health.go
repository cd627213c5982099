package storetest

import (
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

var healthTests = []test{
	{name: "SetEndpointHealth", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		is(t, "failing", f.s.SetEndpointHealth(f.ctx, c.ID, f.now, ""), nil)
		got, err := f.s.GetChannel(f.ctx, p.ID, c.ID)
		is(t, "GetChannel", err, nil)
		same(t, "failing since", f.now, got.FailingSince)
		same(t, "not disabled", "", got.WebhookDisabled)
		is(t, "disabled", f.s.SetEndpointHealth(f.ctx, c.ID, f.now, "410 Gone"), nil)
		got, _ = f.s.ChannelByID(f.ctx, c.ID)
		same(t, "disabled reason", "410 Gone", got.WebhookDisabled)
		is(t, "recovered", f.s.SetEndpointHealth(f.ctx, c.ID, time.Time{}, ""), nil)
		got, _ = f.s.ChannelByID(f.ctx, c.ID)
		if !got.FailingSince.IsZero() || got.WebhookDisabled != "" {
			t.Errorf("after recovery: failing since %v, disabled %q", got.FailingSince, got.WebhookDisabled)
		}
		is(t, "unknown channel", f.s.SetEndpointHealth(f.ctx, "nope", f.now, ""), store.ErrNotFound)
	}},
	{name: "PreviousSecretRoundTrips", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		c := f.channel(t, p.ID)
		c.PreviousSecret, c.PreviousUntil = c.WebhookSecret, f.at(24*time.Hour)
		c.WebhookSecret = "whsec_bmV3IHNlY3JldCBuZXcgc2VjcmV0IG5ldyBzZWNyZXQhIQ=="
		is(t, "UpdateChannel", f.s.UpdateChannel(f.ctx, c), nil)
		got, err := f.s.GetChannel(f.ctx, p.ID, c.ID)
		is(t, "GetChannel", err, nil)
		same(t, "previous secret", c.PreviousSecret, got.PreviousSecret)
		same(t, "previous until", c.PreviousUntil, got.PreviousUntil)
		same(t, "secret", c.WebhookSecret, got.WebhookSecret)
	}},
}
