package client

import (
	"context"
	"net/http"
)

// CallbackAccepted is the answer to a wait block's callback that was
// stored: the conversation goes on in its turn.
type CallbackAccepted struct {
	Accepted       bool   `json:"accepted"`
	ConversationID string `json:"conversationID"`
}

// PostCallback POSTs body (any JSON value) to a wait block's callback
// (POST /v1/callbacks/{token}); token is the last segment of the URL the
// bot put in vars.callback_url. The signed URL is the credential: the
// client's token is not needed. A URL takes one POST: after that, or after
// the wait timed out, the answer is an *Error of status 410.
func (c *Client) PostCallback(ctx context.Context, token string, body any, opts ...CallOption) (*CallbackAccepted, error) {
	var out CallbackAccepted
	if err := c.do(ctx, http.MethodPost, path("/v1/callbacks", token), body, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}
