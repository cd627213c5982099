package flow

import "time"

// EventKind says what happened.
type EventKind int

// The kinds of event.
const (
	// EventMessage is a message from the user.
	EventMessage EventKind = iota
	// EventResult is the result of the Call the conversation waits for.
	EventResult
	// EventCallback is a POST to a wait block's callback URL.
	EventCallback
	// EventTimeout says a wait block's deadline has passed.
	EventTimeout
	// EventResume says a human handed the conversation back (unpause).
	EventResume
)

// Event is what makes a conversation move. Time is the only clock the
// engine sees.
type Event struct {
	Kind EventKind
	Time time.Time

	// Text is the user's message (EventMessage).
	Text string
	// Result answers the pending call (EventResult).
	Result *CallResult
	// Data is the JSON body posted to a callback (EventCallback).
	Data any
}
