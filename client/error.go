package client

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is an answer of the server that is not a success.
//
// Most routes answer errors as application/problem+json (RFC 9457), whose
// fields fill Type, Title, Detail and Pointer. SendMessage answers with
// the API channel's {"success": false, "error": "..."}, whose error fills
// Message. Any other answer (a plain-text 404 for an unknown path, say)
// leaves its text in Detail.
type Error struct {
	// Method and Path are the request's ("POST", "/v1/channels").
	Method, Path string
	// Status is the HTTP status.
	Status int
	// Type, Title, Detail and Pointer are the problem's fields. Pointer is
	// the JSON pointer of the request field at fault ("/webhookUrl"), when
	// there is one.
	Type, Title, Detail, Pointer string
	// Message is the error of a SendMessage answer; it starts with the
	// JSON pointer of the field at fault, when there is one.
	Message string
	// Problems are the errors of a bot file that does not load (the 422
	// of ReloadBot), each as "file:line:col: message".
	Problems []string
	// RetryAfter is how long the server asks to wait before trying again
	// (its Retry-After header, on 503 and 429); zero when it does not say.
	RetryAfter time.Duration
}

// Error says what went wrong, with the request and the status.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Detail
	}
	if msg == "" {
		msg = e.Title
	}
	if e.Pointer != "" {
		msg += " (at " + e.Pointer + ")"
	}
	return fmt.Sprintf("confab: %s %s: %d %s: %s", e.Method, e.Path, e.Status, http.StatusText(e.Status), msg)
}

// maxErrorText is how much of a plain-text error answer Detail keeps.
const maxErrorText = 512

func newError(method, target string, resp *http.Response, body []byte) *Error {
	e := &Error{Method: method, Path: target, Status: resp.StatusCode}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch media {
	case "application/problem+json":
		var p struct {
			Type    string `json:"type"`
			Title   string `json:"title"`
			Detail  string `json:"detail"`
			Pointer string `json:"pointer"`
			// Problems is in the answer of a reload whose file has errors.
			Problems []string `json:"problems"`
		}
		if json.Unmarshal(body, &p) == nil {
			e.Type, e.Title, e.Detail, e.Pointer = p.Type, p.Title, p.Detail, p.Pointer
			e.Problems = p.Problems
			return e
		}
	case "application/json":
		var f struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &f) == nil && f.Error != "" {
			e.Message = f.Error
			return e
		}
	}
	text := strings.TrimSpace(string(body))
	if len(text) > maxErrorText {
		text = text[:maxErrorText]
	}
	e.Detail = text
	return e
}
