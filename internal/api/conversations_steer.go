package api

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/store"
)

// Steering a conversation: POST .../messages, PATCH .../session, POST
// .../pause, .../unpause and .../trigger. Each route stores a command in
// the conversation's sequence (store.SubmitCommand), where it runs in order
// with the user's messages, one turn at a time (decision 9); the route
// answers once the command is carried out, waiting for a turn in flight at
// most CommandWait (or what the request's Prefer header asks), else 202
// with the command's URL.

// CommandWait is how long a steering route waits at most for its command
// to be carried out before it answers 202.
const CommandWait = 10 * time.Second

// Engines is what the steering routes use of Deps.Bots when it has it: a
// bot's blocks, to refuse a trigger of a block that does not exist before
// it is queued.
type Engines interface {
	Engine(id string) (*flow.Engine, bool)
}

// richMessage is what a message sent through the API shows beside its
// text: the fields of a bot message (docs/bot-format.md).
type richMessage struct {
	QuickReplies []flow.QuickReply `json:"quickReplies,omitempty"`
	Buttons      []flow.Button     `json:"buttons,omitempty"`
	Image        string            `json:"image,omitempty"`
	Gif          string            `json:"gif,omitempty"`
	Cards        []flow.Card       `json:"cards,omitempty"`
	Carousel     bool              `json:"carousel,omitempty"`
	Dropdown     *flow.Dropdown    `json:"dropdown,omitempty"`
}

// operatorMessage is the body of POST /v1/conversations/{id}/messages, and
// the message in its answer.
type operatorMessage struct {
	Text    string       `json:"text,omitempty"`
	Rich    *richMessage `json:"rich,omitempty"`
	As      string       `json:"as"`
	AdminID *int64       `json:"adminID,omitempty"`
}

// sentResponse is the answer of POST /v1/conversations/{id}/messages.
type sentResponse struct {
	ConversationID string          `json:"conversationID"`
	CommandID      string          `json:"commandID"`
	Seq            int64           `json:"seq"`
	DeliveryID     string          `json:"deliveryId"`
	Message        operatorMessage `json:"message"`
}

// stateResponse is the answer of the session, pause, unpause and trigger
// routes: the conversation as the command left it.
type stateResponse struct {
	ConversationID string `json:"conversationID"`
	CommandID      string `json:"commandID"`
	// Status is the conversation's status: "paused" while held or handed
	// over, else the flow's ("input", "ended", ...).
	Status string         `json:"status"`
	Paused bool           `json:"paused"`
	Block  string         `json:"block,omitempty"`
	Vars   map[string]any `json:"vars"`
}

// commandResponse is a command as GET .../commands/{commandID} shows it,
// and the answer of a route whose command is still pending (202).
type commandResponse struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversationID"`
	Kind           string `json:"kind"`
	Status         string `json:"status"` // pending, done or failed
	URL            string `json:"url"`
	CreatedAt      string `json:"createdAt"`
	DoneAt         string `json:"doneAt,omitempty"`
	Error          string `json:"error,omitempty"`
	// Result is what the route answers once the command is done.
	Result any `json:"result,omitempty"`
}

func (s *Server) sendAsOperator(w http.ResponseWriter, r *http.Request) error {
	var req operatorMessage
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	msg, err := checkOperatorMessage(&req)
	if err != nil {
		return err
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	cmd := store.Command{Kind: store.CommandMessage, Message: data, As: req.As}
	if req.AdminID != nil {
		cmd.AdminID = *req.AdminID
	}
	return s.steer(w, r, cmd)
}

// checkOperatorMessage validates a message sent through the API and
// returns it as a bot message.
func checkOperatorMessage(req *operatorMessage) (flow.Message, error) {
	switch req.As {
	case "":
		return flow.Message{}, badRequest("/as", `as is required: "bot" or "agent"`)
	case "bot":
		if req.AdminID != nil {
			return flow.Message{}, badRequest("/adminID", `adminID is for messages sent as "agent"`)
		}
	case "agent":
		if req.AdminID == nil {
			return flow.Message{}, badRequest("/adminID", `adminID is required with as "agent": the number of the agent who sends it`)
		}
		if *req.AdminID < 1 {
			return flow.Message{}, badRequest("/adminID", "adminID must be a whole number from 1")
		}
	default:
		return flow.Message{}, badRequest("/as", fmt.Sprintf(`as must be "bot" or "agent", not %q`, req.As))
	}
	msg := flow.Message{Text: req.Text}
	if rich := req.Rich; rich != nil {
		msg.QuickReplies, msg.Buttons, msg.Image, msg.Gif = rich.QuickReplies, rich.Buttons, rich.Image, rich.Gif
		msg.Cards, msg.Carousel, msg.Dropdown = rich.Cards, rich.Carousel, rich.Dropdown
		if err := checkRich(&msg); err != nil {
			return flow.Message{}, err
		}
	}
	if strings.TrimSpace(msg.Text) == "" && len(msg.QuickReplies) == 0 && len(msg.Buttons) == 0 && msg.Image == "" && msg.Gif == "" &&
		len(msg.Cards) == 0 && msg.Dropdown == nil {
		return flow.Message{}, badRequest("/text", "the message is empty: give a text, or rich content")
	}
	return msg, nil
}

// checkRich checks the rich parts of a message, naming the pointer of a
// bad one, and gives quick replies and options without a payload their
// title as payload (as bot messages have).
func checkRich(m *flow.Message) error {
	for i := range m.QuickReplies {
		if err := checkChoice(&m.QuickReplies[i], "/rich/quickReplies/"+strconv.Itoa(i)); err != nil {
			return err
		}
	}
	if err := checkButtons(m.Buttons, "/rich/buttons"); err != nil {
		return err
	}
	for _, u := range []struct{ value, pointer string }{{m.Image, "/rich/image"}, {m.Gif, "/rich/gif"}} {
		if err := checkURL(u.value, u.pointer); err != nil {
			return err
		}
	}
	if m.Carousel && len(m.Cards) == 0 {
		return badRequest("/rich/carousel", "a carousel needs cards")
	}
	for i, c := range m.Cards {
		at := "/rich/cards/" + strconv.Itoa(i)
		if strings.TrimSpace(c.Title) == "" {
			return badRequest(at+"/title", "a card needs a title")
		}
		for _, u := range []struct{ value, pointer string }{{c.Image, at + "/image"}, {c.URL, at + "/url"}} {
			if err := checkURL(u.value, u.pointer); err != nil {
				return err
			}
		}
		if err := checkButtons(c.Buttons, at+"/buttons"); err != nil {
			return err
		}
	}
	if d := m.Dropdown; d != nil {
		if len(d.Options) == 0 {
			return badRequest("/rich/dropdown/options", "a drop-down needs options")
		}
		for i := range d.Options {
			if err := checkChoice(&d.Options[i], "/rich/dropdown/options/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkChoice(q *flow.QuickReply, at string) error {
	if strings.TrimSpace(q.Title) == "" {
		return badRequest(at+"/title", "a choice needs a title")
	}
	if q.Payload == "" {
		q.Payload = q.Title
	}
	return nil
}

func checkButtons(bs []flow.Button, at string) error {
	for i, b := range bs {
		at := at + "/" + strconv.Itoa(i)
		if strings.TrimSpace(b.Title) == "" {
			return badRequest(at+"/title", "a button needs a title")
		}
		if b.Payload == "" && b.URL == "" && b.Webview == "" {
			return badRequest(at, "a button needs a payload, a url or a webview")
		}
		for _, u := range []struct{ value, pointer string }{{b.URL, at + "/url"}, {b.Webview, at + "/webview"}} {
			if err := checkURL(u.value, u.pointer); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkURL accepts "" or an absolute http(s) URL.
func checkURL(v, pointer string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badRequest(pointer, "must be an absolute http or https URL")
	}
	return nil
}

// sessionRequest is the body of PATCH /v1/conversations/{id}/session.
type sessionRequest struct {
	Vars map[string]any `json:"vars"`
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request) error {
	var req sessionRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	if req.Vars == nil {
		return badRequest("/vars", "vars is required: an object of the variables to set (null deletes one)")
	}
	if err := checkVars(req.Vars); err != nil {
		return err
	}
	return s.steer(w, r, store.Command{Kind: store.CommandSession, Vars: req.Vars})
}

// varNameRE is what a bot variable's name may be (as in bot files).
var varNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// checkVars checks the names of variables to set.
func checkVars(vars map[string]any) error {
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		at := "/vars/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(name)
		switch {
		case !varNameRE.MatchString(name):
			return badRequest(at, "a variable name starts with a letter or _ and holds only letters, digits and _")
		case slices.Contains(bot.Reserved, name):
			return badRequest(at, fmt.Sprintf("%q is a reserved name, not a variable", name))
		}
	}
	return nil
}

// triggerRequest is the body of POST /v1/conversations/{id}/trigger.
type triggerRequest struct {
	Block string         `json:"block"`
	Vars  map[string]any `json:"vars"`
}

func (s *Server) trigger(w http.ResponseWriter, r *http.Request) error {
	var req triggerRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	if req.Block == "" {
		return badRequest("/block", "block is required: the id of the block to jump to")
	}
	if err := checkVars(req.Vars); err != nil {
		return err
	}
	return s.steer(w, r, store.Command{Kind: store.CommandTrigger, Block: req.Block, Vars: req.Vars})
}

// emptyRequest is the body of the pause and unpause routes: none, or {}.
type emptyRequest struct{}

func (s *Server) pause(w http.ResponseWriter, r *http.Request) error {
	return s.pauseOrUnpause(w, r, store.CommandPause)
}

func (s *Server) unpause(w http.ResponseWriter, r *http.Request) error {
	return s.pauseOrUnpause(w, r, store.CommandUnpause)
}

func (s *Server) pauseOrUnpause(w http.ResponseWriter, r *http.Request, kind string) error {
	if r.ContentLength != 0 {
		if err := decode(w, r, MaxBody, &emptyRequest{}); err != nil {
			return err
		}
	}
	return s.steer(w, r, store.Command{Kind: kind})
}

// steer submits a command to the conversation of the request's path and
// answers with its outcome once it is carried out.
func (s *Server) steer(w http.ResponseWriter, r *http.Request, cmd store.Command) error {
	ctx := r.Context()
	wait, err := preferredWait(r)
	if err != nil {
		return err
	}
	conv, err := s.Store.GetConversation(ctx, projectOf(ctx), r.PathValue("conversationID"))
	if err != nil {
		return err
	}
	if cmd.Kind == store.CommandTrigger {
		if err := s.checkBlock(conv.Bot, cmd.Block); err != nil {
			return err
		}
	}
	ch, err := s.Store.ChannelByID(ctx, conv.ChannelID)
	if err != nil {
		return err
	}
	cmd.ID, cmd.ProjectID, cmd.ConversationID, cmd.CreatedAt = store.NewID("cmd"), conv.ProjectID, conv.ID, s.Now()
	sub := store.Submission{Command: cmd}
	if s.PrepareCommand != nil {
		s.PrepareCommand(&sub, ch)
	}
	// With an Idempotency-Key, the answer kept is what is known when the
	// command is stored: its outcome when it ran at once, else the 202.
	keep := keepAnswerOf(r, func(result any) keptAnswer { return s.steerAnswer(result.(store.Submitted).Command) })
	res, err := s.Store.SubmitCommand(keep, sub)
	if err != nil {
		return err
	}
	s.Submitted(res)
	done := res.Command
	if done.Status == store.CommandPending && wait > 0 {
		if done, err = s.awaitCommand(ctx, done, wait); err != nil {
			return err
		}
	}
	a := s.steerAnswer(done)
	if p, ok := a.Body.(problem); ok {
		return &httpError{status: p.Status, msg: p.Detail}
	}
	for k, v := range a.Header {
		w.Header().Set(k, v)
	}
	writeJSON(w, a.Status, a.Body)
	return nil
}

// steerAnswer is what a steering route answers for its command as it
// stands: 202 with the command while it is pending, the 422 problem of a
// command that failed, else its outcome.
func (s *Server) steerAnswer(c store.Command) keptAnswer {
	switch c.Status {
	case store.CommandPending:
		return keptAnswer{Status: http.StatusAccepted, Header: map[string]string{"Location": commandURL(c)}, Body: s.showCommand(c)}
	case store.CommandFailed:
		status := http.StatusUnprocessableEntity
		return keptAnswer{Status: status, Header: map[string]string{"Content-Type": "application/problem+json"},
			Body: problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: "the command could not be carried out: " + c.Error}}
	}
	status, body := s.commandAnswer(c)
	return keptAnswer{Status: status, Body: body}
}

// checkBlock refuses a trigger of a block that the conversation's bot
// does not have (422, with the closest block's id when one is close).
func (s *Server) checkBlock(botID, block string) error {
	engines, ok := s.Bots.(Engines)
	if !ok {
		return nil // the command fails when it runs
	}
	eng, ok := engines.Engine(botID)
	if !ok {
		return &httpError{status: http.StatusUnprocessableEntity, msg: fmt.Sprintf("the conversation's bot %q is not served", botID)}
	}
	if b := eng.Bot(); b.Block(block) == nil {
		// Checker.Suggest is the bot files' did-you-mean; it needs no
		// checker.
		return &httpError{status: http.StatusUnprocessableEntity, pointer: "/block",
			msg: fmt.Sprintf("no block %q in bot %q%s", block, botID, (&bot.Checker{}).Suggest(block, b.Blocks.IDs()))}
	}
	return nil
}

// preferredWait is how long the request lets its command be waited for:
// CommandWait, or less as its Prefer header asks (RFC 7240:
// "respond-async" answers 202 once the command is stored, "wait=N" waits
// at most N seconds).
func preferredWait(r *http.Request) (time.Duration, error) {
	wait := CommandWait
	for _, h := range r.Header.Values("Prefer") {
		for _, pref := range strings.Split(h, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(pref), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "respond-async":
				wait = 0
			case "wait":
				n, err := strconv.Atoi(strings.Trim(strings.TrimSpace(value), `"`))
				if err != nil || n < 0 {
					return 0, badRequest("", "Prefer: wait= takes a whole number of seconds")
				}
				wait = min(wait, time.Duration(n)*time.Second)
			}
		}
	}
	return wait, nil
}

// awaitCommand reads a pending command until it is carried out, at most
// for wait or until the client goes; it returns the command as it then
// stands.
func (s *Server) awaitCommand(ctx context.Context, cmd store.Command, wait time.Duration) (store.Command, error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	pause := 5 * time.Millisecond
	for {
		tick := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			tick.Stop()
			return cmd, nil // the client is gone; the command goes on
		case <-deadline.C:
			tick.Stop()
			return cmd, nil
		case <-tick.C:
		}
		now, err := s.Store.GetCommand(ctx, cmd.ProjectID, cmd.ConversationID, cmd.ID)
		if err != nil {
			return cmd, err
		}
		if now.Status != store.CommandPending {
			return now, nil
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}

func commandURL(c store.Command) string {
	return "/v1/conversations/" + url.PathEscape(c.ConversationID) + "/commands/" + url.PathEscape(c.ID)
}

// commandAnswer is the status and body a done command's route answers;
// the values of the bots' secrets are redacted from the variables.
func (s *Server) commandAnswer(c store.Command) (int, any) {
	res := c.Result
	if res == nil {
		res = &store.CommandResult{}
	}
	if c.Kind == store.CommandMessage {
		var m flow.Message
		_ = json.Unmarshal(c.Message, &m) // the route wrote it
		out := operatorMessage{Text: m.Text, As: c.As}
		rich := richMessage{QuickReplies: m.QuickReplies, Buttons: m.Buttons, Image: m.Image, Gif: m.Gif, Cards: m.Cards, Carousel: m.Carousel, Dropdown: m.Dropdown}
		if len(rich.QuickReplies) > 0 || len(rich.Buttons) > 0 || rich.Image != "" || rich.Gif != "" || len(rich.Cards) > 0 || rich.Dropdown != nil {
			out.Rich = &rich
		}
		if c.AdminID != 0 {
			id := c.AdminID
			out.AdminID = &id
		}
		return http.StatusCreated, sentResponse{ConversationID: c.ConversationID, CommandID: c.ID, Seq: res.Seq, DeliveryID: res.DeliveryID, Message: out}
	}
	vars, _ := s.secrets().Value(res.Vars).(map[string]any)
	if vars == nil {
		vars = map[string]any{}
	}
	return http.StatusOK, stateResponse{ConversationID: c.ConversationID, CommandID: c.ID, Status: res.Status, Paused: res.Paused, Block: res.Block, Vars: vars}
}

func (s *Server) showCommand(c store.Command) commandResponse {
	out := commandResponse{ID: c.ID, ConversationID: c.ConversationID, Kind: c.Kind, Status: c.Status, URL: commandURL(c),
		CreatedAt: c.CreatedAt.Format(time.RFC3339Nano), Error: c.Error}
	if !c.DoneAt.IsZero() {
		out.DoneAt = c.DoneAt.Format(time.RFC3339Nano)
	}
	if c.Status == store.CommandDone {
		_, out.Result = s.commandAnswer(c)
	}
	return out
}

func (s *Server) getCommand(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := s.Store.GetCommand(ctx, projectOf(ctx), r.PathValue("conversationID"), r.PathValue("commandID"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.showCommand(c))
	return nil
}
