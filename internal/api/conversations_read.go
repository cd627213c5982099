package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/store"
)

// Pages of lists (docs/api.md "Pagination"): limit is 1 to MaxPage,
// DefaultPage when not given; an answer with more after it carries
// nextCursor, which the next request passes as cursor.
const (
	DefaultPage = 50
	MaxPage     = 200
)

// conversationResponse is a conversation as the list shows it.
type conversationResponse struct {
	ID        string `json:"id"`
	Bot       string `json:"bot"`
	ChannelID string `json:"channelID"`
	UserID    int64  `json:"userID"`
	SenderID  string `json:"senderID,omitempty"`
	// Status is where the flow stands: "new" before the first turn, else
	// the conversation's status ("input", "ended", "paused", ...).
	Status        string `json:"status"`
	CreatedAt     string `json:"createdAt"`
	UpdatedAt     string `json:"updatedAt"`
	LastMessageAt string `json:"lastMessageAt,omitempty"`
}

// conversationDetail is one conversation with its state: the block the
// flow stands at and its session variables.
type conversationDetail struct {
	conversationResponse
	Block string         `json:"block,omitempty"`
	Vars  map[string]any `json:"vars"`
}

// statusNew is the status shown for a conversation whose first turn has
// not run ("" in the store).
const statusNew = "new"

func showConversation(c store.Conversation) conversationResponse {
	r := conversationResponse{ID: c.ID, Bot: c.Bot, ChannelID: c.ChannelID, UserID: c.UserID, SenderID: c.SenderID, Status: c.Status,
		CreatedAt: c.CreatedAt.Format(time.RFC3339Nano), UpdatedAt: c.UpdatedAt.Format(time.RFC3339Nano)}
	if r.Status == "" {
		r.Status = statusNew
	}
	if !c.LastMessageAt.IsZero() {
		r.LastMessageAt = c.LastMessageAt.Format(time.RFC3339Nano)
	}
	return r
}

// pageParams reads limit and cursor, the parameters every list takes.
func pageParams(q url.Values) (limit int, cursor string, err error) {
	limit = DefaultPage
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPage {
			return 0, "", badRequest("", fmt.Sprintf("limit must be a number from 1 to %d", MaxPage))
		}
		limit = n
	}
	return limit, q.Get("cursor"), nil
}

// Cursors are base64url (no padding) of a kind letter and the place in
// the list: "c,<updatedAt ms>,<id>" for conversations, "m,<seq>" for
// messages, "l,<log id>" for execution logs. Clients treat them as opaque.

func makeCursor(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, ",")))
}

// readCursor decodes a cursor of kind into its n parts.
func readCursor(cursor, kind string, n int) ([]string, error) {
	bad := badRequest("", "cursor is not valid here: pass the nextCursor of the previous page of this list as it is")
	data, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, bad
	}
	parts := strings.SplitN(string(data), ",", n+1)
	if len(parts) != n+1 || parts[0] != kind {
		return nil, bad
	}
	return parts[1:], nil
}

// readSeqCursor decodes a cursor of kind whose place is one number.
func readSeqCursor(cursor, kind string) (int64, error) {
	parts, err := readCursor(cursor, kind, 1)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || n < 1 {
		return 0, badRequest("", "cursor is not valid here: pass the nextCursor of the previous page of this list as it is")
	}
	return n, nil
}

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, cursor, err := pageParams(q)
	if err != nil {
		return err
	}
	f := store.ConversationFilter{Bot: q.Get("bot"), ChannelID: q.Get("channel"), Limit: limit + 1}
	if status := q.Get("status"); status != "" {
		if status == statusNew {
			status = ""
		}
		f.Status = &status
	}
	if user := q.Get("user"); user != "" {
		// A number may be a user's id or a sender id: either matches.
		f.SenderID = user
		if id, err := strconv.ParseInt(user, 10, 64); err == nil {
			f.UserID = &id
		}
	}
	if v := q.Get("updatedSince"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return badRequest("", "updatedSince must be an RFC 3339 time, such as 2026-11-22T03:21:52Z")
		}
		f.UpdatedSince = t
	}
	if cursor != "" {
		parts, err := readCursor(cursor, "c", 2)
		if err != nil {
			return err
		}
		at, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			return badRequest("", "cursor is not valid here: pass the nextCursor of the previous page of this list as it is")
		}
		f.After = &store.ConversationCursor{UpdatedAt: time.UnixMilli(at), ID: parts[1]}
	}
	list, err := s.Store.ListConversations(r.Context(), projectOf(r.Context()), f)
	if err != nil {
		return err
	}
	answer := struct {
		Conversations []conversationResponse `json:"conversations"`
		NextCursor    string                 `json:"nextCursor,omitempty"`
	}{Conversations: []conversationResponse{}}
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		answer.NextCursor = makeCursor("c", strconv.FormatInt(last.UpdatedAt.UnixMilli(), 10), last.ID)
	}
	for _, c := range list {
		answer.Conversations = append(answer.Conversations, showConversation(c))
	}
	writeJSON(w, http.StatusOK, answer)
	return nil
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Store.ListConversations(r.Context(), projectOf(r.Context()), store.ConversationFilter{ID: r.PathValue("conversationID"), Limit: 1})
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return store.ErrNotFound
	}
	c := list[0]
	out := conversationDetail{conversationResponse: showConversation(c), Vars: map[string]any{}}
	if len(c.State) > 0 {
		// Only where the flow stands and the variables are shown; the rest
		// of the state (the pending call, the recent messages) is the
		// engine's.
		var st struct {
			Block string         `json:"block"`
			Vars  map[string]any `json:"vars"`
		}
		if err := json.Unmarshal(c.State, &st); err != nil {
			return fmt.Errorf("conversation %s: reading its state: %w", c.ID, err)
		}
		out.Block = st.Block
		if st.Vars != nil {
			// A bot may have copied a secret into a variable.
			out.Vars = s.secrets().Value(st.Vars).(map[string]any)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// order reads the order parameter: false for oldest first (asc, the
// default), true for newest first (desc).
func order(q url.Values) (desc bool, err error) {
	switch q.Get("order") {
	case "", "asc":
		return false, nil
	case "desc":
		return true, nil
	}
	return false, badRequest("", `order must be "asc" or "desc"`)
}

// messageResponse is a message of a conversation.
type messageResponse struct {
	Seq       int64  `json:"seq"`
	Direction string `json:"direction"` // "in" (from the user) or "out"
	Text      string `json:"text"`
	// Rich is the rest of a message to the user: quick replies, buttons,
	// images, cards, a drop-down.
	Rich *flow.Message `json:"rich,omitempty"`
	// As and AdminID say who sent a message through the API ("bot" or
	// "agent", with the agent's number).
	As      string `json:"as,omitempty"`
	AdminID int64  `json:"adminID,omitempty"`
	// Attachments are the files the user sent with the message.
	Attachments []store.Attachment `json:"attachments,omitempty"`
	CreatedAt   string             `json:"createdAt"`
}

// showMessage reads a message's stored payload: the attachments of an
// inbound message, the rendered message of an outbound one (with who sent
// it when it came through the API).
func showMessage(m store.Message) (messageResponse, error) {
	r := messageResponse{Seq: m.Seq, Direction: m.Direction, Text: m.Text, CreatedAt: m.CreatedAt.Format(time.RFC3339Nano)}
	if len(m.Payload) == 0 {
		return r, nil
	}
	if m.Direction == "in" {
		var in struct {
			Attachments []store.Attachment `json:"attachments"`
		}
		if err := json.Unmarshal(m.Payload, &in); err != nil {
			return r, fmt.Errorf("message %d: %w", m.Seq, err)
		}
		r.Attachments = in.Attachments
		return r, nil
	}
	var out struct {
		flow.Message
		As      string `json:"as"`
		AdminID int64  `json:"adminID"`
	}
	if err := json.Unmarshal(m.Payload, &out); err != nil {
		return r, fmt.Errorf("message %d: %w", m.Seq, err)
	}
	r.As, r.AdminID = out.As, out.AdminID
	rich := out.Message
	rich.Text = "" // it is the message's text
	if rich.QuickReplies != nil || rich.Buttons != nil || rich.Image != "" || rich.Gif != "" || rich.Cards != nil || rich.Dropdown != nil {
		r.Rich = &rich
	}
	return r, nil
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, cursor, err := pageParams(q)
	if err != nil {
		return err
	}
	p := store.MessagePage{Limit: limit + 1}
	if p.Desc, err = order(q); err != nil {
		return err
	}
	for name, dst := range map[string]*int64{"after": &p.After, "before": &p.Before} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return badRequest("", name+" must be a message's seq: a whole number from 0")
			}
			*dst = n
		}
	}
	if cursor != "" {
		seq, err := readSeqCursor(cursor, "m")
		if err != nil {
			return err
		}
		// The page goes on from the cursor in the order asked for.
		if p.Desc && (p.Before == 0 || seq < p.Before) {
			p.Before = seq
		} else if !p.Desc && seq > p.After {
			p.After = seq
		}
	}
	msgs, err := s.Store.ListMessages(r.Context(), projectOf(r.Context()), r.PathValue("conversationID"), p)
	if err != nil {
		return err
	}
	answer := struct {
		Messages   []messageResponse `json:"messages"`
		NextCursor string            `json:"nextCursor,omitempty"`
	}{Messages: []messageResponse{}}
	if len(msgs) > limit {
		msgs = msgs[:limit]
		answer.NextCursor = makeCursor("m", strconv.FormatInt(msgs[limit-1].Seq, 10))
	}
	for _, m := range msgs {
		mr, err := showMessage(m)
		if err != nil {
			return err
		}
		answer.Messages = append(answer.Messages, mr)
	}
	writeJSON(w, http.StatusOK, answer)
	return nil
}

// logResponse is the execution log of one turn: the steps of the flow's
// trace (internal/turn/log.go says what they hold).
type logResponse struct {
	Seq   int64           `json:"seq"`
	At    string          `json:"at"`
	Steps json.RawMessage `json:"steps"`
}

func (s *Server) listLogs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, cursor, err := pageParams(q)
	if err != nil {
		return err
	}
	p := store.LogPage{Limit: limit + 1}
	if p.Desc, err = order(q); err != nil {
		return err
	}
	if cursor != "" {
		id, err := readSeqCursor(cursor, "l")
		if err != nil {
			return err
		}
		if p.Desc {
			p.Before = id
		} else {
			p.After = id
		}
	}
	logs, err := s.Store.ListTurnLogs(r.Context(), projectOf(r.Context()), r.PathValue("conversationID"), p)
	if err != nil {
		return err
	}
	answer := struct {
		Logs       []logResponse `json:"logs"`
		NextCursor string        `json:"nextCursor,omitempty"`
	}{Logs: []logResponse{}}
	if len(logs) > limit {
		logs = logs[:limit]
		answer.NextCursor = makeCursor("l", strconv.FormatInt(logs[limit-1].Seq, 10))
	}
	for _, l := range logs {
		// The steps are stored as JSON, secrets already redacted.
		answer.Logs = append(answer.Logs, logResponse{Seq: l.Seq, At: l.At.Format(time.RFC3339Nano), Steps: l.Trace})
	}
	writeJSON(w, http.StatusOK, answer)
	return nil
}
