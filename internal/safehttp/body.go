package safehttp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
)

// body is the response body of a Client: it carries the Client's cap for
// ReadBody and ends the default time-out's context when closed.
type body struct {
	io.ReadCloser
	limit  int64
	cancel context.CancelFunc // nil when the request brought its own deadline
}

// Close closes the body and releases the request's default time-out.
func (b *body) Close() error {
	err := b.ReadCloser.Close()
	if b.cancel != nil {
		b.cancel()
	}
	return err
}

// ReadBody reads resp's body and closes it. It reads at most limit bytes;
// a limit of zero or less means the cap of the Client that made resp
// (Config.MaxResponseBytes), or 1 MiB for a response from elsewhere. When
// the body is larger, ReadBody returns its first limit bytes, so callers can
// keep an excerpt, with an error wrapping ErrTooLarge. A read error (a
// time-out, a reset connection) is returned with the bytes read before it.
// A nil resp or body reads as empty.
func ReadBody(resp *http.Response, limit int64) ([]byte, error) {
	if resp == nil || resp.Body == nil {
		return nil, nil
	}
	defer resp.Body.Close()
	if limit <= 0 {
		limit = DefaultMaxResponseBytes
		if b, ok := resp.Body.(*body); ok {
			limit = b.limit
		}
	}
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 {
		buf.Grow(int(min(n, limit)) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	data := buf.Bytes()
	if int64(len(data)) > limit {
		return data[:limit], fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return data, err
}
