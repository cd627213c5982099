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
	// EventTrigger jumps the conversation to Block from wherever it
	// stands, with Vars set first, and runs the flow from there: an
	// operator's order from outside the flow (the API's trigger).
	EventTrigger
	// EventSet sets Vars from outside the flow (the API's session
	// variables); the flow does not move.
	EventSet
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
	// Block is the block to jump to (EventTrigger).
	Block string
	// Vars are the variables to set (EventSet; EventTrigger, before the
	// jump), in the order of their names. A nil value deletes the
	// variable, or sets a variable the bot declares back to its default.
	Vars map[string]any
}
