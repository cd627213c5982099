package testkit

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// ForwardProxy is a small HTTP forward proxy on 127.0.0.1: it serves
// absolute-form requests and CONNECT tunnels, resolving names with the
// given resolver, and records every request it is sent.
type ForwardProxy struct {
	srv  *httptest.Server
	URL  *url.URL
	mu   sync.Mutex
	seen []string // "GET http://host:port/path" or "CONNECT host:port"
}

// NewForwardProxy starts a forward proxy that resolves names with
// resolver (nil: the system's), stopped when the test ends.
func NewForwardProxy(t *testing.T, resolver *net.Resolver) *ForwardProxy {
	t.Helper()
	p := &ForwardProxy{}
	dialer := &net.Dialer{Resolver: resolver}
	upstream := &http.Transport{DialContext: dialer.DialContext}
	t.Cleanup(upstream.CloseIdleConnections)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodConnect {
			p.record("CONNECT " + r.Host)
			p.tunnel(w, r, dialer)
			return
		}
		p.record(r.Method + " " + r.URL.String())
		if !r.URL.IsAbs() {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		out := r.Clone(r.Context())
		out.RequestURI = ""
		resp, err := upstream.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(p.srv.Close)
	p.URL, _ = url.Parse(p.srv.URL)
	return p
}

func (p *ForwardProxy) record(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = append(p.seen, s)
}

// Requests returns what the proxy was sent so far.
func (p *ForwardProxy) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// tunnel connects to r.Host and copies bytes both ways.
func (p *ForwardProxy) tunnel(w http.ResponseWriter, r *http.Request, dialer *net.Dialer) {
	upstream, err := dialer.DialContext(r.Context(), "tcp", r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer upstream.Close()
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{})
	go func() {
		io.Copy(upstream, buf)
		upstream.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	io.Copy(conn, bufio.NewReader(upstream))
	<-done
}
