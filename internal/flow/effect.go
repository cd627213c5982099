package flow

import "time"

// Effect is something a turn asks its host to do. The engine never does it
// itself: it has no network, clock or database.
type Effect interface{ effect() }

// Send delivers a message to the user.
type Send struct {
	Block   string
	Message Message
}

// Call asks the host to reach the outside world (an HTTP request, a
// script, an LLM) and answer with an EventResult. Exactly one of HTTP, Code
// and AI is set.
type Call struct {
	// ID is stable for one step of one conversation: a retried call keeps
	// it, so it can serve as an idempotency key.
	ID    string       `json:"id"`
	Block string       `json:"block"`
	Kind  string       `json:"kind"` // the block type
	HTTP  *HTTPRequest `json:"http,omitempty"`
	Code  *CodeRequest `json:"code,omitempty"`
	AI    *AIRequest   `json:"ai,omitempty"`
}

// HTTPRequest is an outbound HTTP call.
type HTTPRequest struct {
	Method  string        `json:"method"`
	URL     string        `json:"url"`
	Header  [][2]string   `json:"header,omitempty"` // in order; may hold secrets: never log as is
	Body    []byte        `json:"body,omitempty"`
	Timeout time.Duration `json:"timeout"`
}

// CodeRequest runs a JavaScript block. The script sees Vars as vars,
// Input as input, intent, confidence and entities, and the rest by their
// expression names (user, conversation, channel, env); never secrets.
type CodeRequest struct {
	Script       string         `json:"script"`
	Timeout      time.Duration  `json:"timeout"`
	Vars         map[string]any `json:"vars"`
	Input        Input          `json:"input"`
	User         map[string]any `json:"user,omitempty"`
	Conversation map[string]any `json:"conversation,omitempty"`
	Channel      string         `json:"channel,omitempty"`
	Env          map[string]any `json:"env,omitempty"`
}

// AIRequest asks an LLM (or, without one, the built-in NLP) to answer.
type AIRequest struct {
	Instructions string   `json:"instructions"`
	Functions    []string `json:"functions,omitempty"`
	Input        string   `json:"input"`
}

// CallResult answers a Call. Err is set when the call failed before an
// answer came (transport error, time-out, limits); ErrClass names the
// kind of failure ("timeout", "network", "refused", "limit", "exception",
// "unsupported" ...).
type CallResult struct {
	ID       string        `json:"id"`
	HTTP     *HTTPResponse `json:"http,omitempty"`
	Code     *CodeResult   `json:"code,omitempty"`
	AI       *AIResult     `json:"ai,omitempty"`
	Err      string        `json:"err,omitempty"`
	ErrClass string        `json:"errClass,omitempty"`
	Latency  time.Duration `json:"latency"`
	// Requests are the HTTP requests the call made, in order: one for an
	// HTTP call, one per fetch for a script. Hosts fill it for the
	// execution log; the engine does not read it.
	Requests []Request `json:"requests,omitempty"`
}

// Request is one HTTP request a call made, as the execution log shows it.
type Request struct {
	Method string `json:"method"`
	// URL is the request's URL as the call built it: it may hold
	// secrets, so mask it before it is stored or shown.
	URL      string        `json:"url"`
	Status   int           `json:"status,omitempty"` // 0 when no answer came
	Latency  time.Duration `json:"latency"`
	Bytes    int           `json:"bytes"`              // the size of the answer's body as read
	ErrClass string        `json:"errClass,omitempty"` // why no (whole) answer came, as CallResult.ErrClass
}

// HTTPResponse is the answer to an HTTPRequest.
type HTTPResponse struct {
	Status int                 `json:"status"`
	Header map[string][]string `json:"header,omitempty"`
	Body   []byte              `json:"body,omitempty"`
}

// CodeResult is what a script did.
type CodeResult struct {
	Vars map[string]any `json:"vars"`           // the variables after the run: a variable missing here was deleted
	Say  []Message      `json:"say,omitempty"`  // messages the script sent
	Goto string         `json:"goto,omitempty"` // the block the script chose
}

// AIResult is an AI block's answer.
type AIResult struct {
	Messages []Message `json:"messages"`
}

// Wait tells the host a wait block is waiting for its callback (until
// Deadline, when set).
type Wait struct {
	Block    string
	Deadline time.Time
}

// Handover tells the host the bot hands the conversation to a human and
// pauses.
type Handover struct{ Block string }

// End tells the host the flow ended.
type End struct{ Block string }

func (Send) effect()     {}
func (*Call) effect()    {}
func (Wait) effect()     {}
func (Handover) effect() {}
func (End) effect()      {}
