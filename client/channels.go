package client

import (
	"context"
	"net/http"
	"time"
)

// Channel is an API channel. Token and WebhookSecret are set only in the
// answer that made them (CreateChannel, or UpdateChannel with a new token
// or secret): store them then, they are never shown again.
type Channel struct {
	ChannelID     string   `json:"channelID"`
	Bot           string   `json:"bot"`
	WebhookURL    string   `json:"webhookUrl"`
	Keywords      []string `json:"keywords"`
	Token         string   `json:"token,omitempty"`
	WebhookSecret string   `json:"webhookSecret,omitempty"`
	// WebhookDisabled says why deliveries stopped, when they did;
	// FailingSince is when the webhook started failing, while it fails.
	WebhookDisabled string    `json:"webhookDisabled,omitempty"`
	FailingSince    time.Time `json:"failingSince,omitzero"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
}

// CreateChannelRequest is a new channel (the body of POST /v1/channels).
type CreateChannelRequest struct {
	// Bot is the id of a bot the server serves. Required.
	Bot string `json:"bot"`
	// WebhookURL is where the bot's replies go. Required.
	WebhookURL string `json:"webhookUrl"`
	// Keywords are messages that start the conversation afresh.
	Keywords []string `json:"keywords,omitempty"`
	// ChannelID is your own id for the channel (3 to 64 letters, digits,
	// _ or -); empty lets the server make one.
	ChannelID string `json:"channelID,omitempty"`
	// Token is your own channel token (at least 32 characters); empty
	// lets the server make one.
	Token string `json:"token,omitempty"`
}

// UpdateChannelRequest changes a channel (the body of PATCH
// /v1/channels/{channelID}); zero fields are left as they are.
type UpdateChannelRequest struct {
	Bot        string `json:"bot,omitempty"`
	WebhookURL string `json:"webhookUrl,omitempty"`
	// Keywords replaces the list when not nil; an empty, non-nil slice
	// removes them all.
	Keywords []string `json:"keywords,omitzero"`
	// Token sets your own token (at least 32 characters).
	Token string `json:"token,omitempty"`
	// RotateToken makes a new token; RotateSecret a new webhook secret
	// (the old one still signs for 24 hours). The answer shows them once.
	RotateToken  bool `json:"rotateToken,omitempty"`
	RotateSecret bool `json:"rotateSecret,omitempty"`
	// EnableWebhook resumes deliveries to a disabled webhook.
	EnableWebhook bool `json:"enableWebhook,omitempty"`
}

// ChannelList is the answer of ListChannels.
type ChannelList struct {
	Channels []Channel `json:"channels"`
}

// TestWebhookResult is what a channel's webhook answered to a sample.
type TestWebhookResult struct {
	// Reachable is true when the webhook answered 2xx.
	Reachable bool `json:"reachable"`
	// Status is the webhook's status, 0 when no answer came.
	Status    int    `json:"status"`
	LatencyMs int64  `json:"latencyMs"`
	Error     string `json:"error,omitempty"`
}

// CreateChannel makes a channel (POST /v1/channels). The answer holds its
// token and webhook secret, shown this once.
func (c *Client) CreateChannel(ctx context.Context, req CreateChannelRequest, opts ...CallOption) (*Channel, error) {
	var out Channel
	if err := c.do(ctx, http.MethodPost, "/v1/channels", req, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListChannels returns the project's channels, oldest first
// (GET /v1/channels).
func (c *Client) ListChannels(ctx context.Context) (*ChannelList, error) {
	var out ChannelList
	if err := c.do(ctx, http.MethodGet, "/v1/channels", nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetChannel returns a channel (GET /v1/channels/{channelID}).
func (c *Client) GetChannel(ctx context.Context, channelID string) (*Channel, error) {
	var out Channel
	if err := c.do(ctx, http.MethodGet, path("/v1/channels", channelID), nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateChannel changes a channel (PATCH /v1/channels/{channelID}) and
// returns it as changed.
func (c *Client) UpdateChannel(ctx context.Context, channelID string, req UpdateChannelRequest) (*Channel, error) {
	var out Channel
	if err := c.do(ctx, http.MethodPatch, path("/v1/channels", channelID), req, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteChannel deletes a channel (DELETE /v1/channels/{channelID}).
func (c *Client) DeleteChannel(ctx context.Context, channelID string) error {
	return c.do(ctx, http.MethodDelete, path("/v1/channels", channelID), nil, nil, nil)
}

// TestWebhook makes the server POST a signed sample to the channel's
// webhook and returns what the webhook answered
// (POST /v1/channels/{channelID}/test-webhook).
func (c *Client) TestWebhook(ctx context.Context, channelID string, opts ...CallOption) (*TestWebhookResult, error) {
	var out TestWebhookResult
	if err := c.do(ctx, http.MethodPost, path("/v1/channels", channelID, "test-webhook"), nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}
