package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Conversation is a conversation of a user with a bot on a channel. Block
// and Vars are set by GetConversation only.
type Conversation struct {
	ID        string `json:"id"`
	Bot       string `json:"bot"`
	ChannelID string `json:"channelID"`
	UserID    int64  `json:"userID"`
	SenderID  string `json:"senderID,omitempty"`
	// Status is where the flow stands: "new", "input", "call",
	// "callback", "paused" or "ended".
	Status string `json:"status"`
	// Block is the block the flow stands at (the one that waits), when
	// one does.
	Block string `json:"block,omitempty"`
	// Vars are the session variables; the values of the server's secrets
	// are "[redacted]".
	Vars          map[string]any `json:"vars,omitempty"`
	CreatedAt     time.Time      `json:"createdAt"`
	UpdatedAt     time.Time      `json:"updatedAt"`
	LastMessageAt time.Time      `json:"lastMessageAt,omitzero"`
}

// ConversationList is a page of ListConversations.
type ConversationList struct {
	Conversations []Conversation `json:"conversations"`
	// NextCursor, when not empty, lists the next page as
	// ListConversationsOptions.Cursor.
	NextCursor string `json:"nextCursor,omitempty"`
}

// ListConversationsOptions filters and pages ListConversations; zero
// fields do not filter.
type ListConversationsOptions struct {
	Bot       string
	ChannelID string
	// Status is "new", "input", "call", "callback", "paused" or "ended".
	Status string
	// User is a user's id (as a number's text) or a sender id.
	User         string
	UpdatedSince time.Time
	// Limit is the page's size, 1 to 200; zero means the server's default
	// (50).
	Limit int
	// Cursor is the NextCursor of the previous page.
	Cursor string
}

// ListConversations returns a page of the project's conversations, most
// recently updated first (GET /v1/conversations).
func (c *Client) ListConversations(ctx context.Context, opts ListConversationsOptions) (*ConversationList, error) {
	q := url.Values{}
	queryParam(q, "bot", opts.Bot)
	queryParam(q, "channel", opts.ChannelID)
	queryParam(q, "status", opts.Status)
	queryParam(q, "user", opts.User)
	if !opts.UpdatedSince.IsZero() {
		q.Set("updatedSince", opts.UpdatedSince.Format(time.RFC3339Nano))
	}
	queryPage(q, opts.Limit, opts.Cursor)
	var out ConversationList
	if err := c.do(ctx, http.MethodGet, withQuery("/v1/conversations", q), nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetConversation returns a conversation with its block and variables
// (GET /v1/conversations/{conversationID}).
func (c *Client) GetConversation(ctx context.Context, conversationID string) (*Conversation, error) {
	var out Conversation
	if err := c.do(ctx, http.MethodGet, path("/v1/conversations", conversationID), nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// ConversationMessage is a message of a conversation.
type ConversationMessage struct {
	Seq int64 `json:"seq"`
	// Direction is "in" (from the user) or "out" (to the user).
	Direction string `json:"direction"`
	Text      string `json:"text"`
	// Rich is the rest of a message to the user (quick replies, buttons,
	// images, cards, a drop-down), as JSON; nil when it has none.
	Rich json.RawMessage `json:"rich,omitempty"`
	// As and AdminID say who sent a message through the API: "bot" or
	// "agent", and the agent.
	As      string `json:"as,omitempty"`
	AdminID int64  `json:"adminID,omitempty"`
	// Attachments are the files the user sent with the message.
	Attachments []Attachment `json:"attachments,omitempty"`
	CreatedAt   time.Time    `json:"createdAt"`
}

// ConversationMessageList is a page of ListConversationMessages.
type ConversationMessageList struct {
	Messages   []ConversationMessage `json:"messages"`
	NextCursor string                `json:"nextCursor,omitempty"`
}

// ListConversationMessagesOptions bounds and pages ListConversationMessages.
type ListConversationMessagesOptions struct {
	// After and Before keep the messages whose Seq is greater, or
	// smaller; zero does not bound.
	After, Before int64
	// Desc lists newest first.
	Desc   bool
	Limit  int
	Cursor string
}

// ListConversationMessages returns a page of a conversation's messages, oldest first
// unless opts.Desc (GET /v1/conversations/{conversationID}/messages).
func (c *Client) ListConversationMessages(ctx context.Context, conversationID string, opts ListConversationMessagesOptions) (*ConversationMessageList, error) {
	q := url.Values{}
	if opts.After > 0 {
		q.Set("after", strconv.FormatInt(opts.After, 10))
	}
	if opts.Before > 0 {
		q.Set("before", strconv.FormatInt(opts.Before, 10))
	}
	if opts.Desc {
		q.Set("order", "desc")
	}
	queryPage(q, opts.Limit, opts.Cursor)
	var out ConversationMessageList
	if err := c.do(ctx, http.MethodGet, withQuery(path("/v1/conversations", conversationID, "messages"), q), nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// TurnLog is the execution log of one turn.
type TurnLog struct {
	// Seq is the last message the turn handled.
	Seq   int64     `json:"seq"`
	At    time.Time `json:"at"`
	Steps []LogStep `json:"steps"`
}

// LogStep is one step of a turn: Kind says which ("enter", "branch",
// "set", "send", "wait", "call", "result", "retry", "keyword",
// "not_understood", "error", "end", "message"), and the other fields that
// kind has are set.
type LogStep struct {
	Kind   string `json:"kind"`
	Block  string `json:"block,omitempty"`
	Type   string `json:"type,omitempty"`
	Detail string `json:"detail,omitempty"`
	Goto   string `json:"goto,omitempty"`
	Var    string `json:"var,omitempty"`
	Old    any    `json:"old,omitempty"`
	New    any    `json:"new,omitempty"`
	// Seq is the message whose steps start here (Kind "message").
	Seq int64 `json:"seq,omitempty"`
	// Status, LatencyMs, Error and ErrorClass say how a call went (Kind
	// "call"), and Requests lists the HTTP requests it made.
	Status     int          `json:"status,omitempty"`
	LatencyMs  float64      `json:"latencyMs,omitempty"`
	Error      string       `json:"error,omitempty"`
	ErrorClass string       `json:"errorClass,omitempty"`
	Requests   []LogRequest `json:"requests,omitempty"`
}

// LogRequest is one HTTP request of a call, its URL's credentials and
// the bot's secrets replaced by "[redacted]".
type LogRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	// Status is the answer's HTTP status, 0 when no answer came.
	Status int `json:"status,omitempty"`
	// LatencyMs runs from sending the request to the end of the answer's
	// body.
	LatencyMs float64 `json:"latencyMs"`
	// Bytes is the size of the answer's body as read.
	Bytes int `json:"bytes"`
	// ErrorClass says why no (whole) answer came: "blocked", "timeout",
	// "dns", "refused", "tls", "too_large", "network", "canceled".
	ErrorClass string `json:"errorClass,omitempty"`
}

// TurnLogList is a page of ListConversationLogs.
type TurnLogList struct {
	Logs       []TurnLog `json:"logs"`
	NextCursor string    `json:"nextCursor,omitempty"`
}

// ListConversationLogsOptions pages ListConversationLogs.
type ListConversationLogsOptions struct {
	Desc   bool
	Limit  int
	Cursor string
}

// ListConversationLogs returns a page of a conversation's execution log, one entry per
// turn, oldest first unless opts.Desc
// (GET /v1/conversations/{conversationID}/logs).
func (c *Client) ListConversationLogs(ctx context.Context, conversationID string, opts ListConversationLogsOptions) (*TurnLogList, error) {
	q := url.Values{}
	if opts.Desc {
		q.Set("order", "desc")
	}
	queryPage(q, opts.Limit, opts.Cursor)
	var out TurnLogList
	if err := c.do(ctx, http.MethodGet, withQuery(path("/v1/conversations", conversationID, "logs"), q), nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// queryParam sets a query parameter that is not empty.
func queryParam(q url.Values, name, value string) {
	if value != "" {
		q.Set(name, value)
	}
}

// queryPage sets a list's limit and cursor.
func queryPage(q url.Values, limit int, cursor string) {
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	queryParam(q, "cursor", cursor)
}

// withQuery appends q to target when it is not empty.
func withQuery(target string, q url.Values) string {
	if len(q) == 0 {
		return target
	}
	return target + "?" + q.Encode()
}
