// Package events defines the events Confab raises for event webhooks
// (subscriptions, POST /v1/webhooks): their types, and the JSON body each
// is sent as. The store writes an event into the outbox in the transaction
// of what it describes, as one delivery per subscription that wants it;
// the deliverer signs and sends it like a bot message (internal/webhook).
//
// Every event is sent as
//
//	{"id": "evt_...", "type": "message.received", "createdAt": "...", "projectID": "prj_...", "data": {...}}
//
// where data depends on the type (the *Data types below). docs/api.md
// ("Events") and the OpenAPI document's webhooks describe each with an
// example.
package events

import (
	"encoding/json"
	"time"

	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/webhook"
)

// The event types.
const (
	// ConversationStarted: a user's first message made a conversation.
	ConversationStarted = "conversation.started"
	// MessageReceived: a user's message was stored (also while the
	// conversation is paused).
	MessageReceived = "message.received"
	// MessageSent: the bot (or an agent) sent a message to the user.
	MessageSent = "message.sent"
	// ConversationPaused and ConversationUnpaused: the API paused the bot
	// of a conversation, or let it answer again.
	ConversationPaused   = "conversation.paused"
	ConversationUnpaused = "conversation.unpaused"
	// HandoverRequested: the flow reached a handover block; the bot is
	// paused until the conversation is unpaused.
	HandoverRequested = "handover.requested"
	// ConversationEnded: the flow reached its end (the next message starts
	// it again).
	ConversationEnded = "conversation.ended"
	// DeliveryFailed: a bot message's delivery to a channel's webhook was
	// dead-lettered, or a channel's webhook was disabled.
	DeliveryFailed = "delivery.failed"
	// WebhookTest is the sample POST /v1/webhooks/{webhookID}/test sends;
	// no subscription can ask for it.
	WebhookTest = "webhook.test"
)

// Any, in a subscription's events, wants every type.
const Any = "*"

// Types are the types a subscription may ask for, in the order the docs
// list them.
var Types = []string{ConversationStarted, MessageReceived, MessageSent, ConversationPaused, ConversationUnpaused,
	HandoverRequested, ConversationEnded, DeliveryFailed}

// Known reports whether a subscription may ask for t (a type, or Any).
func Known(t string) bool {
	if t == Any {
		return true
	}
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

// Event is one event as sent.
type Event struct {
	// ID is "evt_" and 26 characters, sortable by time; the same in the
	// body of every subscription's delivery of the event (each delivery
	// has its own webhook-id).
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"createdAt"`
	ProjectID string    `json:"projectID"`
	Data      any       `json:"data"`
}

// New makes an event of a project, at a time, with a new id.
func New(typ, projectID string, at time.Time, data any) Event {
	return Event{ID: NewID(at), Type: typ, CreatedAt: at.UTC(), ProjectID: projectID, Data: data}
}

// NewID returns a new event id: "evt_" and 26 characters, sortable by time
// (as webhook ids are).
func NewID(at time.Time) string { return "evt_" + webhook.NewMessageID(at)[len("msg_"):] }

// JSON encodes the event as it is sent.
func (e Event) JSON() []byte {
	data, err := json.Marshal(e)
	if err != nil {
		panic("events: " + err.Error()) // plain types and raw JSON that the store wrote: cannot fail
	}
	return data
}

// Conversation is a conversation as events show it.
type Conversation struct {
	ID        string `json:"id"`
	ChannelID string `json:"channelID"`
	Bot       string `json:"bot"`
	UserID    int64  `json:"userID"`
	SenderID  string `json:"senderID,omitempty"`
	// Status is what the conversation waits for: new, input, call,
	// callback, paused (handed over) or ended.
	Status string `json:"status"`
	// Paused says the bot does not answer: an operator paused it, or the
	// flow handed the conversation over.
	Paused    bool      `json:"paused"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// ConversationOf shows a stored conversation.
func ConversationOf(c store.Conversation) Conversation {
	status := c.Status
	if status == "" {
		status = "new"
	}
	var st struct {
		Held bool `json:"held"` // flow.State.Held
	}
	if len(c.State) > 0 {
		_ = json.Unmarshal(c.State, &st) // a state that does not read is not held
	}
	return Conversation{ID: c.ID, ChannelID: c.ChannelID, Bot: c.Bot, UserID: c.UserID, SenderID: c.SenderID, Status: status,
		Paused: st.Held || status == "paused", CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

// Message is a message of a conversation as events show it.
type Message struct {
	Seq       int64  `json:"seq"`
	Direction string `json:"direction"` // "in" (from the user) or "out" (to the user)
	Text      string `json:"text"`
	// Attachments are an inbound message's files, as the user sent them.
	Attachments json.RawMessage `json:"attachments,omitempty"`
	// Rich is an outbound message as the bot made it: its text, quick
	// replies, buttons, cards, images and drop-down.
	Rich      json.RawMessage `json:"rich,omitempty"`
	CreatedAt time.Time       `json:"createdAt"`
}

// MessageOf shows a stored message. The payload is what the store keeps
// with it: {"attachments": [...]} for an inbound message, the rendered
// message for an outbound one.
func MessageOf(m store.Message) Message {
	out := Message{Seq: m.Seq, Direction: m.Direction, Text: m.Text, CreatedAt: m.CreatedAt.UTC()}
	if len(m.Payload) == 0 || !json.Valid(m.Payload) {
		return out
	}
	if m.Direction == "in" {
		var p struct {
			Attachments json.RawMessage `json:"attachments"`
		}
		if json.Unmarshal(m.Payload, &p) == nil && len(p.Attachments) > 0 && string(p.Attachments) != "null" {
			out.Attachments = p.Attachments
		}
		return out
	}
	out.Rich = m.Payload
	return out
}

// ConversationData is the data of conversation.started,
// conversation.paused, conversation.unpaused and conversation.ended.
type ConversationData struct {
	Conversation Conversation `json:"conversation"`
}

// MessageData is the data of message.received and message.sent.
type MessageData struct {
	Conversation Conversation `json:"conversation"`
	Message      Message      `json:"message"`
}

// HandoverData is the data of handover.requested.
type HandoverData struct {
	Conversation Conversation `json:"conversation"`
	// Block is the handover block the flow reached.
	Block string `json:"block,omitempty"`
}

// The reasons of delivery.failed.
const (
	// ReasonDeadLetter: a delivery was given up after its last attempt
	// (or at once, on 410 Gone or a disabled webhook).
	ReasonDeadLetter = "dead_letter"
	// ReasonEndpointDisabled: the channel's webhook was disabled.
	ReasonEndpointDisabled = "endpoint_disabled"
)

// DeliveryFailedData is the data of delivery.failed.
type DeliveryFailedData struct {
	Reason    string `json:"reason"`
	ChannelID string `json:"channelID"`
	// The dead delivery, for ReasonDeadLetter.
	DeliveryID     string `json:"deliveryID,omitempty"`
	ConversationID string `json:"conversationID,omitempty"`
	Attempts       int    `json:"attempts,omitempty"`
	LastStatus     int    `json:"lastStatus,omitempty"`
	LastError      string `json:"lastError,omitempty"`
	// Disabled is why the webhook was disabled, for
	// ReasonEndpointDisabled.
	Disabled string `json:"disabled,omitempty"`
}

// TestData is the data of webhook.test.
type TestData struct {
	WebhookID string `json:"webhookID"`
	Message   string `json:"message"`
}
