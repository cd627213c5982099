package safehttp

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func TestReadBody(t *testing.T) {
	t.Parallel()
	// The server answers /<size> with size bytes of 'x'; ?chunked=1 omits
	// Content-Length.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		w.Write(bytes.Repeat([]byte("x"), n))
	}))
	t.Cleanup(srv.Close)

	const mib = 1 << 20
	tests := []struct {
		name    string
		cap     int64 // Config.MaxResponseBytes
		path    string
		limit   int64
		wantLen int
		tooBig  bool
	}{
		{"small", 0, "/10", 0, 10, false},
		{"empty", 0, "/0", 0, 0, false},
		{"exactly the default cap", 0, "/1048576", 0, mib, false},
		{"one byte over the default cap", 0, "/1048577", 0, mib, true},
		{"twice the default cap", 0, "/2097152", 0, mib, true},
		{"twice the default cap, chunked", 0, "/2097152?chunked=1", 0, mib, true},
		{"explicit limit", 0, "/11", 10, 10, true},
		{"explicit limit met", 0, "/10", 10, 10, false},
		{"explicit limit above the cap", 100, "/1000", 2000, 1000, false},
		{"client cap", 100, "/101", 0, 100, true},
		{"client cap, chunked", 100, "/101?chunked=1", 0, 100, true},
		{"client cap met", 100, "/100", 0, 100, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, Config{Allow: loopback, MaxResponseBytes: tt.cap})
			resp, err := c.Do(mustRequest(t, srv.URL+tt.path))
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			data, err := ReadBody(resp, tt.limit)
			if len(data) != tt.wantLen || strings.Trim(string(data), "x") != "" {
				t.Errorf("read %d bytes, want %d of 'x'", len(data), tt.wantLen)
			}
			if tt.tooBig {
				if !errors.Is(err, ErrTooLarge) || Classify(err) != ClassTooLarge {
					t.Errorf("error %v, want ErrTooLarge classed too_large", err)
				}
				return
			}
			if err != nil {
				t.Errorf("ReadBody: %v", err)
			}
		})
	}
}

func TestReadBodyMessage(t *testing.T) {
	t.Parallel()
	resp := &http.Response{Body: io.NopCloser(strings.NewReader("12345")), ContentLength: -1}
	data, err := ReadBody(resp, 3)
	if string(data) != "123" || err == nil || err.Error() != "safehttp: response body too large: more than 3 bytes" {
		t.Errorf("ReadBody = %q, %v", data, err)
	}
}

func TestReadBodyForeignResponse(t *testing.T) {
	t.Parallel()
	// A response that did not come from a Client gets the default 1 MiB.
	rec := httptest.NewRecorder()
	rec.Write(bytes.Repeat([]byte("y"), 1<<20+1))
	data, err := ReadBody(rec.Result(), 0)
	if len(data) != 1<<20 || !errors.Is(err, ErrTooLarge) {
		t.Errorf("read %d bytes, error %v; want 1 MiB and ErrTooLarge", len(data), err)
	}
	if data, err := ReadBody(nil, 0); data != nil || err != nil {
		t.Errorf("ReadBody(nil) = %q, %v", data, err)
	}
}

func TestReadBodyGzipBomb(t *testing.T) {
	t.Parallel()
	// 4 MiB of zeros compress to a few KiB; the cap applies to the bytes
	// after decompression.
	var packed bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&packed, gzip.BestSpeed)
	zw.Write(make([]byte, 4<<20))
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(packed.Bytes())
	}))
	t.Cleanup(srv.Close)
	c := newTestClient(t, Config{Allow: loopback})
	resp, err := c.Do(mustRequest(t, srv.URL))
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	data, err := ReadBody(resp, 0)
	if len(data) != 1<<20 || !errors.Is(err, ErrTooLarge) {
		t.Errorf("read %d bytes (%d on the wire), error %v; want 1 MiB and ErrTooLarge", len(data), packed.Len(), err)
	}
}
