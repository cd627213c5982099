package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Steering a conversation: each method stores a command in the
// conversation's order and returns once the server has carried it out.
// When the server answers 202 (a turn of the conversation was still running
// when it stopped waiting), the method reads the command back until it is
// done, for as long as ctx allows.

// OperatorMessage is a message sent to a conversation's user through the
// API (SendConversationMessage): a text, rich content, or both.
type OperatorMessage struct {
	Text string       `json:"text,omitempty"`
	Rich *RichMessage `json:"rich,omitempty"`
	// As is "bot" or "agent". Required.
	As string `json:"as"`
	// AdminID is the agent who sends it, from 1: required with As
	// "agent", not allowed with "bot". The webhook body carries it.
	AdminID int64 `json:"adminID,omitempty"`
}

// RichMessage is the rest of a message, as a bot message has it.
type RichMessage struct {
	QuickReplies []QuickReply `json:"quickReplies,omitempty"`
	Buttons      []Button     `json:"buttons,omitempty"`
	Image        string       `json:"image,omitempty"`
	Gif          string       `json:"gif,omitempty"`
	Cards        []Card       `json:"cards,omitempty"`
	// Carousel shows the cards as a carousel.
	Carousel bool      `json:"carousel,omitempty"`
	Dropdown *Dropdown `json:"dropdown,omitempty"`
}

// QuickReply is a choice offered to the user; Payload (sent back when it
// is picked) defaults to Title.
type QuickReply struct {
	Title   string `json:"title"`
	Payload string `json:"payload,omitempty"`
}

// Button is a postback (Payload), link (URL) or web view (Webview) button.
type Button struct {
	Title   string `json:"title"`
	Payload string `json:"payload,omitempty"`
	URL     string `json:"url,omitempty"`
	Webview string `json:"webview,omitempty"`
}

// Card is a title with an optional subtitle, image, link and buttons.
type Card struct {
	Title    string   `json:"title"`
	Subtitle string   `json:"subtitle,omitempty"`
	Image    string   `json:"image,omitempty"`
	URL      string   `json:"url,omitempty"`
	Buttons  []Button `json:"buttons,omitempty"`
}

// Dropdown is a list of options to pick one from.
type Dropdown struct {
	Placeholder string       `json:"placeholder,omitempty"`
	Options     []QuickReply `json:"options"`
}

// SentConversationMessage is the answer of SendConversationMessage.
type SentConversationMessage struct {
	ConversationID string `json:"conversationID"`
	CommandID      string `json:"commandID"`
	// Seq is the message's number in the conversation.
	Seq int64 `json:"seq"`
	// DeliveryID is its webhook delivery's id (the webhook-id).
	DeliveryID string          `json:"deliveryId"`
	Message    OperatorMessage `json:"message"`
}

// ConversationState is the conversation as a steering command left it.
type ConversationState struct {
	ConversationID string `json:"conversationID"`
	CommandID      string `json:"commandID"`
	// Status is "paused" while paused (by the API or a handover block),
	// else where the flow stands: "input", "call", "callback", "ended",
	// or "" before the first turn.
	Status string `json:"status"`
	// Paused says the bot does not answer the user.
	Paused bool `json:"paused"`
	// Block is the block the flow waits at.
	Block string `json:"block,omitempty"`
	// Vars are all the conversation's variables; the values of the
	// server's secrets are "[redacted]".
	Vars map[string]any `json:"vars"`
}

// TriggerRequest is the body of TriggerBlock.
type TriggerRequest struct {
	// Block is the id of a block of the conversation's bot. Required.
	Block string `json:"block"`
	// Vars are set before the jump; a nil value deletes a variable.
	Vars map[string]any `json:"vars,omitempty"`
}

// Command statuses.
const (
	CommandPending = "pending"
	CommandDone    = "done"
	CommandFailed  = "failed"
)

// Command is a steering command as GetConversationCommand returns it.
type Command struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversationID"`
	// Kind is "message", "session", "pause", "unpause" or "trigger".
	Kind string `json:"kind"`
	// Status is CommandPending, CommandDone or CommandFailed.
	Status    string    `json:"status"`
	URL       string    `json:"url"`
	CreatedAt time.Time `json:"createdAt"`
	DoneAt    time.Time `json:"doneAt,omitzero"`
	// Error says why a failed command failed.
	Error string `json:"error,omitempty"`
	// Result is what the command's route answers once it is done: a
	// SentConversationMessage or a ConversationState, as JSON.
	Result json.RawMessage `json:"result,omitempty"`
}

// SendConversationMessage sends a message to a conversation's user as the
// bot or as an agent; it is delivered to the channel's webhook like a
// reply (POST /v1/conversations/{conversationID}/messages).
func (c *Client) SendConversationMessage(ctx context.Context, conversationID string, msg OperatorMessage, opts ...CallOption) (*SentConversationMessage, error) {
	var out SentConversationMessage
	if err := c.steer(ctx, http.MethodPost, path("/v1/conversations", conversationID, "messages"), msg, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// SetConversationSession sets a conversation's variables, merged into
// those it has; a nil value deletes one (PATCH
// /v1/conversations/{conversationID}/session).
func (c *Client) SetConversationSession(ctx context.Context, conversationID string, vars map[string]any, opts ...CallOption) (*ConversationState, error) {
	var out ConversationState
	body := struct {
		Vars map[string]any `json:"vars"`
	}{vars}
	if err := c.steer(ctx, http.MethodPatch, path("/v1/conversations", conversationID, "session"), body, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// PauseConversation holds the bot: the user's messages are stored but not
// answered, nor replayed later (POST
// /v1/conversations/{conversationID}/pause).
func (c *Client) PauseConversation(ctx context.Context, conversationID string, opts ...CallOption) (*ConversationState, error) {
	var out ConversationState
	if err := c.steer(ctx, http.MethodPost, path("/v1/conversations", conversationID, "pause"), nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// UnpauseConversation releases the bot; after a handover block the flow
// goes on at its next (POST /v1/conversations/{conversationID}/unpause).
func (c *Client) UnpauseConversation(ctx context.Context, conversationID string, opts ...CallOption) (*ConversationState, error) {
	var out ConversationState
	if err := c.steer(ctx, http.MethodPost, path("/v1/conversations", conversationID, "unpause"), nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// TriggerBlock moves a conversation to a block and runs the flow from there
// (POST /v1/conversations/{conversationID}/trigger). A block the bot does
// not have is a 422 *Error whose Pointer is "/block".
func (c *Client) TriggerBlock(ctx context.Context, conversationID string, req TriggerRequest, opts ...CallOption) (*ConversationState, error) {
	var out ConversationState
	if err := c.steer(ctx, http.MethodPost, path("/v1/conversations", conversationID, "trigger"), req, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetConversationCommand returns a steering command (GET
// /v1/conversations/{conversationID}/commands/{commandID}).
func (c *Client) GetConversationCommand(ctx context.Context, conversationID, commandID string) (*Command, error) {
	var out Command
	if err := c.do(ctx, http.MethodGet, path("/v1/conversations", conversationID, "commands", commandID), nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// steer sends a steering request and decodes its outcome into out. A 202
// answer is the pending command (the only answer with a url): it is read
// back until it is carried out, every 100 ms at first and at most every
// second. A command that failed then is a 422 *Error, as the route would
// have answered.
func (c *Client) steer(ctx context.Context, method, target string, in, out any, opts []CallOption) error {
	var raw json.RawMessage
	if err := c.do(ctx, method, target, in, &raw, opts); err != nil {
		return err
	}
	var pending struct {
		ID             string `json:"id"`
		ConversationID string `json:"conversationID"`
		URL            string `json:"url"`
	}
	if err := json.Unmarshal(raw, &pending); err != nil {
		return fmt.Errorf("confab: %s %s: the answer is not the JSON expected: %w", method, target, err)
	}
	for pause := 100 * time.Millisecond; pending.URL != ""; pause = min(2*pause, time.Second) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("confab: %s %s: waiting for command %s: %w", method, target, pending.ID, ctx.Err())
		case <-time.After(pause):
		}
		cmd, err := c.GetConversationCommand(ctx, pending.ConversationID, pending.ID)
		if err != nil {
			return err
		}
		switch cmd.Status {
		case CommandDone:
			raw, pending.URL = cmd.Result, ""
		case CommandFailed:
			return &Error{Method: method, Path: target, Status: http.StatusUnprocessableEntity, Type: "about:blank",
				Title: http.StatusText(http.StatusUnprocessableEntity), Detail: "the command could not be carried out: " + cmd.Error}
		}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("confab: %s %s: the answer is not the JSON expected: %w", method, target, err)
	}
	return nil
}
