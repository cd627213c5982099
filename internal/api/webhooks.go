package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/confab/confab/internal/events"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/webhook"
)

// Event webhooks (docs/api.md "Events"): a project subscribes a URL to
// event types, and each event of those types is POSTed there, signed with
// the subscription's secret, retried and logged like a channel's replies.
// The store raises the events; these routes manage the subscriptions.

// webhookRequest is the body of POST /v1/webhooks.
type webhookRequest struct {
	URL         *string   `json:"url"`
	Events      *[]string `json:"events"`
	Description *string   `json:"description"`
}

// webhookUpdate is the body of PATCH /v1/webhooks/{webhookID}.
type webhookUpdate struct {
	URL          *string   `json:"url"`
	Events       *[]string `json:"events"`
	Description  *string   `json:"description"`
	RotateSecret bool      `json:"rotateSecret"`
	// Enable resumes deliveries to a disabled endpoint (so does a new
	// url).
	Enable bool `json:"enable"`
}

// MaxDescription is the longest description of a subscription, in
// characters.
const MaxDescription = 500

// webhookResponse is a subscription as the API shows it; Secret only when
// it was just made.
type webhookResponse struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description,omitempty"`
	Secret      string   `json:"secret,omitempty"`
	// Disabled says why deliveries stopped (410 Gone, or failing for five
	// days); FailingSince when the endpoint started failing.
	Disabled     string `json:"disabled,omitempty"`
	FailingSince string `json:"failingSince,omitempty"`
	CreatedAt    string `json:"createdAt"`
	UpdatedAt    string `json:"updatedAt"`
}

func showWebhook(s store.Subscription) webhookResponse {
	r := webhookResponse{ID: s.ID, URL: s.URL, Events: s.Events, Description: s.Description, Disabled: s.Disabled,
		CreatedAt: s.CreatedAt.Format(time.RFC3339Nano), UpdatedAt: s.UpdatedAt.Format(time.RFC3339Nano)}
	if r.Events == nil {
		r.Events = []string{}
	}
	if !s.FailingSince.IsZero() {
		r.FailingSince = s.FailingSince.Format(time.RFC3339Nano)
	}
	return r
}

// checkWebhook validates the fields present, naming the pointer of a bad
// one.
func checkWebhook(req *webhookRequest) error {
	if req.URL != nil {
		u, err := url.Parse(*req.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return badRequest("/url", "url must be an absolute http or https URL")
		}
	}
	if req.Events != nil {
		if len(*req.Events) == 0 {
			return badRequest("/events", `events must name at least one event type, or "*" for all`)
		}
		seen := map[string]bool{}
		for i, e := range *req.Events {
			pointer := "/events/" + strconv.Itoa(i)
			switch {
			case !events.Known(e):
				return badRequest(pointer, "unknown event type "+strconv.Quote(e)+`; the types are `+typeList()+`, or "*" for all`)
			case seen[e]:
				return badRequest(pointer, strconv.Quote(e)+" is named twice")
			}
			seen[e] = true
		}
	}
	if req.Description != nil && utf8.RuneCountInString(*req.Description) > MaxDescription {
		return badRequest("/description", "description must have at most "+strconv.Itoa(MaxDescription)+" characters")
	}
	return nil
}

// typeList is the event types, quoted, separated by commas.
func typeList() string {
	s := ""
	for i, t := range events.Types {
		if i > 0 {
			s += ", "
		}
		s += strconv.Quote(t)
	}
	return s
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var req webhookRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	if req.URL == nil {
		return badRequest("/url", "url is required")
	}
	if req.Events == nil {
		return badRequest("/events", `events is required: the event types to send, or ["*"] for all`)
	}
	if err := checkWebhook(&req); err != nil {
		return err
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return err
	}
	now := s.Now()
	sub := store.Subscription{ID: store.NewID("wh"), ProjectID: projectOf(r.Context()), URL: *req.URL, Events: *req.Events,
		Secret: secret.String(), CreatedAt: now, UpdatedAt: now}
	if req.Description != nil {
		sub.Description = *req.Description
	}
	resp := showWebhook(sub)
	resp.Secret = sub.Secret
	if err := s.Store.CreateSubscription(keepAnswer(r, http.StatusCreated, resp), sub); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, resp)
	return nil
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	subs, err := s.Store.ListSubscriptions(r.Context(), projectOf(r.Context()))
	if err != nil {
		return err
	}
	out := make([]webhookResponse, len(subs))
	for i, sub := range subs {
		out[i] = showWebhook(sub)
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": out})
	return nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.Store.GetSubscription(r.Context(), projectOf(r.Context()), r.PathValue("webhookID"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, showWebhook(sub))
	return nil
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	var req webhookUpdate
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	if err := checkWebhook(&webhookRequest{URL: req.URL, Events: req.Events, Description: req.Description}); err != nil {
		return err
	}
	sub, err := s.Store.GetSubscription(r.Context(), projectOf(r.Context()), r.PathValue("webhookID"))
	if err != nil {
		return err
	}
	if req.URL != nil && *req.URL != sub.URL {
		sub.URL = *req.URL
		req.Enable = true
	}
	if req.Enable {
		sub.Disabled, sub.FailingSince = "", time.Time{}
	}
	if req.Events != nil {
		sub.Events = *req.Events
	}
	if req.Description != nil {
		sub.Description = *req.Description
	}
	newSecret := ""
	if req.RotateSecret {
		secret, err := webhook.NewSecret()
		if err != nil {
			return err
		}
		newSecret = secret.String()
		// The old secret signs beside the new one for SecretOverlap, as a
		// channel's does.
		sub.PreviousSecret, sub.PreviousUntil = sub.Secret, s.Now().Add(SecretOverlap)
		sub.Secret = newSecret
	}
	sub.UpdatedAt = s.Now()
	if err := s.Store.UpdateSubscription(r.Context(), sub); err != nil {
		return err
	}
	resp := showWebhook(sub)
	resp.Secret = newSecret
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := s.Store.DeleteSubscription(r.Context(), projectOf(r.Context()), r.PathValue("webhookID")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// testEventWebhook POSTs a signed webhook.test event to a subscription's
// URL, once, and says what happened.
func (s *Server) testEventWebhook(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.Store.GetSubscription(r.Context(), projectOf(r.Context()), r.PathValue("webhookID"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.TestEvent(r.Context(), sub))
	return nil
}

// eventDeliveryResponse is an event's delivery as the log shows it.
type eventDeliveryResponse struct {
	ID             string            `json:"id"`
	EventID        string            `json:"eventID"`
	EventType      string            `json:"eventType"`
	ConversationID string            `json:"conversationID,omitempty"`
	Status         string            `json:"status"`
	Attempts       int               `json:"attempts"`
	NextAt         string            `json:"nextAt,omitempty"`
	LastStatus     int               `json:"lastStatus,omitempty"`
	LastError      string            `json:"lastError,omitempty"`
	CreatedAt      string            `json:"createdAt"`
	History        []attemptResponse `json:"history"`
}

func (s *Server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	limit, err := deliveryLimit(r)
	if err != nil {
		return err
	}
	project, id := projectOf(r.Context()), r.PathValue("webhookID")
	if _, err := s.Store.GetSubscription(r.Context(), project, id); err != nil {
		return err
	}
	ds, err := s.Store.ListSubscriptionDeliveries(r.Context(), project, id, limit)
	if err != nil {
		return err
	}
	out := make([]eventDeliveryResponse, len(ds))
	for i, d := range ds {
		next, history := deliveryProgress(d)
		out[i] = eventDeliveryResponse{ID: d.ID, EventID: d.EventID, EventType: d.EventType, ConversationID: d.EventConversation(), Status: d.Status,
			Attempts: d.Attempts, NextAt: next, LastStatus: d.LastStatus, LastError: d.LastError, CreatedAt: d.CreatedAt.Format(time.RFC3339Nano),
			History: history}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
	return nil
}

// deliveryLimit reads a delivery log's limit parameter: 1 to 500, 50 when
// absent.
func deliveryLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 500 {
		return 0, badRequest("", "limit must be a number from 1 to 500")
	}
	return n, nil
}
