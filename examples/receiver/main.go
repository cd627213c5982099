// Command receiver is a small webhook receiver for Confab's API channel: it
// checks each delivery's Standard Webhooks signature with the channel's
// secret, drops repeats of a webhook-id, and prints the bot's message (or,
// given an event webhook's secret, the type of each event).
//
//	go run ./examples/receiver -secret whsec_... -addr 127.0.0.1:9000
//
// Then give Confab http://127.0.0.1:9000/ as the channel's webhookUrl (and
// start confab serve with --allow-net 127.0.0.1/32, since Confab refuses
// loopback addresses by default). The secret may also come from the
// WEBHOOK_SECRET environment variable.
//
// It uses the standard library only; verifyWebhook is the Go snippet of
// docs/webhooks.md, character for character (a test checks it).
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BEGIN verifyWebhook (docs/webhooks.md holds the same code)

// verifyWebhook checks one Confab webhook delivery by the Standard Webhooks
// scheme and returns its webhook-id. secret is the channel's webhookSecret
// ("whsec_" + base64 of the key); body must be the raw bytes received, not
// re-encoded JSON. The delivery is refused when webhook-timestamp is further
// than tolerance from now, either way, or when no "v1," signature in
// webhook-signature is the base64 HMAC-SHA256 of "id.timestamp.body".
func verifyWebhook(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) == 0 {
		return "", errors.New("the secret must be whsec_ followed by base64")
	}
	id := h.Get("webhook-id")
	ts := h.Get("webhook-timestamp")
	signatures := strings.Join(h.Values("webhook-signature"), " ")
	if id == "" || ts == "" || signatures == "" {
		return "", errors.New("missing webhook-id, webhook-timestamp or webhook-signature")
	}
	seconds, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", errors.New("webhook-timestamp is not a number of seconds")
	}
	if d := now.Sub(time.Unix(seconds, 0)); d > tolerance || d < -tolerance {
		return "", fmt.Errorf("webhook-timestamp is %v away from now, more than %v", d.Truncate(time.Second), tolerance)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	// One "v1,<base64>" per signing secret, separated by spaces (two while
	// a secret is being rotated); any one that matches is enough.
	for _, entry := range strings.Fields(signatures) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return id, nil
		}
	}
	return "", errors.New("no matching signature")
}

// END verifyWebhook

// message is the webhook body of the API channel. Fields this program does
// not know are ignored, so that new ones do not break it.
type message struct {
	ChannelID    string          `json:"channelID"`
	Message      string          `json:"message"`
	UserID       int64           `json:"userID"`
	SenderID     string          `json:"senderID,omitempty"`
	Timestamp    int64           `json:"timestamp"` // unix milliseconds
	QuickReplies []string        `json:"quickReplies,omitempty"`
	Attachments  []attachment    `json:"attachments,omitempty"`
	AdminID      *int64          `json:"adminID,omitempty"`
	Rich         json.RawMessage `json:"rich,omitempty"`
	Test         bool            `json:"test,omitempty"` // set by the test-webhook route only
	// Type is set instead when the body is an event (an event webhook's
	// delivery, docs/api.md#events): handover.requested, ...
	Type string `json:"type,omitempty"`
}

type attachment struct {
	Offset int    `json:"offset"`
	URL    string `json:"url"`
}

// maxBody caps the bodies read; a bot message is far smaller.
const maxBody = 1 << 20

// receiver is the webhook handler. It is safe for concurrent use: Confab
// sends the deliveries of different conversations at the same time.
type receiver struct {
	secret    string
	tolerance time.Duration
	window    time.Duration // how long a webhook-id is remembered
	out       io.Writer
	now       func() time.Time

	mu     sync.Mutex
	seen   map[string]time.Time // webhook-id → when it was first taken
	pruned time.Time            // when seen was last swept of old ids
}

func newReceiver(secret string, tolerance, window time.Duration, out io.Writer) *receiver {
	return &receiver{secret: secret, tolerance: tolerance, window: window, out: out, now: time.Now, seen: map[string]time.Time{}}
}

// ServeHTTP answers 204 to a delivery it took or had already taken, 401 to
// one whose signature does not check out, and 400 to a body it cannot read.
// Any answer other than 2xx makes Confab try again later with the same
// webhook-id, so a repeat must still get a 2xx.
func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	now := rc.now()
	id, err := verifyWebhook(rc.secret, r.Header, body, now, rc.tolerance)
	if err != nil {
		log.Printf("refused a delivery: %v", err)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	var m message
	if err := json.Unmarshal(body, &m); err != nil {
		http.Error(w, "the body is not a JSON message", http.StatusBadRequest)
		return
	}
	if !rc.firstTime(id, now) {
		fmt.Fprintf(rc.out, "%s again (already taken; answered 204 so that Confab stops retrying)\n", id)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	rc.print(id, m)
	w.WriteHeader(http.StatusNoContent)
}

// firstTime records id and reports whether it was new. Ids older than the
// window are forgotten. A real receiver keeps them where its own data is
// (a table with a unique key on the id, written in the same transaction as
// the message), so that a restart does not forget them.
func (rc *receiver) firstTime(id string, now time.Time) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if now.Sub(rc.pruned) > time.Minute {
		for old, at := range rc.seen {
			if now.Sub(at) > rc.window {
				delete(rc.seen, old)
			}
		}
		rc.pruned = now
	}
	if _, dup := rc.seen[id]; dup {
		return false
	}
	rc.seen[id] = now
	return true
}

func (rc *receiver) print(id string, m message) {
	var b strings.Builder
	who := strconv.FormatInt(m.UserID, 10)
	if m.SenderID != "" {
		who += " (" + m.SenderID + ")"
	}
	at := time.UnixMilli(m.Timestamp).UTC().Format(time.RFC3339Nano)
	if m.Type != "" && m.ChannelID == "" {
		fmt.Fprintf(rc.out, "%s event %s\n", id, m.Type)
		return
	}
	if m.Test {
		fmt.Fprintf(&b, "%s test delivery for channel %s: %q\n", id, m.ChannelID, m.Message)
	} else {
		fmt.Fprintf(&b, "%s %s channel %s → user %s: %q\n", id, at, m.ChannelID, who, m.Message)
	}
	if len(m.QuickReplies) > 0 {
		fmt.Fprintf(&b, "    quick replies: %s\n", strings.Join(m.QuickReplies, " | "))
	}
	for _, a := range m.Attachments {
		fmt.Fprintf(&b, "    attachment at %d: %s\n", a.Offset, a.URL)
	}
	if m.AdminID != nil {
		fmt.Fprintf(&b, "    sent by admin %d\n", *m.AdminID)
	}
	if len(m.Rich) > 0 {
		fmt.Fprintf(&b, "    rich: %s\n", m.Rich)
	}
	io.WriteString(rc.out, b.String())
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on")
	secret := flag.String("secret", os.Getenv("WEBHOOK_SECRET"), "the channel's webhookSecret, whsec_... (default $WEBHOOK_SECRET)")
	tolerance := flag.Duration("tolerance", 5*time.Minute, "how far webhook-timestamp may be from this computer's clock")
	window := flag.Duration("dedupe-window", 48*time.Hour, "how long a webhook-id is remembered (cover the retry schedule, about 28 h by default, and replays)")
	flag.Parse()
	if key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(*secret, "whsec_")); err != nil || len(key) == 0 {
		fmt.Fprintln(os.Stderr, "receiver: give the channel's webhookSecret with -secret whsec_... or WEBHOOK_SECRET")
		os.Exit(2)
	}
	srv := &http.Server{Addr: *addr, Handler: newReceiver(*secret, *tolerance, *window, os.Stdout),
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second}
	log.Printf("receiving Confab webhooks on http://%s/", *addr)
	log.Fatal(srv.ListenAndServe())
}
