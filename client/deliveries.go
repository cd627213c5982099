package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The statuses of a delivery.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryDead      = "dead"
)

// Delivery is one bot message on its way to a channel's webhook.
type Delivery struct {
	// ID is the delivery's webhook-id.
	ID             string `json:"id"`
	ConversationID string `json:"conversationID"`
	// Status is DeliveryPending, DeliveryDelivered or DeliveryDead.
	Status   string `json:"status"`
	Attempts int    `json:"attempts"`
	// NextAt is when a pending delivery is due (zero otherwise).
	NextAt time.Time `json:"nextAt,omitzero"`
	// LastStatus and LastError are of the last attempt; LastStatus is 0
	// when it got no HTTP answer.
	LastStatus int               `json:"lastStatus,omitempty"`
	LastError  string            `json:"lastError,omitempty"`
	CreatedAt  time.Time         `json:"createdAt"`
	History    []DeliveryAttempt `json:"history"`
}

// DeliveryAttempt is one attempt of a delivery.
type DeliveryAttempt struct {
	At time.Time `json:"at"`
	// Status is the webhook's status, 0 when no answer came.
	Status    int    `json:"status"`
	LatencyMs int64  `json:"latencyMs"`
	Error     string `json:"error,omitempty"`
	// ResponseExcerpt is the first 512 bytes of the webhook's answer.
	ResponseExcerpt string `json:"responseExcerpt,omitempty"`
}

// DeliveryList is the answer of ListDeliveries.
type DeliveryList struct {
	Deliveries []Delivery `json:"deliveries"`
}

// ListDeliveriesOptions narrows ListDeliveries.
type ListDeliveriesOptions struct {
	// Limit is how many deliveries to list at most, 1 to 500; zero means
	// the server's default (50).
	Limit int
}

// ReplayResult is the answer of ReplayDelivery.
type ReplayResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// ListDeliveries returns a channel's deliveries, newest first
// (GET /v1/channels/{channelID}/deliveries).
func (c *Client) ListDeliveries(ctx context.Context, channelID string, opts ListDeliveriesOptions) (*DeliveryList, error) {
	target := path("/v1/channels", channelID, "deliveries")
	q := url.Values{}
	if opts.Limit != 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	var out DeliveryList
	if err := c.do(ctx, http.MethodGet, target, nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// ReplayDelivery makes a dead delivery pending again, to be sent with the
// same webhook-id and body (POST /v1/deliveries/{deliveryID}/replay). A
// delivery that is not dead is a 409 *Error.
func (c *Client) ReplayDelivery(ctx context.Context, deliveryID string, opts ...CallOption) (*ReplayResult, error) {
	var out ReplayResult
	if err := c.do(ctx, http.MethodPost, path("/v1/deliveries", deliveryID, "replay"), nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}
