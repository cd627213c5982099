package app

import (
	"strings"
	"testing"
	"time"

	"github.com/confab/confab/internal/config"
	"github.com/confab/confab/internal/testkit"
	"github.com/confab/confab/internal/webhook"
)

// TestChannelsDeclaredInTheConfiguration checks a channel of the
// configuration file works with its declared token and secret, and is
// brought in line with the file on the next start.
func TestChannelsDeclaredInTheConfiguration(t *testing.T) {
	t.Parallel()
	rcv := testkit.NewReceiver(t)
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	rcv.SetSecret(secret.String())
	spec := config.ChannelSpec{ID: "web", Bot: "echo", WebhookURL: rcv.URL, Token: strings.Repeat("k", 40), WebhookSecret: secret.String(), Keywords: []string{"#hello"}}
	dataDir := t.TempDir()
	s := startServer(t, func(c *config.Config) { c.Channels = []config.ChannelSpec{spec}; c.DataDir = dataDir })
	code, got := s.send(t, channel{ChannelID: "web", Token: spec.Token}, map[string]any{"message": "hi"})
	if code != 200 || !got.Success {
		t.Fatalf("send with the declared token = %d %+v", code, got)
	}
	hits := rcv.WaitFor(t, 10*time.Second, "the reply", func(h []testkit.Hit) bool { return len(h) >= 1 })
	if !hits[0].Verified {
		t.Errorf("the reply is not signed with the declared secret: %s", hits[0].VerifyErr)
	}
	var ch channel
	if code := testkit.Call(t, "GET", s.url+"/v1/channels/web", adminToken, nil, &ch); code != 200 || ch.Bot != "echo" || ch.Keywords[0] != "#hello" {
		t.Errorf("GET = %d %+v", code, ch)
	}
}
