package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The event types a webhook may subscribe to; EventAll subscribes to
// every type.
const (
	EventConversationStarted  = "conversation.started"
	EventMessageReceived      = "message.received"
	EventMessageSent          = "message.sent"
	EventConversationPaused   = "conversation.paused"
	EventConversationUnpaused = "conversation.unpaused"
	EventHandoverRequested    = "handover.requested"
	EventConversationEnded    = "conversation.ended"
	EventDeliveryFailed       = "delivery.failed"
	EventAll                  = "*"
	// EventWebhookTest is the type of the sample SendTestEvent sends.
	EventWebhookTest = "webhook.test"
)

// Webhook is an event subscription: the project's events of its types are
// POSTed to its URL, signed with its secret. Secret is set only in the
// answer that made it (CreateWebhook, or UpdateWebhook with RotateSecret):
// store it then, it is never shown again.
type Webhook struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description,omitempty"`
	Secret      string   `json:"secret,omitempty"`
	// Disabled says why deliveries stopped, when they did; FailingSince is
	// when the endpoint started failing, while it fails.
	Disabled     string    `json:"disabled,omitempty"`
	FailingSince time.Time `json:"failingSince,omitzero"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// CreateWebhookRequest is a new event subscription (the body of POST
// /v1/webhooks).
type CreateWebhookRequest struct {
	// URL is where the events go (http or https). Required.
	URL string `json:"url"`
	// Events are the event types to send (Event...), or EventAll.
	// Required.
	Events      []string `json:"events"`
	Description string   `json:"description,omitempty"`
}

// UpdateWebhookRequest changes a subscription (the body of PATCH
// /v1/webhooks/{webhookID}); zero fields are left as they are.
type UpdateWebhookRequest struct {
	URL string `json:"url,omitempty"`
	// Events replaces the types when not nil.
	Events      []string `json:"events,omitempty"`
	Description string   `json:"description,omitempty"`
	// RotateSecret makes a new secret (shown in the answer, once); the old
	// one still signs for 24 hours.
	RotateSecret bool `json:"rotateSecret,omitempty"`
	// Enable resumes deliveries to a disabled endpoint (a new URL does
	// too).
	Enable bool `json:"enable,omitempty"`
}

// WebhookList is the answer of ListWebhooks.
type WebhookList struct {
	Webhooks []Webhook `json:"webhooks"`
}

// EventDelivery is one event on its way to a webhook.
type EventDelivery struct {
	// ID is the delivery's webhook-id.
	ID        string `json:"id"`
	EventID   string `json:"eventID"`
	EventType string `json:"eventType"`
	// ConversationID is the conversation the event is about, if any.
	ConversationID string `json:"conversationID,omitempty"`
	// Status is DeliveryPending, DeliveryDelivered or DeliveryDead.
	Status     string            `json:"status"`
	Attempts   int               `json:"attempts"`
	NextAt     time.Time         `json:"nextAt,omitzero"`
	LastStatus int               `json:"lastStatus,omitempty"`
	LastError  string            `json:"lastError,omitempty"`
	CreatedAt  time.Time         `json:"createdAt"`
	History    []DeliveryAttempt `json:"history"`
}

// EventDeliveryList is the answer of ListWebhookDeliveries.
type EventDeliveryList struct {
	Deliveries []EventDelivery `json:"deliveries"`
}

// Event is the body of an event webhook, as a receiver reads it; decode
// Data by Type (ConversationEventData, MessageEventData, ...).
type Event struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"createdAt"`
	ProjectID string          `json:"projectID"`
	Data      json.RawMessage `json:"data"`
}

// EventConversation is a conversation as events show it.
type EventConversation struct {
	ID        string `json:"id"`
	ChannelID string `json:"channelID"`
	Bot       string `json:"bot"`
	UserID    int64  `json:"userID"`
	SenderID  string `json:"senderID,omitempty"`
	// Status is new, input, call, callback, paused (handed over) or ended.
	Status string `json:"status"`
	// Paused says the bot does not answer (paused or handed over).
	Paused    bool      `json:"paused"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// EventMessage is a message as events show it.
type EventMessage struct {
	Seq         int64           `json:"seq"`
	Direction   string          `json:"direction"` // "in" or "out"
	Text        string          `json:"text"`
	Attachments json.RawMessage `json:"attachments,omitempty"`
	Rich        json.RawMessage `json:"rich,omitempty"`
	CreatedAt   time.Time       `json:"createdAt"`
}

// ConversationEventData is the data of conversation.started, .paused,
// .unpaused and .ended.
type ConversationEventData struct {
	Conversation EventConversation `json:"conversation"`
}

// MessageEventData is the data of message.received and message.sent.
type MessageEventData struct {
	Conversation EventConversation `json:"conversation"`
	Message      EventMessage      `json:"message"`
}

// HandoverEventData is the data of handover.requested.
type HandoverEventData struct {
	Conversation EventConversation `json:"conversation"`
	Block        string            `json:"block,omitempty"`
}

// DeliveryFailedEventData is the data of delivery.failed.
type DeliveryFailedEventData struct {
	// Reason is "dead_letter" (a reply's delivery was given up) or
	// "endpoint_disabled" (a channel's webhook was disabled).
	Reason         string `json:"reason"`
	ChannelID      string `json:"channelID"`
	DeliveryID     string `json:"deliveryID,omitempty"`
	ConversationID string `json:"conversationID,omitempty"`
	Attempts       int    `json:"attempts,omitempty"`
	LastStatus     int    `json:"lastStatus,omitempty"`
	LastError      string `json:"lastError,omitempty"`
	Disabled       string `json:"disabled,omitempty"`
}

// CreateWebhook subscribes a URL to events (POST /v1/webhooks). The answer
// holds its secret, shown this once.
func (c *Client) CreateWebhook(ctx context.Context, req CreateWebhookRequest, opts ...CallOption) (*Webhook, error) {
	var out Webhook
	if err := c.do(ctx, http.MethodPost, "/v1/webhooks", req, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListWebhooks returns the project's event subscriptions, oldest first
// (GET /v1/webhooks).
func (c *Client) ListWebhooks(ctx context.Context) (*WebhookList, error) {
	var out WebhookList
	if err := c.do(ctx, http.MethodGet, "/v1/webhooks", nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetWebhook returns an event subscription (GET /v1/webhooks/{webhookID}).
func (c *Client) GetWebhook(ctx context.Context, webhookID string) (*Webhook, error) {
	var out Webhook
	if err := c.do(ctx, http.MethodGet, path("/v1/webhooks", webhookID), nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateWebhook changes an event subscription (PATCH
// /v1/webhooks/{webhookID}) and returns it as changed.
func (c *Client) UpdateWebhook(ctx context.Context, webhookID string, req UpdateWebhookRequest) (*Webhook, error) {
	var out Webhook
	if err := c.do(ctx, http.MethodPatch, path("/v1/webhooks", webhookID), req, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteWebhook deletes an event subscription and its delivery log
// (DELETE /v1/webhooks/{webhookID}).
func (c *Client) DeleteWebhook(ctx context.Context, webhookID string) error {
	return c.do(ctx, http.MethodDelete, path("/v1/webhooks", webhookID), nil, nil, nil)
}

// SendTestEvent makes the server POST a signed webhook.test event to the
// subscription's URL, once, and says what it answered
// (POST /v1/webhooks/{webhookID}/test).
func (c *Client) SendTestEvent(ctx context.Context, webhookID string) (*TestWebhookResult, error) {
	var out TestWebhookResult
	if err := c.do(ctx, http.MethodPost, path("/v1/webhooks", webhookID, "test"), nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListWebhookDeliveries returns a subscription's deliveries, newest first
// (GET /v1/webhooks/{webhookID}/deliveries). ReplayDelivery replays a dead
// one.
func (c *Client) ListWebhookDeliveries(ctx context.Context, webhookID string, opts ListDeliveriesOptions) (*EventDeliveryList, error) {
	target := path("/v1/webhooks", webhookID, "deliveries")
	if opts.Limit != 0 {
		target += "?" + url.Values{"limit": {strconv.Itoa(opts.Limit)}}.Encode()
	}
	var out EventDeliveryList
	if err := c.do(ctx, http.MethodGet, target, nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}
