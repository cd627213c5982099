package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // the same SQLite driver as Confab
)

// The relay is the baseline: the least a Go server must do to take a
// message on POST /v1/messages and post a reply to a webhook. It has no
// flow and no state; with -durable it writes each message to SQLite (WAL,
// synchronous=NORMAL, like Confab) before answering. It runs as its own
// process (`bench relay ...`) so that its CPU and memory are measured the
// same way as Confab's.

// relayReply is the reply's text: the relay has no flow, so it repeats the
// message.
func relayReply(text string) string { return "relay: You said: " + text }

type relay struct {
	channel, token string
	webhook        string
	secret         []byte
	client         *http.Client
	insert         *sql.Stmt // nil without -durable
	inflight       sync.WaitGroup
	nextID         atomic.Uint64
	idPrefix       string
	failures       atomic.Int64
}

// relayMain runs `bench relay`. It prints "listening ADDR" on stdout once
// it listens, and stops on SIGTERM or SIGINT, or after -max-life.
func relayMain(args []string) int {
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on (127.0.0.1 only)")
	webhook := fs.String("webhook", "", "the URL replies are POSTed to (127.0.0.1 only)")
	secret := fs.String("secret", "", "the whsec_ secret replies are signed with")
	channel := fs.String("channel", "", "the channelID messages must name")
	token := fs.String("token", "", "the token messages must carry")
	durable := fs.Bool("durable", false, "write each message to SQLite before answering")
	data := fs.String("data", "", "directory of the SQLite file (with -durable)")
	maxLife := fs.Duration("max-life", 10*time.Minute, "stop by itself after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := relayRun(*addr, *webhook, *secret, *channel, *token, *durable, *data, *maxLife); err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		return 1
	}
	return 0
}

func relayRun(addr, webhook, secret, channel, token string, durable bool, data string, maxLife time.Duration) error {
	if err := loopbackOnly(addr, webhook); err != nil {
		return err
	}
	key, err := parseSecret(secret)
	if err != nil {
		return err
	}
	if channel == "" || token == "" {
		return errors.New("-channel and -token are required")
	}
	r := &relay{channel: channel, token: token, webhook: webhook, secret: key, idPrefix: "msg_" + randomHex(6) + "_",
		client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
			MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: 90 * time.Second, DisableCompression: true}}}
	if durable {
		db, err := openRelayDB(data)
		if err != nil {
			return err
		}
		defer db.Close()
		if r.insert, err = db.Prepare(`INSERT INTO messages (channel_id, user_id, text, created_at) VALUES (?, ?, ?, ?)`); err != nil {
			return err
		}
		defer r.insert.Close()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("listening %s\n", ln.Addr())
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/messages", r.serveMessage)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, maxLife)
	defer cancel()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return err
	}
	shutdown, cancelShutdown := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShutdown()
	_ = srv.Shutdown(shutdown)
	r.inflight.Wait()
	if n := r.failures.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "relay: %d webhook posts failed\n", n)
	}
	return nil
}

// openRelayDB opens the durable relay's SQLite file as Confab opens its
// own: WAL, synchronous=NORMAL, one writer connection.
func openRelayDB(dir string) (*sql.DB, error) {
	if dir == "" {
		return nil, errors.New("-durable needs -data")
	}
	pragmas := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)"} {
		pragmas.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "relay.db")+"?"+pragmas.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, channel_id TEXT NOT NULL, user_id INTEGER NOT NULL, text TEXT NOT NULL, created_at INTEGER NOT NULL)`); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

type relayRequest struct {
	ChannelID string `json:"channelID"`
	Token     string `json:"token"`
	Message   string `json:"message"`
	UserID    int64  `json:"userID"`
}

type relayAnswer struct {
	ChannelID string `json:"channelID"`
	Message   string `json:"message"`
	UserID    int64  `json:"userID"`
	Success   bool   `json:"success"`
	Error     string `json:"error,omitempty"`
}

type relayWebhook struct {
	ChannelID string `json:"channelID"`
	Message   string `json:"message"`
	UserID    int64  `json:"userID"`
	Timestamp int64  `json:"timestamp"`
}

func (r *relay) serveMessage(w http.ResponseWriter, req *http.Request) {
	var m relayRequest
	if err := json.NewDecoder(io.LimitReader(req.Body, 1<<20)).Decode(&m); err != nil {
		writeRelayJSON(w, http.StatusBadRequest, relayAnswer{Error: "bad JSON: " + err.Error()})
		return
	}
	if m.ChannelID != r.channel || subtle.ConstantTimeCompare([]byte(m.Token), []byte(r.token)) != 1 {
		writeRelayJSON(w, http.StatusUnauthorized, relayAnswer{Error: "wrong channelID or token"})
		return
	}
	if strings.TrimSpace(m.Message) == "" || m.UserID < 1 {
		writeRelayJSON(w, http.StatusBadRequest, relayAnswer{Error: "message and userID are required"})
		return
	}
	now := time.Now()
	if r.insert != nil {
		if _, err := r.insert.ExecContext(req.Context(), m.ChannelID, m.UserID, m.Message, now.UnixMilli()); err != nil {
			writeRelayJSON(w, http.StatusInternalServerError, relayAnswer{Error: err.Error()})
			return
		}
	}
	writeRelayJSON(w, http.StatusOK, relayAnswer{ChannelID: m.ChannelID, Message: m.Message, UserID: m.UserID, Success: true})
	r.inflight.Add(1)
	go func() {
		defer r.inflight.Done()
		if err := r.post(m, now); err != nil {
			if r.failures.Add(1) <= 5 {
				fmt.Fprintln(os.Stderr, "relay: webhook:", err)
			}
		}
	}()
}

// post signs (Standard Webhooks) and POSTs the reply.
func (r *relay) post(m relayRequest, at time.Time) error {
	body, err := json.Marshal(relayWebhook{ChannelID: m.ChannelID, Message: relayReply(m.Message), UserID: m.UserID, Timestamp: at.UnixMilli()})
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, r.webhook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	id := r.idPrefix + strconv.FormatUint(r.nextID.Add(1), 10)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range signHeaders(r.secret, id, time.Now(), body) {
		req.Header.Set(k, v)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

func writeRelayJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// signHeaders makes the Standard Webhooks headers of a message:
// v1,base64(HMAC-SHA256(key, id.timestamp.body)).
func signHeaders(key []byte, id string, at time.Time, body []byte) map[string]string {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	return map[string]string{
		"webhook-id":        id,
		"webhook-timestamp": ts,
		"webhook-signature": "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)),
	}
}

// newSecret makes a whsec_ secret of 32 random bytes.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

func parseSecret(s string) ([]byte, error) {
	raw, ok := strings.CutPrefix(s, "whsec_")
	if !ok {
		return nil, errors.New("the secret must start with whsec_")
	}
	return base64.StdEncoding.DecodeString(raw)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// loopbackOnly refuses addresses and URLs whose host is not 127.0.0.1.
func loopbackOnly(addr, webhook string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host != "127.0.0.1" {
		return fmt.Errorf("listen address %q: only 127.0.0.1 is allowed", addr)
	}
	u, err := url.Parse(webhook)
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" {
		return fmt.Errorf("webhook %q: only http://127.0.0.1 is allowed", webhook)
	}
	return nil
}
