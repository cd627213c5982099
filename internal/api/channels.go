package api

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/token"
	"github.com/confab/confab/internal/webhook"
)

// channelRequest is the body of POST /v1/channels and PATCH
// /v1/channels/{channelID}.
type channelRequest struct {
	ChannelID    *string   `json:"channelID"`
	Bot          *string   `json:"bot"`
	WebhookURL   *string   `json:"webhookUrl"`
	Keywords     *[]string `json:"keywords"`
	Token        *string   `json:"token"`
	RotateToken  bool      `json:"rotateToken"`
	RotateSecret bool      `json:"rotateSecret"`
	// EnableWebhook resumes deliveries to a disabled webhook (so does a
	// new webhookUrl).
	EnableWebhook bool `json:"enableWebhook"`
}

// SecretOverlap is how long the previous webhook secret still signs after
// a rotation, so receivers can switch without missing a delivery.
const SecretOverlap = 24 * time.Hour

// channelResponse is a channel as the API shows it; Token and
// WebhookSecret only when they were just made.
type channelResponse struct {
	ChannelID     string   `json:"channelID"`
	Bot           string   `json:"bot"`
	WebhookURL    string   `json:"webhookUrl"`
	Keywords      []string `json:"keywords"`
	Token         string   `json:"token,omitempty"`
	WebhookSecret string   `json:"webhookSecret,omitempty"`
	// WebhookDisabled says why deliveries stopped (410 Gone, or failing
	// for five days); FailingSince when the webhook started failing.
	WebhookDisabled string `json:"webhookDisabled,omitempty"`
	FailingSince    string `json:"failingSince,omitempty"`
	CreatedAt       string `json:"createdAt"`
	UpdatedAt       string `json:"updatedAt"`
}

func showChannel(c store.Channel) channelResponse {
	k := c.Keywords
	if k == nil {
		k = []string{}
	}
	r := channelResponse{ChannelID: c.ID, Bot: c.Bot, WebhookURL: c.WebhookURL, Keywords: k, WebhookDisabled: c.WebhookDisabled,
		CreatedAt: c.CreatedAt.Format(time.RFC3339Nano), UpdatedAt: c.UpdatedAt.Format(time.RFC3339Nano)}
	if !c.FailingSince.IsZero() {
		r.FailingSince = c.FailingSince.Format(time.RFC3339Nano)
	}
	return r
}

var channelIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{3,64}$`)

// check validates the fields present, naming the pointer of a bad one.
func (s *Server) checkChannel(req *channelRequest) error {
	if req.ChannelID != nil && !channelIDRE.MatchString(*req.ChannelID) {
		return badRequest("/channelID", "channelID must be 3 to 64 letters, digits, _ or -")
	}
	if req.Bot != nil && !s.Bots.Has(*req.Bot) {
		return badRequest("/bot", "no bot "+strconv.Quote(*req.Bot)+" is served here")
	}
	if req.WebhookURL != nil {
		u, err := url.Parse(*req.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return badRequest("/webhookUrl", "webhookUrl must be an absolute http or https URL")
		}
	}
	if req.Keywords != nil {
		for i, k := range *req.Keywords {
			if strings.TrimSpace(k) == "" {
				return badRequest("/keywords/"+strconv.Itoa(i), "a keyword must not be empty")
			}
		}
	}
	if req.Token != nil && len(*req.Token) < 32 {
		return badRequest("/token", "a channel token must have at least 32 characters")
	}
	return nil
}

func (s *Server) createChannel(w http.ResponseWriter, r *http.Request) error {
	var req channelRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	if req.Bot == nil {
		return badRequest("/bot", "bot is required")
	}
	if req.WebhookURL == nil {
		return badRequest("/webhookUrl", "webhookUrl is required")
	}
	if err := s.checkChannel(&req); err != nil {
		return err
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return err
	}
	now := s.Now()
	c := store.Channel{ID: store.NewID("ch"), ProjectID: projectOf(r.Context()), Bot: *req.Bot, WebhookURL: *req.WebhookURL,
		WebhookSecret: secret.String(), CreatedAt: now, UpdatedAt: now}
	if req.ChannelID != nil {
		c.ID = *req.ChannelID
	}
	if req.Keywords != nil {
		c.Keywords = *req.Keywords
	}
	tok := token.New(token.Channel)
	if req.Token != nil {
		tok = *req.Token
	}
	c.TokenHash = token.Hash(tok)
	resp := showChannel(c)
	resp.Token, resp.WebhookSecret = tok, c.WebhookSecret
	if err := s.Store.CreateChannel(keepAnswer(r, http.StatusCreated, resp), c); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return &httpError{status: http.StatusConflict, msg: "the channelID " + strconv.Quote(c.ID) + " is taken", pointer: "/channelID"}
		}
		return err
	}
	writeJSON(w, http.StatusCreated, resp)
	return nil
}

func (s *Server) listChannels(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.Store.ListChannels(r.Context(), projectOf(r.Context()))
	if err != nil {
		return err
	}
	out := make([]channelResponse, len(cs))
	for i, c := range cs {
		out[i] = showChannel(c)
	}
	writeJSON(w, http.StatusOK, map[string]any{"channels": out})
	return nil
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Store.GetChannel(r.Context(), projectOf(r.Context()), r.PathValue("channelID"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, showChannel(c))
	return nil
}

func (s *Server) updateChannel(w http.ResponseWriter, r *http.Request) error {
	var req channelRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	if req.ChannelID != nil {
		return badRequest("/channelID", "a channel's id cannot be changed; create a new channel")
	}
	if err := s.checkChannel(&req); err != nil {
		return err
	}
	c, err := s.Store.GetChannel(r.Context(), projectOf(r.Context()), r.PathValue("channelID"))
	if err != nil {
		return err
	}
	if req.Bot != nil {
		c.Bot = *req.Bot
	}
	if req.WebhookURL != nil && *req.WebhookURL != c.WebhookURL {
		c.WebhookURL = *req.WebhookURL
		req.EnableWebhook = true
	}
	if req.EnableWebhook {
		c.WebhookDisabled, c.FailingSince = "", time.Time{}
	}
	if req.Keywords != nil {
		c.Keywords = *req.Keywords
	}
	var newToken, newSecret string
	switch {
	case req.Token != nil:
		newToken = *req.Token
	case req.RotateToken:
		newToken = token.New(token.Channel)
	}
	if newToken != "" {
		c.TokenHash = token.Hash(newToken)
	}
	if req.RotateSecret {
		secret, err := webhook.NewSecret()
		if err != nil {
			return err
		}
		newSecret = secret.String()
		c.PreviousSecret, c.PreviousUntil = c.WebhookSecret, s.Now().Add(SecretOverlap)
		c.WebhookSecret = newSecret
	}
	c.UpdatedAt = s.Now()
	if err := s.Store.UpdateChannel(r.Context(), c); err != nil {
		return err
	}
	resp := showChannel(c)
	resp.Token, resp.WebhookSecret = newToken, newSecret
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) deleteChannel(w http.ResponseWriter, r *http.Request) error {
	if err := s.Store.DeleteChannel(r.Context(), projectOf(r.Context()), r.PathValue("channelID")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Store.GetChannel(r.Context(), projectOf(r.Context()), r.PathValue("channelID"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.TestWebhook(r.Context(), c))
	return nil
}
