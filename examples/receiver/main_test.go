package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confab/confab/internal/channel/apichannel"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/webhook"
)

const tolerance = 5 * time.Minute

func newSecret(t *testing.T) webhook.Secret {
	t.Helper()
	s, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// reply is a webhook body as Confab's API channel makes it.
func reply(at time.Time) []byte {
	m := flow.Message{Text: "What would you like?", QuickReplies: []flow.QuickReply{{Title: "Pizza", Payload: "Pizza"}, {Title: "Menu", Payload: "menu"}},
		Image: "https://pizza.example/img/margherita.jpg"}
	return apichannel.NewReply("ch_test", 7, "customer-42", m, at).JSON()
}

func TestVerifyAcceptsConfabSignatures(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for name, body := range map[string][]byte{
		"reply":         reply(now),
		"empty":         {},
		"utf-8 newline": []byte("Grüße 👋\nline two\n"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			secret := newSecret(t)
			id := webhook.NewMessageID(now)
			h := webhook.NewSigner(secret).Sign(id, now, body)
			for _, at := range []time.Duration{0, tolerance - time.Second, -(tolerance - time.Second)} {
				got, err := verifyWebhook(secret.String(), h, body, now.Add(at), tolerance)
				if err != nil || got != id {
					t.Errorf("received %v after signing: verifyWebhook = %q, %v; want %q, nil", at, got, err, id)
				}
			}
			// The base64 alone, without whsec_, is the same key.
			if _, err := verifyWebhook(strings.TrimPrefix(secret.String(), "whsec_"), h, body, now, tolerance); err != nil {
				t.Errorf("secret without whsec_: %v", err)
			}
		})
	}
}

// TestVerifyDuringRotation: while a secret is rotated Confab's Signer signs
// with the old and the new key; a receiver holding either accepts.
func TestVerifyDuringRotation(t *testing.T) {
	t.Parallel()
	old, next, other := newSecret(t), newSecret(t), newSecret(t)
	now := time.Now()
	body := reply(now)
	h := webhook.NewSigner(old, next).Sign("msg_rotation", now, body)
	if n := len(strings.Fields(h.Get("webhook-signature"))); n != 2 {
		t.Fatalf("webhook-signature %q has %d signatures, want 2", h.Get("webhook-signature"), n)
	}
	for _, s := range []webhook.Secret{old, next} {
		if _, err := verifyWebhook(s.String(), h, body, now, tolerance); err != nil {
			t.Errorf("verifyWebhook with one of the two secrets: %v", err)
		}
	}
	if _, err := verifyWebhook(other.String(), h, body, now, tolerance); err == nil {
		t.Error("verifyWebhook accepted a third secret")
	}
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	secret := newSecret(t)
	now := time.Now()
	body := reply(now)
	signed := func(at time.Time) http.Header { return webhook.NewSigner(secret).Sign("msg_refuse", at, body) }
	with := func(name, value string) http.Header {
		h := signed(now)
		if value == "" {
			h.Del(name)
		} else {
			h.Set(name, value)
		}
		return h
	}
	sig := signed(now).Get("webhook-signature")
	for _, tc := range []struct {
		name   string
		secret string
		h      http.Header
		body   []byte
		want   string
	}{
		{"tampered body", secret.String(), signed(now), bytes.Replace(body, []byte(`"userID":7`), []byte(`"userID":8`), 1), "no matching signature"},
		{"one byte more", secret.String(), signed(now), append(append([]byte{}, body...), '\n'), "no matching signature"},
		{"wrong secret", newSecret(t).String(), signed(now), body, "no matching signature"},
		{"stale timestamp", secret.String(), signed(now.Add(-tolerance - time.Second)), body, "away from now"},
		{"timestamp in the future", secret.String(), signed(now.Add(tolerance + time.Second)), body, "away from now"},
		{"other webhook-id", secret.String(), with("webhook-id", "msg_other"), body, "no matching signature"},
		{"timestamp changed", secret.String(), with("webhook-timestamp", fmt.Sprint(now.Unix()+1)), body, "no matching signature"},
		{"timestamp not a number", secret.String(), with("webhook-timestamp", "yesterday"), body, "not a number"},
		{"no webhook-id", secret.String(), with("webhook-id", ""), body, "missing"},
		{"no webhook-timestamp", secret.String(), with("webhook-timestamp", ""), body, "missing"},
		{"no webhook-signature", secret.String(), with("webhook-signature", ""), body, "missing"},
		{"v2 signature only", secret.String(), with("webhook-signature", strings.Replace(sig, "v1,", "v2,", 1)), body, "no matching signature"},
		{"signature not base64", secret.String(), with("webhook-signature", "v1,!!!"), body, "no matching signature"},
		{"secret not base64", "whsec_not base64!", signed(now), body, "the secret must be"},
		{"empty secret", "", signed(now), body, "the secret must be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := verifyWebhook(tc.secret, tc.h, tc.body, now, tolerance)
			if err == nil || !strings.Contains(err.Error(), tc.want) || id != "" {
				t.Errorf("verifyWebhook = %q, %v; want an error with %q", id, err, tc.want)
			}
		})
	}
}

// TestVerifyKnownAnswers checks three of the vectors of
// internal/webhook/testdata (computed with OpenSSL, not with Go).
func TestVerifyKnownAnswers(t *testing.T) {
	t.Parallel()
	for _, v := range []struct{ secret, id, body, signature string }{
		{"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "msg_01J9Z3K6T8WQ2B5N7R4XCVHMDE",
			`{"type":"message.created","data":{"text":"Hello, world!"}}`, "v1,5456hX8CZCU45qh7pKGAzRypUj8L4+4BynQlkLxF300="},
		{"whsec_//////////////////////////////////////////8=", "msg_0", "", "v1,0kgc0ie9l++yEnsJcC+U51aUtPwkcYhvyQYCsxKHWdk="},
		{"Y29uZmFiLXdlYmhvb2stdGVzdC1rZXkh", "msg_01HZZZZZZZZZZZZZZZZZZZZZZZ", "Grüße 👋\nline two\n", "v1,g8k/CYtSEktCcCyRvrZkyvXp4y5GDJNajQOkyiG4KrE="},
	} {
		ts := map[string]int64{"msg_01J9Z3K6T8WQ2B5N7R4XCVHMDE": 1717171717, "msg_0": 0, "msg_01HZZZZZZZZZZZZZZZZZZZZZZZ": 4102444800}[v.id]
		h := http.Header{}
		h.Set("webhook-id", v.id)
		h.Set("webhook-timestamp", fmt.Sprint(ts))
		h.Set("webhook-signature", v.signature)
		if _, err := verifyWebhook(v.secret, h, []byte(v.body), time.Unix(ts, 0), tolerance); err != nil {
			t.Errorf("vector %s: %v", v.id, err)
		}
	}
}

// TestVerifyAgreesWithConfab: on the same inputs, verifyWebhook accepts
// exactly what internal/webhook.Verify accepts.
func TestVerifyAgreesWithConfab(t *testing.T) {
	t.Parallel()
	secret := newSecret(t)
	now := time.Now()
	body := reply(now)
	for i, at := range []time.Duration{0, time.Minute, -time.Minute, tolerance + time.Second, -tolerance - time.Second, 24 * time.Hour} {
		for j, mutate := range []func(h http.Header, b []byte) []byte{
			func(http.Header, []byte) []byte { return body },
			func(http.Header, []byte) []byte { return []byte("{}") },
			func(h http.Header, _ []byte) []byte { h.Set("webhook-id", "msg_x"); return body },
			func(h http.Header, _ []byte) []byte {
				h.Set("webhook-signature", "v1,AAAA "+h.Get("webhook-signature"))
				return body
			},
		} {
			h := webhook.NewSigner(secret).Sign("msg_agree", now.Add(at), body)
			b := mutate(h, body)
			_, ours := verifyWebhook(secret.String(), h, b, now, tolerance)
			theirs := webhook.Verify([]webhook.Secret{secret}, h, b, now, tolerance)
			if (ours == nil) != (theirs == nil) {
				t.Errorf("case %d.%d: verifyWebhook says %v, webhook.Verify says %v", i, j, ours, theirs)
			}
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the handler's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestReceiverTakesSignedDeliveriesOnce(t *testing.T) {
	t.Parallel()
	secret := newSecret(t)
	out := &syncBuffer{}
	srv := httptest.NewServer(newReceiver(secret.String(), tolerance, time.Hour, out))
	t.Cleanup(srv.Close)
	signer := webhook.NewSigner(secret)

	post := func(body []byte, h http.Header) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = h
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}

	now := time.Now()
	body := reply(now)
	id := webhook.NewMessageID(now)
	if code := post(body, signer.Sign(id, now, body)); code != http.StatusNoContent {
		t.Fatalf("a signed delivery got %d, want 204", code)
	}
	// A retry: the same webhook-id and body, a later timestamp and signature.
	if code := post(body, signer.Sign(id, now.Add(5*time.Second), body)); code != http.StatusNoContent {
		t.Errorf("a repeat got %d, want 204 (a repeat must still be a success, or Confab retries it)", code)
	}
	tampered := bytes.Replace(body, []byte("What would you like?"), []byte("Send me your password"), 1)
	if code := post(tampered, signer.Sign("msg_bad", now, body)); code != http.StatusUnauthorized {
		t.Errorf("a tampered body got %d, want 401", code)
	}
	test := []byte(`{"channelID":"ch_test","message":"This is a test message from Confab.","userID":0,"timestamp":1795317784431,"test":true}`)
	if code := post(test, signer.Sign("msg_test", now, test)); code != http.StatusNoContent {
		t.Errorf("the test-webhook sample got %d, want 204", code)
	}
	event := []byte(`{"id":"evt_1","type":"handover.requested","createdAt":"2026-11-22T03:23:29.315Z","projectID":"prj_1","data":{"block":"human"}}`)
	if code := post(event, signer.Sign("msg_event", now, event)); code != http.StatusNoContent {
		t.Errorf("an event got %d, want 204", code)
	}
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET = %d, want 405", resp.StatusCode)
	}

	got := out.String()
	for _, want := range []string{
		id + " " + time.UnixMilli(now.UnixMilli()).UTC().Format(time.RFC3339Nano) + ` channel ch_test → user 7 (customer-42): "What would you like?"`,
		"    quick replies: Pizza | Menu\n",
		"    attachment at 20: https://pizza.example/img/margherita.jpg\n",
		`    rich: {"quickReplies":[{"title":"Pizza","payload":"Pizza"},{"title":"Menu","payload":"menu"}]}`,
		id + " again (already taken",
		`msg_test test delivery for channel ch_test: "This is a test message from Confab."`,
		"msg_event event handover.requested\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the output lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "What would you like?"); n != 1 {
		t.Errorf("the message was printed %d times, want once:\n%s", n, got)
	}
	if strings.Contains(got, "password") {
		t.Errorf("the tampered body was printed:\n%s", got)
	}
}

func TestDedupeForgetsAfterTheWindow(t *testing.T) {
	t.Parallel()
	rc := newReceiver("whsec_AAAA", tolerance, time.Hour, io.Discard)
	start := time.Now()
	if !rc.firstTime("msg_a", start) || rc.firstTime("msg_a", start.Add(59*time.Minute)) {
		t.Fatal("an id must be new once, then a repeat within the window")
	}
	if !rc.firstTime("msg_a", start.Add(2*time.Hour)) {
		t.Error("an id is still remembered after the window")
	}
}

// docSnippet returns the fenced block of docs/webhooks.md, in language
// lang, that contains marker.
func docSnippet(t *testing.T, lang, marker string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "webhooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range strings.Split(string(data), "```"+lang+"\n")[1:] {
		block, _, ok := strings.Cut(part, "\n```")
		if ok && strings.Contains(block, marker) {
			return block + "\n"
		}
	}
	t.Fatalf("docs/webhooks.md has no ```%s block with %q", lang, marker)
	return ""
}

// TestDocsGoSnippetIsThisCode keeps the Go snippet of docs/webhooks.md and
// verifyWebhook here identical.
func TestDocsGoSnippetIsThisCode(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok1 := strings.Cut(string(src), "// BEGIN verifyWebhook (docs/webhooks.md holds the same code)\n\n")
	code, _, ok2 := strings.Cut(rest, "\n// END verifyWebhook")
	if !ok1 || !ok2 {
		t.Fatal("main.go lacks the BEGIN / END verifyWebhook markers")
	}
	doc := docSnippet(t, "go", "func verifyWebhook(")
	if !strings.Contains(doc, code) {
		t.Errorf("the Go snippet of docs/webhooks.md differs from verifyWebhook in main.go; copy main.go's code between the markers into the doc.\n--- main.go:\n%s\n--- doc:\n%s", code, doc)
	}
}

// TestDocsNodeSnippet runs the Node.js snippet of docs/webhooks.md on
// deliveries signed by Confab's Signer (skipped without node).
func TestDocsNodeSnippet(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	snippet := docSnippet(t, "js", "function verifyWebhook(")
	secret := newSecret(t)
	now := time.Now()
	body := reply(now)
	h := webhook.NewSigner(secret).Sign("msg_node", now, body)
	stale := webhook.NewSigner(secret).Sign("msg_node", now.Add(-10*time.Minute), body)
	var js strings.Builder
	js.WriteString(snippet)
	fmt.Fprintf(&js, `
const body = Buffer.from(%q);
const ok = {"webhook-id": %q, "webhook-timestamp": %q, "webhook-signature": %q};
const stale = {"webhook-id": %q, "webhook-timestamp": %q, "webhook-signature": %q};
const out = [verifyWebhook(%q, ok, body)];
for (const [h, b, s] of [[ok, Buffer.concat([body, Buffer.from(" ")]), %[8]q], [ok, body, %q], [stale, body, %[8]q]]) {
  try { verifyWebhook(s, h, b); out.push("accepted"); } catch (e) { out.push("refused: " + e.message); }
}
console.log(out.join("\n"));
`, body, h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature"),
		stale.Get("webhook-id"), stale.Get("webhook-timestamp"), stale.Get("webhook-signature"),
		secret.String(), newSecret(t).String())
	file := filepath.Join(t.TempDir(), "verify.js")
	if err := os.WriteFile(file, []byte(js.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	outb, err := exec.Command(node, file).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, outb)
	}
	lines := strings.Split(strings.TrimSpace(string(outb)), "\n")
	want := []string{"msg_node", "refused: no matching signature", "refused: no matching signature", "refused: webhook-timestamp"}
	if len(lines) != len(want) {
		t.Fatalf("node printed %q, want %d lines", outb, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d: %q, want %q...", i, lines[i], want[i])
		}
	}
}
