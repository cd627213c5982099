package client

import (
	"context"
	"net/http"
)

// SendMessageRequest is a user message for a channel's bot (the body of
// POST /v1/messages).
type SendMessageRequest struct {
	// ChannelID is the channel the message is for. Required.
	ChannelID string `json:"channelID"`
	// Token is the channel's token. When empty, the client's token is
	// sent instead, as Authorization: Bearer.
	Token string `json:"token,omitempty"`
	// Message is the user's text; it may be "" only with Attachments.
	Message string `json:"message"`
	// UserID is the user the message is from (from 1); zero makes a new
	// user, whose number the answer gives.
	UserID int64 `json:"userID,omitempty"`
	// SenderID is your own id for the user, instead of UserID (not both).
	SenderID string `json:"senderID,omitempty"`
	// Attachments are files sent with the message.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is a file sent with a message: exactly one of Base64 (a data
// URL, "data:<type>;base64,<data>") or URL (http or https).
type Attachment struct {
	Base64 string `json:"base64,omitempty"`
	URL    string `json:"url,omitempty"`
}

// SendMessageResponse says that a message is stored.
type SendMessageResponse struct {
	ChannelID string `json:"channelID"`
	Message   string `json:"message"`
	// UserID is the user the message was stored under; send it with the
	// user's next messages.
	UserID   int64  `json:"userID"`
	SenderID string `json:"senderID,omitempty"`
	Success  bool   `json:"success"`
}

// SendMessage stores a user message for the channel's bot
// (POST /v1/messages). It returns once the message is committed; the bot's
// replies go to the channel's webhook. An error answer is an *Error whose
// Message holds the server's error.
func (c *Client) SendMessage(ctx context.Context, req SendMessageRequest, opts ...CallOption) (*SendMessageResponse, error) {
	var out SendMessageResponse
	if err := c.do(ctx, http.MethodPost, "/v1/messages", req, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}
