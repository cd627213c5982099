package store

import (
	"strconv"
	"time"
)

// Command kinds: what an operator asks of a conversation from outside it
// (the API's steering routes).
const (
	CommandMessage = "message" // send a message as the bot or as an agent
	CommandSession = "session" // set session variables
	CommandPause   = "pause"   // hold the bot: messages are kept, not run
	CommandUnpause = "unpause" // release the hold; resume after a handover
	CommandTrigger = "trigger" // jump to a block and run it
	// CommandCallback and CommandTimeout end a wait block's wait: a POST
	// to its callback URL, or its time-out. Both of one wait have the ID
	// WaitCommandID gives, so that only the first is stored.
	CommandCallback = "callback"
	CommandTimeout  = "timeout"
)

// Command statuses.
const (
	CommandPending = "pending" // waiting for its turn
	CommandDone    = "done"
	CommandFailed  = "failed" // Error says why; the conversation is unchanged
)

// Command is an order to a conversation from outside it. It takes the
// conversation's next sequence number, like an inbound message, and runs
// in that order with the user's messages, one turn at a time, so that it
// never races a turn of the same conversation.
type Command struct {
	ID             string
	ProjectID      string
	ConversationID string
	Seq            int64
	Kind           string // CommandMessage ...

	// Message is the message to send (CommandMessage): a flow.Message as
	// JSON. As is "bot" or "agent"; AdminID names the agent (0: none).
	Message []byte
	As      string
	AdminID int64
	// Block is where to jump (CommandTrigger).
	Block string
	// Wait numbers the wait a CommandCallback or CommandTimeout ends (the
	// conversation's flow.State.Calls when it began); Data is the JSON
	// body POSTed to its callback URL.
	Wait int
	Data []byte
	// Vars are the variables to set (CommandSession, CommandTrigger); a
	// nil value deletes one.
	Vars map[string]any

	Status    string // CommandPending, CommandDone or CommandFailed
	Result    *CommandResult
	Error     string
	CreatedAt time.Time
	DoneAt    time.Time // zero while pending
}

// CommandResult is what a command left: the conversation as it stood
// after it, and the message it sent.
type CommandResult struct {
	Status string         `json:"status"` // the conversation's status
	Block  string         `json:"block,omitempty"`
	Paused bool           `json:"paused"` // held, or handed over to a human
	Vars   map[string]any `json:"vars"`
	// Seq and DeliveryID are the message's and its webhook delivery's
	// (CommandMessage).
	Seq        int64  `json:"seq,omitempty"`
	DeliveryID string `json:"deliveryId,omitempty"`
}

// Submission is a command to store (SubmitCommand).
type Submission struct {
	// Command has ID, ProjectID, ConversationID, Kind, its fields and
	// CreatedAt set.
	Command Command
	// Lease, when set, asks for the conversation's turn when the command
	// does not run at once (Run): if no turn of the conversation is
	// queued or running, its job is created leased to Lease.Owner and
	// Submitted.Turn holds it.
	Lease *Lease
	// Run, when set, may carry out the command inside SubmitCommand's
	// transaction, when no turn of the conversation is queued or running:
	// it gets the conversation as it stands and the command (Seq set), and
	// returns the turn's outcome, with the command in Commands, and true;
	// or false to leave it to the queue (a command that makes calls). It
	// must be quick, and may be called more than once.
	Run func(c Conversation, cmd Command) (TurnResult, bool)
	// After, when set, is called once when SubmitCommand returns, with
	// what it returns (committed or not), before it returns.
	After func(Submitted, error)
}

// Submitted says where a command was stored.
type Submitted struct {
	Command Command // Seq set; Status, Result and Error too when it ran
	// Turn is the conversation's turn, leased as Submission.Lease asked;
	// nil when the command ran, no lease was asked for, or another turn
	// is queued or running (that turn's worker carries it out after it).
	Turn *Turn
	// Ran says the command was carried out inside SubmitCommand (Run);
	// Outgoing is what it sent, deliveries filled in.
	Ran      bool
	Outgoing []Outgoing
}

// WaitCommandID is the ID of the command that ends wait number n of a
// conversation: its callback or its time-out, whichever is stored first
// (the other is ErrConflict), so a callback URL is used at most once.
func WaitCommandID(conversationID string, n int) string {
	return "wait_" + conversationID + "_" + strconv.Itoa(n)
}
