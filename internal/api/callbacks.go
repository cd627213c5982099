package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/confab/confab/internal/callback"
	"github.com/confab/confab/internal/store"
)

// POST /v1/callbacks/{token}: the callback of a wait block. The URL is
// signed (package callback), and its signature is its only credential: no
// token is needed. The body, any JSON value, is stored as a command of
// the conversation (store.CommandCallback) and carried out in its turns
// like the steering commands (decision 9): the flow goes on at the wait
// block's next with the body in its save variable. The answer is 202 once
// the command is stored; a URL is used once (410 after that, or after the
// wait timed out). See docs/decisions/0010-wait-callbacks.md.

// callbackAccepted is the answer of a callback stored.
type callbackAccepted struct {
	Accepted       bool   `json:"accepted"`
	ConversationID string `json:"conversationID"`
}

// errCallbackGone is the answer to a callback whose wait is over.
var errCallbackGone = &httpError{status: http.StatusGone,
	msg: "this callback was used already, or its wait is over (it timed out, or the conversation moved on): a callback URL takes one POST"}

func (s *Server) postCallback(w http.ResponseWriter, r *http.Request) error {
	var ref callback.Ref
	ok := false
	if s.Callbacks != nil {
		ref, ok = s.Callbacks.Parse(r.PathValue("token"))
	}
	if !ok {
		return &httpError{status: http.StatusNotFound, msg: "no such callback: the URL is not one this server made"}
	}
	data, err := callbackBody(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	conv, err := s.Store.GetConversation(ctx, ref.ProjectID, ref.ConversationID)
	if errors.Is(err, store.ErrNotFound) {
		return errCallbackGone // signed by this server: the conversation was deleted
	}
	if err != nil {
		return err
	}
	if !waitsAt(conv, ref.Wait) {
		return errCallbackGone
	}
	ch, err := s.Store.ChannelByID(ctx, conv.ChannelID)
	if err != nil {
		return err
	}
	sub := store.Submission{Command: store.Command{ID: store.WaitCommandID(conv.ID, ref.Wait), ProjectID: conv.ProjectID, ConversationID: conv.ID,
		Kind: store.CommandCallback, Wait: ref.Wait, Data: data, CreatedAt: s.Now()}}
	if s.PrepareCommand != nil {
		s.PrepareCommand(&sub, ch)
	}
	res, err := s.Store.SubmitCommand(ctx, sub)
	if errors.Is(err, store.ErrConflict) {
		return errCallbackGone // the wait's callback or time-out was stored first
	}
	if err != nil {
		return err
	}
	s.Submitted(res)
	if res.Command.Status == store.CommandFailed {
		return errCallbackGone // the wait ended just before
	}
	writeJSON(w, http.StatusAccepted, callbackAccepted{Accepted: true, ConversationID: conv.ID})
	return nil
}

// callbackBody reads a callback's body: JSON (Content-Type
// application/json, or another +json type), any value, at most MaxBody
// bytes.
func callbackBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))) {
		return nil, &httpError{status: http.StatusUnsupportedMediaType, msg: "a callback's body is JSON: send it with Content-Type: application/json"}
	}
	if r.ContentLength > MaxBody {
		return nil, &http.MaxBytesError{Limit: MaxBody}
	}
	data, err := readBody(http.MaxBytesReader(w, r.Body, MaxBody), r.ContentLength)
	if err != nil {
		return nil, err
	}
	switch body := bytes.TrimSpace(data); {
	case len(body) == 0:
		return nil, badRequest("", "the body is empty; send a JSON value")
	case string(body) == "null":
		return body, nil
	}
	var v any
	if err := decodeJSON(data, &v); err != nil {
		return nil, err
	}
	return data, nil
}

// waitsAt says whether a conversation's flow waits at its wait number n.
func waitsAt(c store.Conversation, n int) bool {
	var st struct {
		Status string `json:"status"`
		Calls  int    `json:"calls"`
	}
	return json.Unmarshal(c.State, &st) == nil && st.Status == "callback" && st.Calls == n
}

// plain wraps a handler that needs no token: its errors become answers as
// admin's do.
func (s *Server) plain(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}
