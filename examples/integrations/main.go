// Command integrations is an example of the team's server that the order
// status bot (bots/orders.yaml) calls while it talks: its functions
// (get_order and get_invoices, seed 002), its custom action (seed 000),
// its api block (cancelling an order) and the delivery time its code block
// fetches. See docs/integrations.md for every request and answer.
//
//	ORDERS_TOKEN=orders-secret SHOP_TOKEN=shop-secret go run ./examples/integrations
//
// Then run Confab with the bot pointed at it (Confab refuses loopback
// addresses unless --allow-net allows them):
//
//	CONFAB_ENV_ORDERS_URL=http://127.0.0.1:9100 CONFAB_ENV_SHOP_URL=http://127.0.0.1:9100 \
//	CONFAB_SECRET_ORDERS_TOKEN=orders-secret CONFAB_SECRET_SHOP_TOKEN=shop-secret \
//	confab serve --bots bots --allow-net 127.0.0.1/32
//
// Every route but the delivery time checks the Authorization header the
// bot sends (Bearer and the token). With -secret (or WEBHOOK_SECRET), the
// webhook secret of the channel the bot talks through, it also checks the
// signature every call carries and refuses a call that is not signed by
// Confab. Cancelling an order remembers its answer by the call's
// Idempotency-Key: a call Confab repeats (after a crash) gets the same
// answer and cancels nothing twice. It uses the standard library only and
// keeps its orders in memory.
package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// order is an order of the example shop.
type order struct {
	ID      int64
	Status  string // "in delivery", "delivered", "preparing"
	Total   float64
	Arrives time.Time
	Late    bool
}

// server answers the bot's calls.
type server struct {
	ordersToken, shopToken string
	// webhookSecret, when set, is the channel's webhook secret
	// (whsec_...): every call must be signed with it.
	webhookSecret string
	now           func() time.Time

	mu     sync.Mutex
	orders map[int64]*order
	// cancels holds the answers of cancellations by Idempotency-Key.
	cancels map[string]map[string]any
}

func newServer(ordersToken, shopToken string, now func() time.Time) *server {
	t := now()
	return &server{ordersToken: ordersToken, shopToken: shopToken, now: now, cancels: map[string]map[string]any{}, orders: map[int64]*order{
		1234: {ID: 1234, Status: "in delivery", Total: 23.5, Arrives: t.Add(25 * time.Minute), Late: true},
		4321: {ID: 4321, Status: "preparing", Total: 23.5, Arrives: t.Add(50 * time.Minute)},
		5678: {ID: 5678, Status: "delivered", Total: 12, Arrives: t.Add(-2 * time.Hour)},
	}}
}

// handler routes the bot's calls.
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /functions", s.authorized(s.ordersToken, s.function))
	mux.HandleFunc("POST /bot-action", s.authorized(s.shopToken, s.customAction))
	mux.HandleFunc("POST /orders/{id}/cancel", s.authorized(s.shopToken, s.cancel))
	mux.HandleFunc("GET /orders/{id}/eta", s.eta)
	if s.webhookSecret == "" {
		return mux
	}
	return s.signed(mux)
}

// signed refuses a call whose webhook-signature is not Confab's, made with
// the channel's webhook secret over the exact body.
func (s *server) signed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "the body is over 1 MiB"})
			return
		}
		if _, err := verifyWebhook(s.webhookSecret, r.Header, body, s.now(), 5*time.Minute); err != nil {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "not signed by Confab: " + err.Error()})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

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

// authorized refuses a request whose Authorization is not "Bearer token".
func (s *server) authorized(token string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("Authorization")
		if subtle.ConstantTimeCompare([]byte(got), []byte("Bearer "+token)) != 1 {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "wrong or missing Authorization"})
			return
		}
		next(w, r)
	}
}

// functionCall is the body of a function call (seed 002); the fields this
// server does not use (comments, ticket) are left out.
type functionCall struct {
	FunctionCall string         `json:"functionCall"`
	Params       map[string]any `json:"params"`
	ProjectID    string         `json:"projectId"`
	Session      session        `json:"session"`
}

// session is the user as Confab knows them (seeds 000 and 002).
type session struct {
	UserID any    `json:"userId"` // a number or a string; null when unknown
	Email  string `json:"email"`
	Name   string `json:"name"`
}

// function answers get_order and get_invoices.
func (s *server) function(w http.ResponseWriter, r *http.Request) {
	var call functionCall
	if !readJSON(w, r, &call) {
		return
	}
	switch call.FunctionCall {
	case "get_order":
		id, ok := call.Params["order_id"].(float64)
		if !ok {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "order_id must be a number"})
			return
		}
		s.mu.Lock()
		o := s.orders[int64(id)]
		s.mu.Unlock()
		if o == nil {
			// A message goes to the user as it is.
			writeJSON(w, http.StatusOK, map[string]string{"type": "message", "message": fmt.Sprintf("I cannot find order %d.", int64(id))})
			return
		}
		text := fmt.Sprintf("Order %d is %s", o.ID, o.Status)
		if call.Params["detail"] == "full" {
			text += fmt.Sprintf(". Total: €%.2f. Arrives: %s.", o.Total, o.Arrives.UTC().Format(time.Kitchen))
		}
		// A context is saved in the block's variable.
		writeJSON(w, http.StatusOK, map[string]string{"type": "context", "context": text})
	case "get_invoices":
		// Documents are saved as a list.
		writeJSON(w, http.StatusOK, map[string]any{"type": "documents", "documents": []map[string]string{
			{"title": "Invoice #1923", "url": "https://url-to-invoice.com/1923", "content": "Paid, 1920$"},
			{"title": "Invoice #9903", "url": "https://url-to-invoice.com/9903", "content": "Unpaid, 199$"},
		}})
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no function " + strconv.Quote(call.FunctionCall)})
	}
}

// customAction answers the bot's complaint custom action (seed 000) with a
// message for the user: a TipTap document, which Confab sends as text on
// the API channel and as safe HTML in the web widget.
func (s *server) customAction(w http.ResponseWriter, r *http.Request) {
	var call struct {
		Session session `json:"session"`
	}
	if !readJSON(w, r, &call) {
		return
	}
	to := "your address"
	if call.Session.Email != "" {
		to = call.Session.Email
	}
	doc := map[string]any{"type": "doc", "content": []any{
		map[string]any{"type": "paragraph", "content": []any{
			map[string]any{"type": "text", "text": "We are sorry!", "marks": []any{map[string]any{"type": "bold"}}},
			map[string]any{"type": "text", "text": " A voucher of €5 is on its way to " + to + "."},
		}},
	}}
	writeJSON(w, http.StatusOK, map[string]any{"message": doc})
}

// cancel cancels an order that is not out yet (the api block). A call with
// an Idempotency-Key it has answered gets the same answer again.
func (s *server) cancel(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Reason string `json:"reason"`
		Order  any    `json:"order"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	o := s.order(w, r)
	if o == nil {
		return
	}
	key := r.Header.Get("Idempotency-Key")
	s.mu.Lock()
	defer s.mu.Unlock()
	if answer, ok := s.cancels[key]; ok && key != "" {
		writeJSON(w, http.StatusOK, answer)
		return
	}
	answer := map[string]any{"status": o.Status}
	if o.Status == "preparing" {
		o.Status = "cancelled"
		answer = map[string]any{"status": "cancelled", "refund": o.Total}
	}
	if key != "" {
		s.cancels[key] = answer
	}
	writeJSON(w, http.StatusOK, answer)
}

// eta tells when an order arrives (fetched by the code block, which sends
// no Authorization header).
func (s *server) eta(w http.ResponseWriter, r *http.Request) {
	o := s.order(w, r)
	if o == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"now": s.now().UTC().Format(time.RFC3339), "arrives": o.Arrives.UTC().Format(time.RFC3339), "late": o.Late})
}

// order returns the order of the path's id, or answers 404.
func (s *server) order(w http.ResponseWriter, r *http.Request) *order {
	id, err := strconv.ParseInt(strings.TrimPrefix(r.PathValue("id"), "#"), 10, 64)
	s.mu.Lock()
	o := s.orders[id]
	s.mu.Unlock()
	if err != nil || o == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such order"})
		return nil
	}
	return o
}

// readJSON decodes a JSON request body of at most 1 MiB into v, or answers
// 400.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send application/json"})
		return false
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body is not valid JSON: " + err.Error()})
		return false
	}
	return true
}

// writeJSON answers with a JSON body; Confab wants application/json.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9100", "the address to listen on")
	secret := flag.String("secret", os.Getenv("WEBHOOK_SECRET"), "the webhookSecret (whsec_...) of the channel the bot talks through: calls not signed with it are refused (default $WEBHOOK_SECRET; none: signatures are not checked)")
	flag.Parse()
	ordersToken, shopToken := os.Getenv("ORDERS_TOKEN"), os.Getenv("SHOP_TOKEN")
	if ordersToken == "" || shopToken == "" {
		log.Fatal("set ORDERS_TOKEN and SHOP_TOKEN: the tokens the bot sends (its secrets ORDERS_TOKEN and SHOP_TOKEN)")
	}
	s := newServer(ordersToken, shopToken, time.Now)
	s.webhookSecret = *secret
	if _, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s.webhookSecret, "whsec_")); err != nil {
		log.Fatalf("-secret: the channel's webhookSecret is whsec_ followed by base64: %v", err)
	}
	srv := &http.Server{Addr: *addr, Handler: s.handler(), ReadHeaderTimeout: 5 * time.Second}
	log.Printf("answering the orders bot on http://%s", *addr)
	log.Fatal(srv.ListenAndServe())
}
