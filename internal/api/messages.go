package api

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/token"
)

// sendRequest is the body of POST /v1/messages (seed 003), with senderID
// for webhook-channel style clients.
type sendRequest struct {
	ChannelID   string             `json:"channelID"`
	Token       string             `json:"token"`
	Message     *string            `json:"message"`
	UserID      *int64             `json:"userID"`
	SenderID    string             `json:"senderID"`
	Attachments []store.Attachment `json:"attachments"`
}

// sendResponse is the seed's answer.
type sendResponse struct {
	ChannelID string `json:"channelID"`
	Message   string `json:"message"`
	UserID    int64  `json:"userID"`
	SenderID  string `json:"senderID,omitempty"`
	Success   bool   `json:"success"`
}

// sendFailure is the seed's error shape, which this route keeps instead of
// problem+json.
type sendFailure struct {
	Success bool   `json:"success"`
	Error   string `json:"error"`
}

func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request) {
	err := s.send(w, r)
	if err == nil {
		return
	}
	status, msg, pointer := s.classify(r, err)
	if pointer != "" {
		msg = pointer + ": " + msg
	}
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="confab"`)
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, status, sendFailure{Success: false, Error: msg})
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) error {
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	var body []byte // kept for the key's request hash
	if key != "" {
		if body, err = bufferBody(w, r, MaxMessageBody); err != nil {
			return err
		}
	}
	var req sendRequest
	if err := decode(w, r, MaxMessageBody, &req); err != nil {
		return err
	}
	if req.ChannelID == "" {
		return badRequest("/channelID", "channelID is required")
	}
	if req.Message == nil {
		return badRequest("/message", "message is required")
	}
	if strings.TrimSpace(*req.Message) == "" && len(req.Attachments) == 0 {
		return badRequest("/message", "message is empty and there are no attachments")
	}
	userID := req.UserID
	if userID != nil && (*userID < 1 || *userID > math.MaxInt64/2) {
		return badRequest("/userID", "userID must be a whole number from 1")
	}
	if req.SenderID != "" && userID != nil {
		return badRequest("/senderID", "give userID or senderID, not both")
	}
	if len(req.SenderID) > 256 {
		return badRequest("/senderID", "senderID is longer than 256 characters")
	}
	for i, a := range req.Attachments {
		if err := checkAttachment(a); err != nil {
			return badRequest("/attachments/"+strconv.Itoa(i), err.Error())
		}
	}
	tok := req.Token
	if tok == "" {
		tok = bearer(r)
	}
	if tok == "" {
		return fail(http.StatusUnauthorized, "token is required (in the body or as Authorization: Bearer)")
	}
	ch, err := s.Store.ChannelByID(r.Context(), req.ChannelID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !token.Equal(tok, ch.TokenHash)) {
		return fail(http.StatusUnauthorized, "wrong channelID or token")
	}
	if err != nil {
		return err
	}
	// Keys are the channel's (docs/api.md "Idempotency").
	call, replayed, err := s.beginIdempotent(w, r, "channel:"+ch.ProjectID+"/"+ch.ID, tok, key, body)
	if err != nil || replayed {
		return err
	}
	defer call.end()
	r = call.bind(r)
	in := store.Inbound{ProjectID: ch.ProjectID, ChannelID: ch.ID, Bot: ch.Bot,
		UserID: userID, SenderID: req.SenderID, Text: *req.Message, Attachments: req.Attachments, Now: s.Now()}
	if s.Prepare != nil {
		s.Prepare(&in, ch)
	}
	ctx := r.Context()
	if call != nil {
		ctx = keepAnswerOf(r, func(result any) keptAnswer {
			// A new user's id is known only in Accept's transaction.
			return keptAnswer{Status: http.StatusOK, Body: sendResponse{ChannelID: ch.ID, Message: *req.Message, UserID: result.(store.Accepted).UserID,
				SenderID: req.SenderID, Success: true}}
		})
	}
	acc, err := s.Store.Accept(ctx, in)
	if err != nil {
		return call.settle(w, r, err)
	}
	s.Metrics.Accepted.Inc()
	s.Accepted(acc)
	writeJSON(w, http.StatusOK, sendResponse{ChannelID: ch.ID, Message: *req.Message, UserID: acc.UserID, SenderID: req.SenderID, Success: true})
	return nil
}

// checkAttachment accepts {base64: "data:<type>;base64,<data>"} or
// {url: "http(s)://..."}.
func checkAttachment(a store.Attachment) error {
	switch {
	case a.Base64 != "" && a.URL != "":
		return errors.New("an attachment has base64 or url, not both")
	case a.Base64 != "":
		meta, _, ok := strings.Cut(a.Base64, ",")
		if !strings.HasPrefix(meta, "data:") || !strings.HasSuffix(meta, ";base64") || !ok {
			return errors.New(`base64 must be a data URL: "data:<type>;base64,<data>"`)
		}
	case a.URL != "":
		u, err := url.Parse(a.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("url must be an absolute http or https URL")
		}
	default:
		return errors.New("an attachment needs base64 or url")
	}
	return nil
}
