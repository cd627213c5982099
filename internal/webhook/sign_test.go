package webhook_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/confab/confab/internal/webhook"
)

// vector is one known-answer vector of testdata/vectors.json, whose
// signatures were computed with OpenSSL (see testdata/README.md).
type vector struct {
	Name      string   `json:"name"`
	Secrets   []string `json:"secrets"`
	ID        string   `json:"id"`
	Timestamp int64    `json:"timestamp"`
	Body      string   `json:"body"`
	Signature string   `json:"signature"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	data, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []vector `json:"vectors"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) < 4 {
		t.Fatalf("testdata/vectors.json has %d vectors, want at least 4", len(file.Vectors))
	}
	return file.Vectors
}

// bySpec computes a webhook-signature value straight from the specification's
// formula, with nothing from package webhook: for each secret,
// "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)).
func bySpec(t *testing.T, secrets []string, id string, timestamp int64, body []byte) string {
	t.Helper()
	var entries []string
	for _, s := range secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		if err != nil {
			t.Fatalf("test secret: %v", err)
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
		mac.Write(body)
		entries = append(entries, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(entries, " ")
}

func mustParse(t testing.TB, text string) webhook.Secret {
	t.Helper()
	s, err := webhook.ParseSecret(text)
	if err != nil {
		t.Fatalf("ParseSecret: %v", err)
	}
	return s
}

func mustNew(t testing.TB) webhook.Secret {
	t.Helper()
	s, err := webhook.NewSecret()
	if err != nil {
		t.Fatalf("NewSecret: %v", err)
	}
	return s
}

// TestSignKnownAnswer checks Sign against fixed vectors: one written out
// here, and those of testdata/vectors.json.
func TestSignKnownAnswer(t *testing.T) {
	t.Parallel()

	t.Run("inline", func(t *testing.T) {
		t.Parallel()
		// Key: the 32 bytes 0x00, 0x01, ... 0x1f. Signed content:
		// `msg_01J9Z3K6T8WQ2B5N7R4XCVHMDE.1717171717.{"type":"message.created","data":{"text":"Hello, world!"}}`.
		// Expected value from `openssl dgst -sha256 -mac HMAC -macopt hexkey:0001…1f -binary | base64`.
		const (
			secretText = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
			id         = "msg_01J9Z3K6T8WQ2B5N7R4XCVHMDE"
			body       = `{"type":"message.created","data":{"text":"Hello, world!"}}`
			want       = "v1,5456hX8CZCU45qh7pKGAzRypUj8L4+4BynQlkLxF300="
		)
		key := make([]byte, 32)
		for i := range key {
			key[i] = byte(i)
		}
		if got := "whsec_" + base64.StdEncoding.EncodeToString(key); got != secretText {
			t.Fatalf("test vector secret = %s, want %s", got, secretText)
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + ".1717171717." + body))
		if byHand := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); byHand != want {
			t.Fatalf("by hand = %s, want %s", byHand, want)
		}

		// Nanoseconds are dropped: the timestamp is whole seconds.
		ts := time.Unix(1717171717, 999_999_999)
		h := webhook.NewSigner(mustParse(t, secretText)).Sign(id, ts, []byte(body))
		if got := h.Get("webhook-signature"); got != want {
			t.Errorf("webhook-signature = %q, want %q", got, want)
		}
		if got := h.Get("webhook-timestamp"); got != "1717171717" {
			t.Errorf("webhook-timestamp = %q, want %q", got, "1717171717")
		}
		if got := h.Get("webhook-id"); got != id {
			t.Errorf("webhook-id = %q, want %q", got, id)
		}
		if len(h) != 3 {
			t.Errorf("Sign returned %d headers, want 3: %v", len(h), h)
		}
	})

	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			// The vector agrees with the formula...
			if got := bySpec(t, v.Secrets, v.ID, v.Timestamp, []byte(v.Body)); got != v.Signature {
				t.Fatalf("spec formula gives %q, vector says %q", got, v.Signature)
			}
			var secrets []webhook.Secret
			for _, s := range v.Secrets {
				secrets = append(secrets, mustParse(t, s))
			}
			// ...and so does Sign...
			ts := time.Unix(v.Timestamp, 0)
			h := webhook.NewSigner(secrets...).Sign(v.ID, ts, []byte(v.Body))
			if got := h.Get(webhook.HeaderSignature); got != v.Signature {
				t.Errorf("webhook-signature = %q, want %q", got, v.Signature)
			}
			if got, want := h.Get(webhook.HeaderTimestamp), strconv.FormatInt(v.Timestamp, 10); got != want {
				t.Errorf("webhook-timestamp = %q, want %q", got, want)
			}
			// ...and Verify accepts the vector with each secret alone.
			for i, s := range secrets {
				if err := webhook.Verify([]webhook.Secret{s}, h, []byte(v.Body), ts, 0); err != nil {
					t.Errorf("Verify with secret %d: %v", i, err)
				}
			}
		})
	}
}

// TestInteropStandardWebhooks checks Confab's signatures against the Go
// library of the Standard Webhooks project, an implementation that is not
// ours, both ways. That library's Verify reads the clock itself, so messages
// here are stamped with the current time.
func TestInteropStandardWebhooks(t *testing.T) {
	t.Parallel()
	body := []byte(`{"type":"message.created","data":{"conversation":"c_1","text":"Hi there"}}`)

	theirs := func(t *testing.T, s webhook.Secret) *standardwebhooks.Webhook {
		t.Helper()
		wh, err := standardwebhooks.NewWebhook(s.String())
		if err != nil {
			t.Fatalf("standardwebhooks.NewWebhook: %v", err)
		}
		return wh
	}

	t.Run("ours verify with theirs", func(t *testing.T) {
		t.Parallel()
		secrets := []webhook.Secret{
			mustNew(t),
			mustParse(t, "whsec_Y29uZmFiLXdlYmhvb2stdGVzdC1rZXkh"), // 24 bytes
			mustParse(t, "whsec_"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xa5}, 64))),
		}
		for i, s := range secrets {
			id := webhook.NewMessageID(time.Now())
			h := webhook.NewSigner(s).Sign(id, time.Now(), body)
			wh := theirs(t, s)
			if err := wh.Verify(body, h); err != nil {
				t.Errorf("secret %d: their Verify rejects our signature: %v", i, err)
			}

			tampered := bytes.Replace(body, []byte("Hi there"), []byte("Hi thera"), 1)
			if err := wh.Verify(tampered, h); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
				t.Errorf("secret %d: their Verify of a tampered body = %v, want %v", i, err, standardwebhooks.ErrNoMatchingSignature)
			}
			otherID := h.Clone()
			otherID.Set(webhook.HeaderID, webhook.NewMessageID(time.Now()))
			if err := wh.Verify(body, otherID); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
				t.Errorf("secret %d: their Verify with another id = %v, want %v", i, err, standardwebhooks.ErrNoMatchingSignature)
			}
		}
	})

	t.Run("our rotation verifies with theirs", func(t *testing.T) {
		t.Parallel()
		oldSecret, newSecret, stranger := mustNew(t), mustNew(t), mustNew(t)
		h := webhook.NewSigner(oldSecret, newSecret).Sign(webhook.NewMessageID(time.Now()), time.Now(), body)
		for name, s := range map[string]webhook.Secret{"old": oldSecret, "new": newSecret} {
			if err := theirs(t, s).Verify(body, h); err != nil {
				t.Errorf("their Verify with the %s secret: %v", name, err)
			}
		}
		if err := theirs(t, stranger).Verify(body, h); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
			t.Errorf("their Verify with a third secret = %v, want %v", err, standardwebhooks.ErrNoMatchingSignature)
		}
	})

	t.Run("theirs verify with ours", func(t *testing.T) {
		t.Parallel()
		s := mustNew(t)
		wh := theirs(t, s)
		now := time.Now()
		id := webhook.NewMessageID(now)
		sig, err := wh.Sign(id, now, body)
		if err != nil {
			t.Fatalf("their Sign: %v", err)
		}
		h := http.Header{}
		h.Set(standardwebhooks.HeaderWebhookID, id)
		h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
		h.Set(standardwebhooks.HeaderWebhookSignature, sig)

		if err := webhook.Verify([]webhook.Secret{s}, h, body, now, 0); err != nil {
			t.Errorf("our Verify rejects their signature %q: %v", sig, err)
		}
		if err := webhook.Verify([]webhook.Secret{mustNew(t), s}, h, body, now, 0); err != nil {
			t.Errorf("our Verify with their secret second: %v", err)
		}
		if err := webhook.Verify([]webhook.Secret{s}, h, append(body, ' '), now, 0); !errors.Is(err, webhook.ErrNoMatchingSignature) {
			t.Errorf("our Verify of a tampered body = %v, want %v", err, webhook.ErrNoMatchingSignature)
		}
		if err := webhook.Verify([]webhook.Secret{mustNew(t)}, h, body, now, 0); !errors.Is(err, webhook.ErrNoMatchingSignature) {
			t.Errorf("our Verify with another secret = %v, want %v", err, webhook.ErrNoMatchingSignature)
		}
	})

	t.Run("theirs sign our vectors", func(t *testing.T) {
		t.Parallel()
		for _, v := range loadVectors(t) {
			if len(v.Secrets) != 1 {
				continue // their Webhook holds one secret
			}
			wh, err := standardwebhooks.NewWebhook(v.Secrets[0])
			if err != nil {
				t.Fatalf("%s: standardwebhooks.NewWebhook: %v", v.Name, err)
			}
			got, err := wh.Sign(v.ID, time.Unix(v.Timestamp, 0), []byte(v.Body))
			if err != nil || got != v.Signature {
				t.Errorf("%s: their Sign = %q, %v; want %q", v.Name, got, err, v.Signature)
			}
		}
	})
}

func TestRotation(t *testing.T) {
	t.Parallel()
	oldSecret, newSecret, stranger := mustNew(t), mustNew(t), mustNew(t)
	ts := time.Unix(1_750_000_000, 0)
	body := []byte(`{"text":"rotating"}`)
	h := webhook.NewSigner(oldSecret, newSecret).Sign("msg_rotation", ts, body)

	entries := strings.Split(h.Get(webhook.HeaderSignature), " ")
	if len(entries) != 2 || !strings.HasPrefix(entries[0], "v1,") || !strings.HasPrefix(entries[1], "v1,") {
		t.Fatalf("webhook-signature = %q, want two space-separated v1 entries", h.Get(webhook.HeaderSignature))
	}
	if entries[0] == entries[1] {
		t.Fatalf("both secrets gave the same signature %q", entries[0])
	}

	tests := []struct {
		name    string
		secrets []webhook.Secret
		wantErr error
	}{
		{"old alone", []webhook.Secret{oldSecret}, nil},
		{"new alone", []webhook.Secret{newSecret}, nil},
		{"both", []webhook.Secret{newSecret, oldSecret}, nil},
		{"third alone", []webhook.Secret{stranger}, webhook.ErrNoMatchingSignature},
		{"third then old", []webhook.Secret{stranger, oldSecret}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := webhook.Verify(tt.secrets, h, body, ts, 0)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("Verify = %v, want %v", err, tt.wantErr)
			}
		})
	}

	// After the overlap only the new secret signs, and the old no longer
	// verifies.
	after := webhook.NewSigner(newSecret).Sign("msg_rotation", ts, body)
	if err := webhook.Verify([]webhook.Secret{oldSecret}, after, body, ts, 0); !errors.Is(err, webhook.ErrNoMatchingSignature) {
		t.Errorf("old secret after the overlap: Verify = %v, want %v", err, webhook.ErrNoMatchingSignature)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	secret := mustParse(t, "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	other := mustParse(t, "whsec_//////////////////////////////////////////8=")
	const id = "msg_01J9Z3K6T8WQ2B5N7R4XCVHMDE"
	ts := time.Unix(1717171717, 0)
	body := `{"type":"message.created","data":{"text":"Hello, world!"}}`
	const goodSig = "v1,5456hX8CZCU45qh7pKGAzRypUj8L4+4BynQlkLxF300="
	// goodSig with the two unused low bits of its last base64 digit set: the
	// same 32 bytes to a lenient decoder, but not canonical.
	const malleable = "v1,5456hX8CZCU45qh7pKGAzRypUj8L4+4BynQlkLxF303="
	otherSig := webhook.NewSigner(other).Sign(id, ts, []byte(body)).Get(webhook.HeaderSignature)

	set := func(name, value string) func(http.Header) {
		return func(h http.Header) { h.Set(name, value) }
	}
	del := func(names ...string) func(http.Header) {
		return func(h http.Header) {
			for _, n := range names {
				h.Del(n)
			}
		}
	}

	tests := []struct {
		name      string
		edit      func(http.Header) // applied to good headers
		body      string            // replaces the body if not empty
		now       time.Time         // ts if zero
		tolerance time.Duration
		wantErr   error // nil: accepted
		wantText  string
	}{
		{name: "valid", edit: func(http.Header) {}},
		{name: "garbage before a good signature", edit: set(webhook.HeaderSignature, "v1,garbage v2,xyz "+goodSig)},
		{name: "other secret's signature first", edit: set(webhook.HeaderSignature, otherSig+" "+goodSig)},
		{name: "extra spaces", edit: set(webhook.HeaderSignature, "  "+otherSig+"   "+goodSig+" ")},
		{name: "signatures over two header lines", edit: func(h http.Header) {
			h.Set(webhook.HeaderSignature, otherSig)
			h.Add(webhook.HeaderSignature, goodSig)
		}},

		{name: "missing id", edit: del(webhook.HeaderID), wantErr: webhook.ErrMissingHeader, wantText: "webhook-id"},
		{name: "missing timestamp", edit: del(webhook.HeaderTimestamp), wantErr: webhook.ErrMissingHeader, wantText: "webhook-timestamp"},
		{name: "missing signature", edit: del(webhook.HeaderSignature), wantErr: webhook.ErrMissingHeader, wantText: "webhook-signature"},
		{name: "empty signature", edit: set(webhook.HeaderSignature, " "), wantErr: webhook.ErrMissingHeader, wantText: "webhook-signature"},
		{name: "empty id", edit: set(webhook.HeaderID, ""), wantErr: webhook.ErrMissingHeader, wantText: "webhook-id"},
		{name: "all missing", edit: del(webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature),
			wantErr: webhook.ErrMissingHeader, wantText: "webhook-id, webhook-timestamp, webhook-signature"},

		{name: "timestamp not a number", edit: set(webhook.HeaderTimestamp, "yesterday"), wantErr: webhook.ErrInvalidTimestamp},
		{name: "timestamp with plus sign", edit: set(webhook.HeaderTimestamp, "+1717171717"), wantErr: webhook.ErrInvalidTimestamp},
		{name: "negative timestamp", edit: set(webhook.HeaderTimestamp, "-1717171717"), wantErr: webhook.ErrInvalidTimestamp},
		{name: "fractional timestamp", edit: set(webhook.HeaderTimestamp, "1717171717.5"), wantErr: webhook.ErrInvalidTimestamp},
		{name: "timestamp in milliseconds", edit: set(webhook.HeaderTimestamp, "1717171717000"), wantErr: webhook.ErrTooNew},
		{name: "timestamp overflows int64", edit: set(webhook.HeaderTimestamp, "99999999999999999999"), wantErr: webhook.ErrInvalidTimestamp},

		{name: "too old", now: ts.Add(5*time.Minute + time.Second), wantErr: webhook.ErrTooOld},
		{name: "just old enough", now: ts.Add(5 * time.Minute)},
		{name: "too new", now: ts.Add(-5*time.Minute - time.Second), wantErr: webhook.ErrTooNew},
		{name: "just new enough", now: ts.Add(-5 * time.Minute)},
		{name: "custom tolerance, too old", now: ts.Add(11 * time.Second), tolerance: 10 * time.Second, wantErr: webhook.ErrTooOld},
		{name: "custom tolerance, too new", now: ts.Add(-11 * time.Second), tolerance: 10 * time.Second, wantErr: webhook.ErrTooNew},
		{name: "custom tolerance, within", now: ts.Add(-10 * time.Second), tolerance: 10 * time.Second},
		{name: "large tolerance", now: ts.Add(time.Hour), tolerance: 2 * time.Hour},
		{name: "negative tolerance means default", now: ts.Add(4 * time.Minute), tolerance: -time.Second},
		{name: "timestamp 0 is too old", edit: set(webhook.HeaderTimestamp, "0"), wantErr: webhook.ErrTooOld},
		{name: "timestamp far in the future", edit: set(webhook.HeaderTimestamp, "9223372036854775807"), wantErr: webhook.ErrTooNew},

		{name: "garbage signature", edit: set(webhook.HeaderSignature, "v1,garbage"), wantErr: webhook.ErrNoMatchingSignature},
		{name: "not base64", edit: set(webhook.HeaderSignature, "v1,!!!!"), wantErr: webhook.ErrNoMatchingSignature},
		{name: "empty v1 signature", edit: set(webhook.HeaderSignature, "v1,"), wantErr: webhook.ErrNoMatchingSignature},
		{name: "no comma", edit: set(webhook.HeaderSignature, "v1"), wantErr: webhook.ErrNoMatchingSignature, wantText: "no v1 signature"},
		{name: "v2 prefix", edit: set(webhook.HeaderSignature, strings.Replace(goodSig, "v1,", "v2,", 1)),
			wantErr: webhook.ErrNoMatchingSignature, wantText: "no v1 signature"},
		{name: "upper-case version", edit: set(webhook.HeaderSignature, strings.Replace(goodSig, "v1,", "V1,", 1)), wantErr: webhook.ErrNoMatchingSignature},
		{name: "raw signature without version", edit: set(webhook.HeaderSignature, strings.TrimPrefix(goodSig, "v1,")), wantErr: webhook.ErrNoMatchingSignature},
		{name: "truncated signature", edit: set(webhook.HeaderSignature, goodSig[:len(goodSig)-4]), wantErr: webhook.ErrNoMatchingSignature},
		{name: "signature without padding", edit: set(webhook.HeaderSignature, strings.TrimSuffix(goodSig, "=")), wantErr: webhook.ErrNoMatchingSignature},
		{name: "non-canonical base64", edit: set(webhook.HeaderSignature, malleable), wantErr: webhook.ErrNoMatchingSignature},
		{name: "other secret's signature", edit: set(webhook.HeaderSignature, otherSig), wantErr: webhook.ErrNoMatchingSignature},
		{name: "signature of other id", edit: set(webhook.HeaderID, "msg_01J9Z3K6T8WQ2B5N7R4XCVHMDF"), wantErr: webhook.ErrNoMatchingSignature},
		{name: "signature of other timestamp", edit: set(webhook.HeaderTimestamp, "1717171718"), wantErr: webhook.ErrNoMatchingSignature},
		{name: "timestamp with leading zero", edit: set(webhook.HeaderTimestamp, "01717171717"), wantErr: webhook.ErrNoMatchingSignature},
		{name: "tampered body", body: strings.Replace(body, "world", "World", 1), wantErr: webhook.ErrNoMatchingSignature},
		{name: "body with trailing newline", body: body + "\n", wantErr: webhook.ErrNoMatchingSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			h.Set("webhook-id", id)
			h.Set("webhook-timestamp", "1717171717")
			h.Set("webhook-signature", goodSig)
			if tt.edit != nil {
				tt.edit(h)
			}
			b := body
			if tt.body != "" {
				b = tt.body
			}
			now := tt.now
			if now.IsZero() {
				now = ts
			}
			err := webhook.Verify([]webhook.Secret{secret}, h, []byte(b), now, tt.tolerance)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Verify = %v, want nil", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
			case err != nil && !strings.Contains(err.Error(), tt.wantText):
				t.Errorf("Verify error %q does not mention %q", err, tt.wantText)
			}
		})
	}
}

func TestVerifyBadSecrets(t *testing.T) {
	t.Parallel()
	s := mustNew(t)
	ts := time.Unix(1717171717, 0)
	h := webhook.NewSigner(s).Sign("msg_1", ts, nil)
	tests := []struct {
		name    string
		secrets []webhook.Secret
	}{
		{"nil", nil},
		{"empty", []webhook.Secret{}},
		{"zero Secret", []webhook.Secret{{}}},
		{"zero Secret after a good one", []webhook.Secret{s, {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := webhook.Verify(tt.secrets, h, nil, ts, 0)
			if err == nil {
				t.Fatal("Verify = nil, want an error")
			}
			if errors.Is(err, webhook.ErrNoMatchingSignature) {
				t.Errorf("Verify = %v, want an error about the secrets, not the signature", err)
			}
		})
	}
}

func TestNewSignerPanics(t *testing.T) {
	t.Parallel()
	good := mustNew(t)
	tests := []struct {
		name string
		call func()
	}{
		{"no secrets", func() { webhook.NewSigner() }},
		{"zero Secret", func() { webhook.NewSigner(good, webhook.Secret{}) }},
		{"zero Signer signs", func() { new(webhook.Signer).Sign("msg_1", time.Now(), nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.call()
		})
	}
}

func TestNewSecret(t *testing.T) {
	t.Parallel()
	seen := make(map[webhook.Secret]bool)
	for range 100 {
		s := mustNew(t)
		if seen[s] {
			t.Fatalf("NewSecret repeated a secret")
		}
		seen[s] = true

		text := s.String()
		encoded, ok := strings.CutPrefix(text, "whsec_")
		if !ok {
			t.Fatalf("String() = %q, want the whsec_ prefix", text)
		}
		key, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil || len(key) != 32 {
			t.Fatalf("String() = %q: %d key bytes, %v; want 32 bytes of base64", text, len(key), err)
		}
		if back := mustParse(t, text); back != s {
			t.Fatalf("ParseSecret(%q) does not give the secret back", text)
		}
	}
}

func TestSecretLogValue(t *testing.T) {
	t.Parallel()
	s := mustNew(t)
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("endpoint", "secret", s)
	encoded := strings.TrimPrefix(s.String(), "whsec_")
	if strings.Contains(buf.String(), encoded) {
		t.Errorf("slog output shows the secret: %s", buf.String())
	}
	if !strings.Contains(buf.String(), "secret=whsec_REDACTED") {
		t.Errorf("slog output = %q, want secret=whsec_REDACTED", buf.String())
	}
	if got := (webhook.Secret{}).String(); got != "" {
		t.Errorf("zero Secret String() = %q, want empty", got)
	}
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	key := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + 3)
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	k32 := key(32)

	tests := []struct {
		name    string
		text    string
		want    string // String() of the result; the error case if empty
		errText string
	}{
		{name: "prefixed", text: "whsec_" + k32, want: "whsec_" + k32},
		{name: "raw base64", text: k32, want: "whsec_" + k32},
		{name: "24 bytes", text: "whsec_" + key(24), want: "whsec_" + key(24)},
		{name: "64 bytes", text: "whsec_" + key(64), want: "whsec_" + key(64)},

		{name: "empty", text: "", errText: "empty"},
		{name: "prefix only", text: "whsec_", errText: "nothing after"},
		{name: "trailing newline", text: "whsec_" + k32 + "\n", errText: "white space"},
		{name: "leading space", text: " whsec_" + k32, errText: "white space"},
		{name: "newline inside", text: "whsec_" + k32[:20] + "\r\n" + k32[20:], errText: "white space"},
		{name: "not base64", text: "whsec_" + strings.Repeat("!", 44), errText: "base64"},
		{name: "url-safe alphabet", text: "whsec_" + strings.Repeat("-_", 22), errText: "base64"},
		{name: "missing padding", text: "whsec_" + strings.TrimRight(key(32), "="), errText: "base64"},
		{name: "non-canonical trailing bits", text: "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", errText: "base64"},
		{name: "upper-case prefix", text: "WHSEC_" + k32, errText: "base64"},
		{name: "too short", text: "whsec_" + key(16), errText: "16 bytes"},
		{name: "too long", text: "whsec_" + key(65), errText: "65 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := webhook.ParseSecret(tt.text)
			if tt.want != "" {
				if err != nil {
					t.Fatalf("ParseSecret: %v", err)
				}
				if got := s.String(); got != tt.want {
					t.Errorf("String() = %q, want %q", got, tt.want)
				}
				return
			}
			if !errors.Is(err, webhook.ErrInvalidSecret) {
				t.Fatalf("ParseSecret = %v, want %v", err, webhook.ErrInvalidSecret)
			}
			if !strings.Contains(err.Error(), tt.errText) {
				t.Errorf("error %q does not mention %q", err, tt.errText)
			}
			if body := strings.TrimSpace(strings.TrimPrefix(tt.text, "whsec_")); len(body) > 8 && strings.Contains(err.Error(), body[:8]) {
				t.Errorf("error %q quotes the secret", err)
			}
			if s != (webhook.Secret{}) {
				t.Errorf("ParseSecret returned a non-zero Secret with its error")
			}
		})
	}
}

// timePrefix encodes ms as 10 digits of Crockford's base32 in a way
// independent of NewMessageID: through strconv's base 32 digits.
func timePrefix(ms int64) string {
	const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	digits := strconv.FormatInt(ms, 32)
	var b strings.Builder
	for range 10 - len(digits) {
		b.WriteByte('0')
	}
	for _, d := range digits {
		b.WriteByte(crockford[strings.IndexRune("0123456789abcdefghijklmnopqrstuv", d)])
	}
	return b.String()
}

func TestNewMessageID(t *testing.T) {
	t.Parallel()
	const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	checkForm := func(t *testing.T, id string) {
		t.Helper()
		rest, ok := strings.CutPrefix(id, "msg_")
		if !ok || len(id) != 30 || len(rest) != 26 {
			t.Fatalf("id %q: want msg_ and 26 characters", id)
		}
		if i := strings.IndexFunc(rest, func(r rune) bool { return !strings.ContainsRune(crockford, r) }); i >= 0 {
			t.Fatalf("id %q: character %q is not Crockford base32", id, rest[i])
		}
	}

	t.Run("unique", func(t *testing.T) {
		t.Parallel()
		// 10,000 ids, from 4 goroutines, all in the same millisecond.
		now := time.Unix(1717171717, 0)
		const workers, each = 4, 2500
		ids := make([][]string, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for range each {
					ids[w] = append(ids[w], webhook.NewMessageID(now))
				}
			})
		}
		wg.Wait()
		seen := make(map[string]bool, workers*each)
		for _, list := range ids {
			for _, id := range list {
				checkForm(t, id)
				if seen[id] {
					t.Fatalf("id %q repeated", id)
				}
				seen[id] = true
			}
		}
		if len(seen) != workers*each {
			t.Fatalf("got %d ids, want %d", len(seen), workers*each)
		}
	})

	t.Run("time prefix", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name string
			now  time.Time
			want string
		}{
			{"epoch", time.UnixMilli(0), "0000000000"},
			{"one millisecond", time.UnixMilli(1), "0000000001"},
			{"32 milliseconds", time.UnixMilli(32), "0000000010"},
			{"2024", time.UnixMilli(1717171717123), timePrefix(1717171717123)},
			{"2100", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), timePrefix(4102444800000)},
			{"before the epoch clamps", time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC), "0000000000"},
			{"last millisecond", time.UnixMilli(1<<48 - 1), "7ZZZZZZZZZ"},
			{"after the last millisecond clamps", time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), "7ZZZZZZZZZ"},
		}
		for _, tt := range tests {
			id := webhook.NewMessageID(tt.now)
			checkForm(t, id)
			if got := id[4:14]; got != tt.want {
				t.Errorf("%s: NewMessageID(%v) = %s, time part %s, want %s", tt.name, tt.now, id, got, tt.want)
			}
		}
	})

	t.Run("sortable by time", func(t *testing.T) {
		t.Parallel()
		base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		var times []time.Time
		for i := range 2000 {
			times = append(times, base.Add(time.Duration(i)*time.Millisecond))
		}
		for _, d := range []time.Duration{3 * time.Second, time.Minute, time.Hour, 24 * time.Hour, 365 * 24 * time.Hour, 200 * 365 * 24 * time.Hour} {
			times = append(times, base.Add(d))
		}
		times = append(times, time.UnixMilli(0), time.UnixMilli(1), time.UnixMilli(1<<48-1))
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })

		var ids []string
		for _, tm := range times {
			ids = append(ids, webhook.NewMessageID(tm))
		}
		for i := 1; i < len(ids); i++ {
			if ids[i-1] >= ids[i] {
				t.Fatalf("id of %v (%s) does not sort before id of %v (%s)", times[i-1], ids[i-1], times[i], ids[i])
			}
		}
	})

	t.Run("random part varies", func(t *testing.T) {
		t.Parallel()
		// In 64 ids of one millisecond, each of the 16 random characters
		// should take more than one value; a stuck or missing random
		// source would not.
		now := time.Unix(1717171717, 0)
		distinct := make([]map[byte]bool, 26)
		for i := range distinct {
			distinct[i] = map[byte]bool{}
		}
		for range 64 {
			id := webhook.NewMessageID(now)[4:]
			for i := range 26 {
				distinct[i][id[i]] = true
			}
		}
		for i := 10; i < 26; i++ {
			if len(distinct[i]) < 2 {
				t.Errorf("character %d of the id took a single value over 64 ids", i)
			}
		}
		for i := range 10 {
			if len(distinct[i]) != 1 {
				t.Errorf("character %d (time) took %d values in one millisecond", i, len(distinct[i]))
			}
		}
	})
}

// TestSignConcurrent shares one Signer between goroutines; run with -race.
func TestSignConcurrent(t *testing.T) {
	t.Parallel()
	a, b := mustNew(t), mustNew(t)
	signer := webhook.NewSigner(a, b)
	ts := time.Unix(1717171717, 0)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				body := fmt.Appendf(nil, `{"g":%d,"i":%d}`, g, i)
				id := webhook.NewMessageID(ts)
				h := signer.Sign(id, ts, body)
				if err := webhook.Verify([]webhook.Secret{b}, h, body, ts, 0); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func ExampleSigner_Sign() {
	secret, err := webhook.ParseSecret("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil {
		panic(err)
	}
	body := []byte(`{"type":"message.created","data":{"text":"Hello, world!"}}`)
	h := webhook.NewSigner(secret).Sign("msg_01J9Z3K6T8WQ2B5N7R4XCVHMDE", time.Unix(1717171717, 0), body)
	fmt.Println(h.Get("webhook-id"))
	fmt.Println(h.Get("webhook-timestamp"))
	fmt.Println(h.Get("webhook-signature"))
	// Output:
	// msg_01J9Z3K6T8WQ2B5N7R4XCVHMDE
	// 1717171717
	// v1,5456hX8CZCU45qh7pKGAzRypUj8L4+4BynQlkLxF300=
}

func BenchmarkSign(b *testing.B) {
	signer := webhook.NewSigner(mustNew(b))
	body := bytes.Repeat([]byte("x"), 512)
	ts := time.Unix(1717171717, 0)
	b.ReportAllocs()
	for b.Loop() {
		signer.Sign("msg_01J9Z3K6T8WQ2B5N7R4XCVHMDE", ts, body)
	}
}

func BenchmarkVerify(b *testing.B) {
	s := mustNew(b)
	body := bytes.Repeat([]byte("x"), 512)
	ts := time.Unix(1717171717, 0)
	h := webhook.NewSigner(s).Sign("msg_01J9Z3K6T8WQ2B5N7R4XCVHMDE", ts, body)
	secrets := []webhook.Secret{s}
	b.ReportAllocs()
	for b.Loop() {
		if err := webhook.Verify(secrets, h, body, ts, 0); err != nil {
			b.Fatal(err)
		}
	}
}
