package webhook_test

import (
	"errors"
	"testing"
	"time"

	"github.com/confab/confab/internal/webhook"
)

func TestRotatingSigner(t *testing.T) {
	t.Parallel()
	current, previous := mustSecret(t), mustSecret(t)
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"n":1}`)
	for _, tc := range []struct {
		name     string
		until    time.Time
		previous string
		want     []bool // verified under current, under previous
	}{
		{"during the overlap both sign", now.Add(time.Hour), previous.String(), []bool{true, true}},
		{"after the overlap only the current one", now.Add(-time.Second), previous.String(), []bool{true, false}},
		{"no previous secret", time.Time{}, "", []bool{true, false}},
		{"a previous secret that does not parse is left out", now.Add(time.Hour), "whsec_nope", []bool{true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := webhook.RotatingSigner(current.String(), tc.previous, tc.until, now)
			if err != nil {
				t.Fatal(err)
			}
			h := s.Sign("msg_1", now, body)
			for i, sec := range []webhook.Secret{current, previous} {
				err := webhook.Verify([]webhook.Secret{sec}, h, body, now, 0)
				if (err == nil) != tc.want[i] {
					t.Errorf("secret %d verifies: %v, want %v", i, err, tc.want[i])
				}
			}
		})
	}
	if _, err := webhook.RotatingSigner("whsec_nope", "", time.Time{}, now); !errors.Is(err, webhook.ErrInvalidSecret) {
		t.Errorf("a current secret that does not parse: %v, want ErrInvalidSecret", err)
	}
}

func mustSecret(t *testing.T) webhook.Secret {
	t.Helper()
	s, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
