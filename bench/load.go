package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// phrases are what the conversations say, in turn (each conversation
// starts at a different one). The first three are examples of the bench
// bot's intents; the last matches none and takes the default route. The
// sequence number appended to each makes every message distinct.
var phrases = []struct{ text, reply string }{
	{"when are you open", "hours: Bench Bakery is open from 8 to 18. You said: "},
	{"where is my order", "status: your Bench Bakery order is on its way. You said: "},
	{"thank you", "thanks: you are welcome at Bench Bakery. You said: "},
	{"do you bake bread", "other: Bench Bakery did not get that. You said: "},
}

// welcome is the bench bot's answer to a conversation's first message (the
// start block's message; the first message is not routed).
const welcome = "Welcome to Bench Bakery! Ask about opening hours or your order."

// confabReply is the reply the bench bot must give to message seq of a
// conversation.
func confabReply(seq, phrase int, text string) string {
	if seq == 0 {
		return welcome
	}
	return phrases[phrase].reply + text
}

// target is a system under load: where to send and what must come back.
type target struct {
	sendURL   string // .../v1/messages
	channelID string
	token     string
	reply     func(seq, phrase int, text string) string
}

// window is the measured part of a run, after the warm-up.
type window struct{ start, end time.Time }

func (w window) has(t time.Time) bool { return !t.Before(w.start) && t.Before(w.end) }

// conv is one conversation of the closed loop: it sends a message, waits
// for its reply at the receiver, then sends the next.
type conv struct {
	userID int64

	mu      sync.Mutex
	want    string    // the reply awaited
	sentAt  time.Time // when the awaited message was sent
	waiting bool

	got chan time.Duration // the latency of the awaited reply
	lat []time.Duration    // latencies of messages sent in the window
}

// errorLog counts errors by kind and keeps one example of each.
type errorLog struct {
	mu      sync.Mutex
	n       int64
	kinds   map[string]int64
	samples map[string]string
}

func newErrorLog() *errorLog {
	return &errorLog{kinds: map[string]int64{}, samples: map[string]string{}}
}

func (e *errorLog) add(kind, sample string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n++
	e.kinds[kind]++
	if _, ok := e.samples[kind]; !ok {
		if len(sample) > 300 {
			sample = sample[:300] + "..."
		}
		e.samples[kind] = sample
	}
}

func (e *errorLog) snapshot() (int64, map[string]int64, map[string]string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n, maps.Clone(e.kinds), maps.Clone(e.samples)
}

// receiverConfig is what the receiver checks replies against; it is set
// once the channel exists, before the load starts.
type receiverConfig struct {
	channelID string
	verifier  *standardwebhooks.Webhook
	convs     []*conv
	window    window
}

// receiver is the webhook endpoint on 127.0.0.1 (HTTP/1.1 with
// keep-alive). It checks each reply's signature and text and hands its
// latency to the conversation that awaits it.
type receiver struct {
	url  string
	srv  *http.Server
	cfg  atomic.Pointer[receiverConfig]
	errs *errorLog

	total    atomic.Int64 // replies matched
	inWindow atomic.Int64 // replies matched that arrived in the window
	conns    atomic.Int64 // connections the server opened to the receiver
}

func newReceiver(errs *errorLog) (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{url: "http://" + ln.Addr().String() + "/webhook", errs: errs}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				r.conns.Add(1)
			}
		}}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *receiver) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		_ = r.srv.Close()
	}
}

type webhookBody struct {
	ChannelID string `json:"channelID"`
	Message   string `json:"message"`
	UserID    int64  `json:"userID"`
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	at := time.Now()
	// Every request is taken (200): problems are counted, not retried.
	w.WriteHeader(http.StatusOK)
	cfg := r.cfg.Load()
	switch {
	case err != nil:
		r.errs.add("webhook: unreadable body", err.Error())
		return
	case cfg == nil:
		r.errs.add("webhook: before the load started", string(body))
		return
	}
	if err := cfg.verifier.Verify(body, req.Header); err != nil {
		r.errs.add("webhook: signature does not verify", err.Error())
	}
	var m webhookBody
	if err := json.Unmarshal(body, &m); err != nil {
		r.errs.add("webhook: not JSON", string(body))
		return
	}
	if m.ChannelID != cfg.channelID {
		r.errs.add("webhook: wrong channelID", string(body))
	}
	if m.UserID < 1 || m.UserID > int64(len(cfg.convs)) {
		r.errs.add("webhook: unknown userID", string(body))
		return
	}
	c := cfg.convs[m.UserID-1]
	c.mu.Lock()
	if !c.waiting {
		c.mu.Unlock()
		r.errs.add("webhook: reply that no message awaits", string(body))
		return
	}
	if m.Message != c.want {
		r.errs.add("webhook: wrong reply text", fmt.Sprintf("got %q, want %q", m.Message, c.want))
	}
	c.waiting = false
	lat := at.Sub(c.sentAt)
	c.mu.Unlock()
	r.total.Add(1)
	if cfg.window.has(at) {
		r.inWindow.Add(1)
	}
	select {
	case c.got <- lat:
	default:
	}
}

// loadResult is what a closed-loop run measured.
type loadResult struct {
	window    window
	sent      int64           // messages accepted (200) over the whole run
	replied   int64           // replies matched over the whole run
	inWindow  int64           // replies that arrived in the window
	latencies []time.Duration // of the messages sent in the window, sorted
	lost      int64           // accepted but never replied to
	// clientConns and webhookConns count the connections opened to the
	// server and by the server to the receiver: with keep-alive, about one
	// per conversation.
	clientConns, webhookConns int64
}

// loadConfig shapes a closed-loop run.
type loadConfig struct {
	conversations int
	warmup        time.Duration
	duration      time.Duration
	drain         time.Duration // how long replies may take after the window
	// mark is called at the start and at the end of the window.
	mark func(phase string)
}

// runLoad runs cfg.conversations conversations against t until the end of
// the window, then waits up to cfg.drain for the replies in flight.
func runLoad(ctx context.Context, t target, rcv *receiver, errs *errorLog, cfg loadConfig) loadResult {
	var dials atomic.Int64
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return dialer.DialContext(ctx, network, addr)
		},
		// One connection per conversation stays open: the default of two
		// idle connections per host would open and close connections all
		// the time.
		MaxIdleConns:        2*cfg.conversations + 16,
		MaxIdleConnsPerHost: 2*cfg.conversations + 16,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}}
	defer client.CloseIdleConnections()

	start := time.Now()
	w := window{start: start.Add(cfg.warmup), end: start.Add(cfg.warmup + cfg.duration)}
	convs := make([]*conv, cfg.conversations)
	for i := range convs {
		convs[i] = &conv{userID: int64(i + 1), got: make(chan time.Duration, 1)}
	}
	rc := *rcv.cfg.Load() // configure set the channel and the secret
	rc.convs, rc.window = convs, w
	rcv.cfg.Store(&rc)

	drainCtx, cancel := context.WithDeadline(ctx, w.end.Add(cfg.drain))
	defer cancel()
	var sent, lost atomic.Int64
	var wg sync.WaitGroup
	for _, c := range convs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			converse(drainCtx, client, t, c, w, errs, &sent, &lost)
		}()
	}
	if sleepUntil(ctx, w.start) {
		cfg.mark("start")
		if sleepUntil(ctx, w.end) {
			cfg.mark("end")
		}
	}
	wg.Wait()

	res := loadResult{window: w, sent: sent.Load(), lost: lost.Load(), replied: rcv.total.Load(), inWindow: rcv.inWindow.Load(),
		clientConns: dials.Load(), webhookConns: rcv.conns.Load()}
	for _, c := range convs {
		res.latencies = append(res.latencies, c.lat...)
	}
	slices.Sort(res.latencies)
	return res
}

// converse is one conversation's closed loop.
func converse(ctx context.Context, client *http.Client, t target, c *conv, w window, errs *errorLog, sent, lost *atomic.Int64) {
	for seq := 0; ; seq++ {
		if !time.Now().Before(w.end) || ctx.Err() != nil {
			return
		}
		phrase := (int(c.userID) + seq) % len(phrases)
		text := phrases[phrase].text + " " + strconv.Itoa(seq)
		c.mu.Lock()
		c.want, c.sentAt, c.waiting = t.reply(seq, phrase, text), time.Now(), true
		sentAt := c.sentAt
		c.mu.Unlock()
		if err := send(ctx, client, t, c.userID, text); err != nil {
			c.mu.Lock()
			c.waiting = false
			c.mu.Unlock()
			select {
			case <-c.got:
			default:
			}
			if ctx.Err() != nil {
				return
			}
			errs.add(errorKind(err), err.Error())
			if !sleepUntil(ctx, time.Now().Add(50*time.Millisecond)) {
				return
			}
			continue
		}
		sent.Add(1)
		select {
		case lat := <-c.got:
			if w.has(sentAt) {
				c.lat = append(c.lat, lat)
			}
		case <-ctx.Done():
			lost.Add(1)
			return
		}
	}
}

type sendError struct {
	status int
	body   string
}

func (e *sendError) Error() string { return fmt.Sprintf("status %d: %s", e.status, e.body) }

func errorKind(err error) string {
	if se, ok := errors.AsType[*sendError](err); ok {
		return "send: status " + strconv.Itoa(se.status)
	}
	return "send: no answer"
}

type sendBody struct {
	ChannelID string `json:"channelID"`
	Token     string `json:"token"`
	Message   string `json:"message"`
	UserID    int64  `json:"userID"`
}

// send POSTs one message and checks the answer is 200 with success true.
func send(ctx context.Context, client *http.Client, t target, userID int64, text string) error {
	body, err := json.Marshal(sendBody{ChannelID: t.channelID, Token: t.token, Message: text, UserID: userID})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.sendURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(answer, []byte(`"success":true`)) {
		return &sendError{status: resp.StatusCode, body: string(answer)}
	}
	return nil
}

// sleepUntil sleeps until t; false when ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// percentile of sorted durations, in milliseconds (nearest rank).
func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	i = max(0, min(i, len(sorted)-1))
	return float64(sorted[i]) / float64(time.Millisecond)
}
