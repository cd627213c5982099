// Package store keeps Confab's state: projects, tokens, channels, users,
// conversations and their messages, the turn queue (inbox) and the outbox of
// webhook deliveries. Queues live in the same database as the state they
// belong to, so that a state change and the work it causes commit together.
//
// This package holds the interface, the records and the sentinel errors;
// drivers live in store/sqlite (the default) and store/postgres, and
// store/storetest is the conformance suite both pass. Callers never import
// a driver's error types: drivers map their errors to ErrNotFound and
// ErrConflict.
package store

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Sentinel errors every driver maps its native errors to.
var (
	// ErrNotFound means the record does not exist (or belongs to another
	// project).
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique key is taken, or a lease was lost.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable means the database cannot be reached or is
	// overloaded; the operation may succeed later.
	ErrUnavailable = errors.New("the database is unavailable")
)

// Store is the whole persistence of a Confab server. Every method is safe
// for concurrent use. Methods that take a project id never return another
// project's records (ErrNotFound instead).
type Store interface {
	// Migrate brings the schema to the newest version.
	Migrate(ctx context.Context) error
	Close() error

	CreateProject(ctx context.Context, p Project) error
	// FirstProject returns the oldest project, or ErrNotFound.
	FirstProject(ctx context.Context) (Project, error)

	CreateToken(ctx context.Context, t Token) error
	// TokenByHash finds a token by the SHA-256 of its text.
	TokenByHash(ctx context.Context, hash []byte) (Token, error)

	CreateChannel(ctx context.Context, c Channel) error
	GetChannel(ctx context.Context, projectID, id string) (Channel, error)
	// ChannelByID finds a channel by id alone (the API channel's send
	// route authenticates with the channel's own token).
	ChannelByID(ctx context.Context, id string) (Channel, error)
	ListChannels(ctx context.Context, projectID string) ([]Channel, error)
	UpdateChannel(ctx context.Context, c Channel) error
	DeleteChannel(ctx context.Context, projectID, id string) error

	// Accept stores an inbound message in one transaction: the user
	// (created when the message names none), the conversation (created on
	// the first message of a user on a channel), the message with the
	// conversation's next sequence number, and the conversation's turn job
	// (leased to in.Lease's owner when it asks and no turn is pending).
	Accept(ctx context.Context, in Inbound) (Accepted, error)
	// ClaimTurns leases up to limit conversations that have messages not yet
	// handled and no live lease, and returns them with those messages in
	// order.
	ClaimTurns(ctx context.Context, lease Lease, limit int) ([]Turn, error)
	// CompleteTurn commits a turn's outcome in one transaction: the new
	// state, the messages the bot sent, their deliveries (the outbox), and
	// the handled mark; the job is dropped, or released when messages came
	// meanwhile (requeued: the turn queue has work for a claim). ErrConflict
	// when the lease was lost to another worker (nothing is written then).
	CompleteTurn(ctx context.Context, r TurnResult) (requeued bool, err error)

	// RenewTurn extends the lease of a turn in flight; ErrConflict when the
	// lease is no longer the owner's.
	RenewTurn(ctx context.Context, conversationID, owner string, until time.Time) error
	// ReleaseLeases drops every lease of turns and deliveries. Call it only
	// when this process is the database's only user (SQLite), at start: the
	// leases it finds were left by a process that died.
	ReleaseLeases(ctx context.Context) error

	// SetEndpointHealth records how a channel's webhook answers: failing
	// (since when; zero after a success) and, when reason is not empty,
	// disabled for that reason.
	SetEndpointHealth(ctx context.Context, channelID string, failingSince time.Time, disabled string) error

	// ClaimDeliveries leases up to limit deliveries that are due, taking
	// for each conversation only its oldest undelivered one (per-
	// conversation FIFO).
	ClaimDeliveries(ctx context.Context, lease Lease, limit int) ([]Delivery, error)
	// RenewDelivery extends the lease of a delivery being attempted;
	// ErrConflict when the lease is no longer the owner's.
	RenewDelivery(ctx context.Context, id, owner string, until time.Time) error
	// RecordAttempt logs an attempt and moves the delivery on: delivered,
	// dead, or pending again at NextAt. The lease is released. ErrConflict
	// (and nothing written) when a.Owner no longer holds the lease.
	RecordAttempt(ctx context.Context, a Attempt, next DeliveryUpdate) error
	// ListDeliveries returns a channel's deliveries, newest first, each
	// with its attempts.
	ListDeliveries(ctx context.Context, projectID, channelID string, limit int) ([]Delivery, error)
	// ReplayDelivery makes a dead delivery pending again, due now.
	ReplayDelivery(ctx context.Context, projectID, id string, now time.Time) error

	// Messages returns a conversation's messages in order.
	Messages(ctx context.Context, projectID, conversationID string) ([]Message, error)
	GetConversation(ctx context.Context, projectID, id string) (Conversation, error)

	// Reading conversations and their execution logs (sqlstore
	// conversations.go and logs.go).

	// ListConversations returns a project's conversations that match f,
	// most recently updated first (updated_at, then id, descending), at
	// most f.Limit of them, with LastMessageAt set.
	ListConversations(ctx context.Context, projectID string, f ConversationFilter) ([]Conversation, error)
	// ListMessages returns messages of a conversation of the project
	// within p's bounds, in p's order; ErrNotFound when the project has no
	// such conversation.
	ListMessages(ctx context.Context, projectID, conversationID string, p MessagePage) ([]Message, error)
	// ListTurnLogs returns the execution logs of a conversation's turns
	// within p's bounds, in p's order; ErrNotFound when the project has no
	// such conversation.
	ListTurnLogs(ctx context.Context, projectID, conversationID string, p LogPage) ([]TurnLog, error)
	// PruneTurnLogs deletes up to limit execution logs that are older than
	// before, or (when keep > 0) beyond the newest keep of their
	// conversation, and returns how many it deleted.
	PruneTurnLogs(ctx context.Context, before time.Time, keep, limit int) (int, error)

	// ListTokens returns a project's tokens, oldest first, expired ones
	// included.
	ListTokens(ctx context.Context, projectID string) ([]Token, error)
	// RevokeToken deletes a token of a project: it stops working at once.
	// ErrNotFound when the project has no such token; ErrConflict, and
	// nothing deleted, when the token has not expired at now and the
	// project has no other such token (a project never locks itself out).
	RevokeToken(ctx context.Context, projectID, id string, now time.Time) error
	// TouchToken records that a token was used at `at`, unless its last
	// use was recorded less than `every` before, so a busy token costs one
	// write per `every`. A token that no longer exists is no error.
	TouchToken(ctx context.Context, id string, at time.Time, every time.Duration) error

	// KeptAnswer returns the answer kept for key in scope, or ErrNotFound
	// when there is none or it expired at now.
	KeptAnswer(ctx context.Context, scope, key string, now time.Time) (KeptAnswer, error)
	// DeleteExpiredAnswers deletes up to limit kept answers that expired
	// at now, and returns how many it deleted.
	DeleteExpiredAnswers(ctx context.Context, now time.Time, limit int) (int, error)

	// Event webhooks (sqlstore subscriptions.go and events.go). Events are
	// written to the outbox as deliveries of the subscriptions that want
	// them, in the transaction of what they describe.

	// CreateSubscription stores a new event subscription. It keeps the
	// context's idempotent answer.
	CreateSubscription(ctx context.Context, s Subscription) error
	// GetSubscription returns a subscription of a project.
	GetSubscription(ctx context.Context, projectID, id string) (Subscription, error)
	// ListSubscriptions returns a project's subscriptions, oldest first.
	ListSubscriptions(ctx context.Context, projectID string) ([]Subscription, error)
	// UpdateSubscription replaces a subscription's settings (URL, events,
	// description, secrets, health).
	UpdateSubscription(ctx context.Context, s Subscription) error
	// DeleteSubscription deletes a subscription and its deliveries.
	DeleteSubscription(ctx context.Context, projectID, id string) error
	// SetSubscriptionHealth records how a subscription's endpoint
	// answers, as SetEndpointHealth does for a channel's webhook.
	SetSubscriptionHealth(ctx context.Context, id string, failingSince time.Time, disabled string) error
	// ListSubscriptionDeliveries returns a subscription's deliveries,
	// newest first, each with its attempts.
	ListSubscriptionDeliveries(ctx context.Context, projectID, subscriptionID string, limit int) ([]Delivery, error)

	// Steering conversations (command.go; sqlstore commands.go).

	// SubmitCommand stores a command of a project's conversation with the
	// conversation's next sequence number, in one transaction: it runs
	// there (Submission.Run) when no turn of the conversation is queued or
	// running, else it joins the conversation's turn job (created leased
	// as Submission.Lease asks), and the turn carries out the
	// conversation's messages and commands in sequence order.
	// ErrNotFound when the project has no such conversation.
	SubmitCommand(ctx context.Context, s Submission) (Submitted, error)
	// GetCommand returns a command of a project's conversation.
	GetCommand(ctx context.Context, projectID, conversationID, id string) (Command, error)

	// Wait blocks (command.go; sqlstore waits.go).

	// ServerKey returns the server's key of a name, storing fresh as it
	// when there is none yet, so that every node and every restart gets
	// the same key.
	ServerKey(ctx context.Context, name string, fresh []byte) ([]byte, error)
	// DueWaits returns up to limit conversations whose wait timed out at
	// now (TurnResult.WaitUntil) and that have no command pending, the
	// earliest first.
	DueWaits(ctx context.Context, now time.Time, limit int) ([]Conversation, error)
}

// Project is a tenant: everything else belongs to one.
type Project struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// Token is an API token; only the SHA-256 of its text is stored.
type Token struct {
	ID        string
	ProjectID string
	Name      string
	Kind      string // "admin" for project tokens
	Prefix    string // the first characters of the token, to recognise it
	Hash      []byte
	CreatedAt time.Time
	// LastUsedAt is when the token last authenticated a request, to the
	// minute (TouchToken); zero when it never did.
	LastUsedAt time.Time
	// ExpiresAt is when the token stops working; zero when it does not.
	ExpiresAt time.Time
}

// Expired reports whether the token no longer works at now.
func (t Token) Expired(now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}

// Channel is an API channel (seed 003): messages come in with its token and
// replies go out to its webhook.
type Channel struct {
	ID            string
	ProjectID     string
	Bot           string
	TokenHash     []byte
	WebhookURL    string
	WebhookSecret string // "whsec_..."; needed in clear to sign
	Keywords      []string
	// PreviousSecret still signs, beside WebhookSecret, until
	// PreviousUntil: receivers have that long to switch after a rotation.
	PreviousSecret string
	PreviousUntil  time.Time
	// WebhookDisabled says why deliveries stopped (410 Gone, or failing
	// for too long); empty while they go on.
	WebhookDisabled string
	// FailingSince is when the webhook started failing with no success
	// since; zero while it works.
	FailingSince time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Attachment is a file sent with a message: a data: URL or a URL.
type Attachment struct {
	Base64 string `json:"base64,omitempty"`
	URL    string `json:"url,omitempty"`
}

// Inbound is a message to accept.
type Inbound struct {
	ProjectID string
	ChannelID string
	Bot       string // the bot a new conversation runs
	// UserID names an existing user (or a new one with this id); nil
	// creates a user with the project's next numeric id unless SenderID
	// names one.
	UserID *int64
	// SenderID is a client-chosen string id of the user (webhook-channel
	// style); the same SenderID is the same user.
	SenderID    string
	Text        string
	Attachments []Attachment
	Now         time.Time
	// Lease, when set, asks for the conversation's turn: if no turn of the
	// conversation is queued or running, its job is created already leased
	// to Lease.Owner and Accepted.Turn holds it, so that the caller runs it
	// at once instead of waiting for a claim.
	Lease *Lease
	// Run, when set, may run the message's turn inside Accept's
	// transaction, when no other turn of the conversation is queued or
	// running: it gets the conversation as it stands (the message
	// counted) and the message, and returns the turn's outcome and true
	// (ConversationID and Owner need not be set), or false to leave the
	// turn to the queue (a turn that makes calls must not wait inside a
	// transaction). It must be quick, and may be called more than once.
	Run func(c Conversation, m Message) (TurnResult, bool)
	// After, when set, is called once when Accept returns, with what it
	// returns (committed or not), before it returns.
	After func(Accepted, error)
	// Guess, when set with Run and UserID, is what Run returns when the
	// conversation still stands as Guess.Prior: a store may then take the
	// message's number and write the turn's state in one statement,
	// guarded by that state and sequence number, and call Run with the
	// conversation as Prior says it is.
	Guess *Guess
}

// Guess is a turn worked out before Accept's transaction (Inbound.Guess).
type Guess struct {
	// Prior is the conversation the turn was worked out from; its State
	// must be the stored state byte for byte for the guess to hold.
	Prior Conversation
	// LastSeq is Prior's last sequence number (message, reply or
	// command). While it is unchanged nothing was accepted since, so no
	// other turn of the conversation can be queued or running.
	LastSeq int64
	// Result is the turn Run returns from Prior (State, Status, Outgoing,
	// Now, DeliveryLease and Log are read).
	Result TurnResult
}

// Accepted says where an inbound message was stored.
type Accepted struct {
	UserID         int64
	ConversationID string
	Seq            int64
	// Turn is the conversation's turn, leased as Inbound.Lease asked; nil
	// when no lease was asked for or another turn is queued or running
	// (that turn's worker takes this message too).
	Turn *Turn
	// Ran says the turn ran inside Accept (Inbound.Run) and committed with
	// the message; Outgoing is what it sent, deliveries filled in as
	// CompleteTurn fills them.
	Ran      bool
	Outgoing []Outgoing
}

// Conversation is one user's conversation with a bot on a channel.
type Conversation struct {
	ID         string
	ProjectID  string
	ChannelID  string
	Bot        string
	UserID     int64
	SenderID   string
	State      []byte // flow.State as JSON; nil before the first turn
	Status     string
	HandledSeq int64 // the last inbound message (or command) handled by a turn
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// LastMessageAt is when the conversation's latest message was stored;
	// set by ListConversations only.
	LastMessageAt time.Time
}

// Message is a message of a conversation, inbound (from the user) or
// outbound (from the bot or an agent).
type Message struct {
	ConversationID string
	Seq            int64
	Direction      string // "in" or "out"
	Text           string
	Payload        []byte // JSON: attachments (in), the rendered message (out)
	CreatedAt      time.Time
}

// ConversationFilter narrows ListConversations. Zero fields do not
// filter.
type ConversationFilter struct {
	// ID lists the one conversation with this id (for reading one
	// conversation with LastMessageAt).
	ID        string
	Bot       string
	ChannelID string
	// Status, when not nil, keeps the conversations in this status: ""
	// (new), "input", "ended", ...
	Status *string
	// UserID and SenderID name the user; when both are set, a
	// conversation matches either.
	UserID   *int64
	SenderID string
	// UpdatedSince keeps the conversations updated at or after it.
	UpdatedSince time.Time
	// After continues a list after this conversation: the last one of the
	// previous page, by its UpdatedAt and ID.
	After *ConversationCursor
	Limit int
}

// ConversationCursor is a place in the list of conversations.
type ConversationCursor struct {
	UpdatedAt time.Time
	ID        string
}

// MessagePage bounds ListMessages. Zero fields do not bound.
type MessagePage struct {
	After  int64 // only messages with a greater Seq
	Before int64 // only messages with a smaller Seq
	Desc   bool  // newest first; default oldest first
	Limit  int
}

// LogPage bounds ListTurnLogs. Zero fields do not bound.
type LogPage struct {
	After  int64 // only logs with a greater Seq
	Before int64 // only logs with a smaller Seq
	Desc   bool  // newest first; default oldest first
	Limit  int
}

// TurnLog is the execution log of one turn (TurnResult.Log).
type TurnLog struct {
	ConversationID string
	// Seq is the last message (or command) the turn handled; it orders
	// the turns of a conversation.
	Seq   int64
	At    time.Time
	Trace []byte // JSON, as the turn wrote it
}

// Lease is a worker's claim, until a time.
type Lease struct {
	Owner string
	Now   time.Time
	Until time.Time
}

// Turn is a conversation to run, with its messages not yet handled.
type Turn struct {
	Conversation Conversation
	Messages     []Message
	// Commands are the conversation's commands not yet carried out, in
	// order; they run between the messages by sequence number.
	Commands []Command
}

// TurnResult is what a turn commits.
type TurnResult struct {
	ConversationID string
	Owner          string
	State          []byte
	Status         string
	HandledSeq     int64 // the last inbound message or command handled
	Outgoing       []Outgoing
	Now            time.Time
	// WaitUntil is when the wait block the conversation waits at after
	// the turn times out; zero when it waits at none, or without a
	// time-out (DueWaits finds it once it passed).
	WaitUntil time.Time
	// DeliveryLease, when set, creates the deliveries already leased to
	// its owner if the conversation has no older delivery pending but
	// those the same owner holds (so that it sends them at once, after
	// those, without a claim); each such delivery comes back with
	// LeasedUntil set.
	DeliveryLease *Lease
	// Commands are the commands the turn carried out, with Status,
	// Result, Error and DoneAt set (a message's Result.Seq is filled in
	// when the message gets its number).
	Commands []Command
	// Log, when set, is the turn's execution log (JSON), stored with the
	// turn as a TurnLog whose Seq is HandledSeq.
	Log []byte
}

// Outgoing is a message the bot sent, with its delivery (nil when it goes
// nowhere).
type Outgoing struct {
	Text     string
	Payload  []byte
	Delivery *Delivery // ID, URL and Body set; the rest is filled in
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryDead      = "dead"
)

// Delivery is one webhook POST in the outbox. ID is the webhook-id, the
// same on every attempt.
type Delivery struct {
	ID        string
	ProjectID string
	// ChannelID is the channel of a bot message's delivery; an event's
	// delivery has SubscriptionID instead (exactly one is set).
	ChannelID      string
	SubscriptionID string
	// EventID and EventType are an event delivery's; empty for a bot
	// message.
	EventID   string
	EventType string
	// ConversationID is the delivery's order key: deliveries with the same
	// one go out one at a time, in Seq order. It is the conversation's id
	// for a bot message, and "<subscription id>/<conversation id>" for an
	// event (EventConversation reads it back), so that events never hold
	// up replies.
	ConversationID string
	Seq            int64 // order within the conversation
	URL            string
	Body           []byte
	Status         string
	Attempts       int
	NextAt         time.Time
	LastStatus     int
	LastError      string
	CreatedAt      time.Time
	History        []Attempt // filled by ListDeliveries
	// LeasedUntil is set by CompleteTurn on a delivery it created leased
	// (TurnResult.DeliveryLease).
	LeasedUntil time.Time
}

// Attempt is one try of a delivery.
type Attempt struct {
	DeliveryID string
	Owner      string
	At         time.Time
	Status     int // HTTP status; 0 when no answer came
	Latency    time.Duration
	Error      string
	Excerpt    string // the start of the response body
}

// DeliveryUpdate is where a delivery goes after an attempt.
type DeliveryUpdate struct {
	Status string // DeliveryDelivered, DeliveryDead or DeliveryPending
	NextAt time.Time
}

// Idempotency keys (docs/api.md "Idempotency").

// KeptAnswerTTL is how long the answer of a request made with an
// Idempotency-Key is kept.
const KeptAnswerTTL = 24 * time.Hour

// ErrKeyUsed is returned by a method that keeps an idempotent answer
// (WithIdempotency) when its scope already holds an answer for the key
// that has not expired: another request with the key committed first.
// Nothing is written then.
var ErrKeyUsed = errors.New("the Idempotency-Key already has an answer")

// Idempotency is the answer to keep for a request made with an
// Idempotency-Key. A method that makes a request's effect (Accept,
// CreateChannel, CreateToken, ReplayDelivery, and any other whose doc says
// it keeps the context's answer) writes it in the effect's own
// transaction when its context carries one, so that the effect and its
// answer commit together or not at all.
type Idempotency struct {
	// Scope is whose keys these are: a token's or a channel's, so that
	// one client's keys never meet another's.
	Scope string
	// Key is the Idempotency-Key, 1 to 255 printable ASCII characters.
	Key string
	// Hash is the SHA-256 of the request (method, path and canonical
	// body): the same key with another request is refused.
	Hash []byte
	// Now is when the answer is kept; it expires KeptAnswerTTL later.
	Now time.Time
	// Answer returns the answer to keep. The method calls it inside the
	// effect's transaction, after the effect's writes, with the effect's
	// result: the store.Accepted for Accept (its user, conversation and
	// sequence number are set), nil for methods whose answer the caller
	// knows beforehand. It may be called more than once (a transaction
	// may be run again); it must be quick and write nothing itself.
	Answer func(result any) (KeptAnswer, error)
}

// KeptAnswer is an answer kept for an Idempotency-Key.
type KeptAnswer struct {
	Hash   []byte // the request's, as Idempotency.Hash
	Status int
	// Header holds the answer's headers that a replay repeats
	// (Content-Type, say).
	Header map[string]string
	// Body is the answer's body, as the API gave it to keep (sealed: the
	// store does not read it).
	Body      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

type idempotencyKey struct{}

// WithIdempotency returns ctx carrying the answer to keep with the effect
// of the method it is given to.
func WithIdempotency(ctx context.Context, rec *Idempotency) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, rec)
}

// IdempotencyOf returns the answer ctx carries to keep, or nil.
func IdempotencyOf(ctx context.Context) *Idempotency {
	rec, _ := ctx.Value(idempotencyKey{}).(*Idempotency)
	return rec
}

// Event webhooks (docs/api.md "Events").

// Subscription is an event webhook: the events of a project that it wants
// go to its URL, signed with its secret.
type Subscription struct {
	ID        string
	ProjectID string
	URL       string
	// Events are the event types it wants; "*" wants them all.
	Events      []string
	Description string
	Secret      string // "whsec_..."; needed in clear to sign
	// PreviousSecret still signs, beside Secret, until PreviousUntil.
	PreviousSecret string
	PreviousUntil  time.Time
	// Disabled says why deliveries stopped (410 Gone, or failing for too
	// long); empty while they go on.
	Disabled string
	// FailingSince is when the endpoint started failing with no success
	// since; zero while it works.
	FailingSince time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Wants reports whether the subscription wants events of a type.
func (s Subscription) Wants(eventType string) bool {
	for _, e := range s.Events {
		if e == eventType || e == "*" {
			return true
		}
	}
	return false
}

// EventConversation returns the conversation an event delivery is about,
// read from its order key; empty for a bot message's delivery and for an
// event about no conversation.
func (d Delivery) EventConversation() string {
	if d.SubscriptionID == "" || len(d.ConversationID) <= len(d.SubscriptionID)+1 {
		return ""
	}
	if c := d.ConversationID[len(d.SubscriptionID)+1:]; strings.HasPrefix(c, "conv_") {
		return c
	}
	return ""
}
