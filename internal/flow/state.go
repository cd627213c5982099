package flow

import "time"

// Status says what a conversation is waiting for.
type Status string

// The statuses of a conversation.
const (
	StatusNew      Status = ""         // no message yet: the next one starts the bot
	StatusInput    Status = "input"    // waiting for the user's answer to an input block
	StatusCall     Status = "call"     // waiting for the result of a Call effect
	StatusCallback Status = "callback" // a wait block: waiting for its callback or time-out
	StatusPaused   Status = "paused"   // handed over to a human; the bot answers nothing
	StatusEnded    Status = "ended"    // the flow ended: the next message starts the bot again
)

// State is everything the engine remembers of one conversation between
// turns. It is plain data (JSON-serialisable) so stores can keep it.
type State struct {
	Status Status         `json:"status"`
	Block  string         `json:"block,omitempty"` // the block that waits (input, call, wait, handover)
	Vars   map[string]any `json:"vars"`
	// Held says an operator paused the bot from outside the flow (the
	// API's pause): user messages are kept but not run, whatever the
	// status; Status and Block stay where the flow stood, so that releasing
	// the hold goes on from there. A trigger still runs while held.
	Held bool `json:"held,omitempty"`

	// Last is the user's most recent message as the NLP read it.
	Last Input `json:"last"`
	// Retries counts failed answers to the input block that waits.
	Retries int `json:"retries,omitempty"`
	// Calls numbers the calls made, so that each call has a stable id.
	Calls int `json:"calls,omitempty"`
	// Pending is the call being waited for, when Status is StatusCall.
	Pending *Call `json:"pending,omitempty"`
	// Deadline is when a wait block times out (zero: never).
	Deadline time.Time `json:"deadline,omitzero"`
	// Recent holds the last messages of the conversation, oldest first
	// (at most RecentLimit), for calls that send them (custom actions,
	// functions).
	Recent []Comment `json:"recent,omitempty"`

	// User, Conversation and Channel are what the host knows about the
	// conversation; expressions see them as user, conversation and channel.
	User         map[string]any `json:"user,omitempty"`
	Conversation map[string]any `json:"conversation,omitempty"`
	Channel      string         `json:"channel,omitempty"`
}

// RecentLimit is how many messages State.Recent keeps.
const RecentLimit = 4

// Input is a user message as the NLP read it.
type Input struct {
	Text       string         `json:"text"`
	Intent     string         `json:"intent,omitempty"`
	Confidence float64        `json:"confidence,omitempty"`
	Entities   map[string]any `json:"entities,omitempty"` // entity name → value of its first mention
}

// Comment is one message of the conversation as calls see it.
type Comment struct {
	From string    `json:"from"` // "user", "bot", or "agent" (a human, through the API)
	Text string    `json:"text"`
	Time time.Time `json:"time"`
}

// Clone returns a copy of s whose Vars map and Recent slice can be changed
// without changing s. The User, Conversation and Last.Entities maps, the
// Pending call and the values inside Vars are shared: the engine never
// changes them in place, and callers must not either.
func (s State) Clone() State {
	c := s
	if s.Vars != nil {
		c.Vars = make(map[string]any, len(s.Vars))
		for k, v := range s.Vars {
			c.Vars[k] = v
		}
	}
	c.Recent = append([]Comment(nil), s.Recent...)
	return c
}
