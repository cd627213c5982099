package app

import (
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/confab/confab/internal/testkit"
)

// TestSIGTERMDrainsAndExitsZero sends a burst, stops `confab serve` with
// SIGTERM while messages are in flight, and checks it exits 0; after a
// restart every accepted message is answered.
func TestSIGTERMDrainsAndExitsZero(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := buildConfab(t)
	s := newCrashServer(t, bin, testDatabase(t))
	s.start()
	rcv := testkit.NewReceiver(t)
	var ch channel
	if code := testkit.Call(t, "POST", s.url()+"/v1/channels", adminToken, map[string]any{"bot": "echo", "webhookUrl": rcv.URL}, &ch); code != 201 {
		t.Fatalf("POST /v1/channels = %d", code)
	}
	rcv.SetSecret(ch.WebhookSecret)
	accepted := 0
	for i := range 200 {
		var out sent
		code := testkit.Call(t, "POST", s.url()+"/v1/messages", "", map[string]any{"channelID": ch.ChannelID, "token": ch.Token,
			"message": fmt.Sprintf("m%d", i), "userID": 1 + i%20}, &out)
		if code != http.StatusOK {
			t.Fatalf("send %d = %d %+v", i, code, out)
		}
		accepted++
	}
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if err := syscall.Kill(cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(40 * time.Second):
		t.Fatal("confab serve did not stop within 40s of SIGTERM")
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("confab serve exited %d after SIGTERM, want 0\n%s", code, tail(s.logs[len(s.logs)-1], 20))
	}
	// Whatever was not answered before the stop is answered after a restart.
	s.start()
	rcv.WaitFor(t, 30*time.Second, "a reply to every accepted message", func(h []testkit.Hit) bool {
		return len(rcv.Delivered()) >= accepted
	})
	for _, h := range rcv.Delivered() {
		if !h.Verified {
			t.Fatalf("unverified webhook: %s", h.VerifyErr)
		}
	}
}
