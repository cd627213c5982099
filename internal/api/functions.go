package api

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/confab/confab/internal/action"
	"github.com/confab/confab/internal/block"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/turn"
	"github.com/confab/confab/internal/webhook"
)

// Calling a bot's function through the API (POST
// /v1/bots/{botID}/functions/{name}/call), to try a function from the
// console or CI: the parameters are checked as a function block checks
// them, the request is the one a function block sends (seed 002), and the
// call goes through the server's safe client (Deps.Execute).

// functionCallRequest is the body of POST .../functions/{name}/call.
type functionCallRequest struct {
	// ConversationID, when set, is a conversation of the project whose
	// session, last messages and variables the request carries.
	ConversationID string         `json:"conversationId,omitempty"`
	Params         map[string]any `json:"params"`
}

// functionAnswer is a function's answer as the route shows it: Type and
// the field of that name. A message is shown as text (the API channel's
// format).
type functionAnswer struct {
	Type      string `json:"type"`
	Context   string `json:"context,omitempty"`
	Message   string `json:"message,omitempty"`
	Documents []any  `json:"documents,omitempty"`
}

// functionCallResponse is the answer of a call that worked.
type functionCallResponse struct {
	Function  string          `json:"function"`
	Status    int             `json:"status"` // the function's HTTP status
	LatencyMs int64           `json:"latencyMs"`
	Answer    functionAnswer  `json:"answer"`
	Request   json.RawMessage `json:"request"` // the JSON body the function received
}

// functionProblem is the problem+json answer of a call that failed: the
// function's server could not be reached, timed out, answered a status
// other than 2xx, or answered something that is not one of the three
// shapes.
type functionProblem struct {
	problem
	// ErrorClass is "timeout", "network", "refused", ... (a transport
	// error), "status" (not 2xx) or "answer" (not application/json, or
	// not one of the shapes).
	ErrorClass     string          `json:"errorClass"`
	UpstreamStatus int             `json:"upstreamStatus,omitempty"`
	LatencyMs      int64           `json:"latencyMs"`
	Request        json.RawMessage `json:"request"`
}

// callFunction checks the parameters, builds the request of seed 002 and
// runs it through the server's safe client.
func (s *Server) callFunction(w http.ResponseWriter, r *http.Request) error {
	var req functionCallRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	reg := s.registry()
	if reg == nil || s.Execute == nil {
		return fail(http.StatusNotFound, "this server calls no functions")
	}
	botID, name := r.PathValue("botID"), r.PathValue("name")
	eng, ok := reg.Engine(botID)
	if !ok {
		return fail(http.StatusNotFound, "no bot "+strconv.Quote(botID)+" is served here")
	}
	f := eng.Bot().Functions.Get(name)
	if f == nil {
		return fail(http.StatusNotFound, "bot "+botID+" declares no function "+strconv.Quote(name))
	}
	st, conv, err := s.functionState(r.Context(), botID, req.ConversationID)
	if err != nil {
		return err
	}
	params, err := block.CheckParams(f, req.Params)
	var pe *block.ParamError
	if errors.As(err, &pe) {
		return badRequest("/params/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(pe.Param), pe.Error())
	}
	t := eng.Prepare(st, s.Now())
	hr, err := block.FunctionRequest(t, f, params)
	if err != nil {
		return fail(http.StatusUnprocessableEntity, s.secrets().String(err.Error()))
	}
	call := &flow.Call{ID: "fncall_" + rand.Text(), Kind: "function", HTTP: hr}
	ctx := r.Context()
	if conv != nil {
		ctx = action.WithOrigin(ctx, s.functionOrigin(ctx, conv))
	}
	res := s.Execute.Execute(ctx, call)
	latency := res.Latency.Milliseconds()
	if status, class, msg := functionFailure(res); status != 0 {
		s.Log.Info("a function called through the API failed", "bot", botID, "function", name, "class", class)
		body := functionProblem{problem: problem{Type: "about:blank", Title: http.StatusText(status), Status: status,
			Detail: s.secrets().String(msg)}, ErrorClass: class, LatencyMs: latency, Request: hr.Body}
		if res.HTTP != nil {
			body.UpstreamStatus = res.HTTP.Status
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
		return nil
	}
	ans, _ := block.FunctionAnswer(res.HTTP) // functionFailure read it
	out := functionCallResponse{Function: name, Status: res.HTTP.Status, LatencyMs: latency, Request: hr.Body,
		Answer: functionAnswer{Type: ans.Type, Context: ans.Context, Documents: ans.Documents}}
	if ans.Message != nil {
		out.Answer.Message = ans.Message.Text
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// functionState is the state a function call is built from: the
// conversation's when id is set (one of the request's project, running
// the bot), returned too, else a state with the project and the bot's
// variables at their defaults, and no conversation.
func (s *Server) functionState(ctx context.Context, botID, id string) (flow.State, *store.Conversation, error) {
	if id == "" {
		return flow.State{Channel: "api", Conversation: map[string]any{"project": projectOf(ctx)}}, nil, nil
	}
	c, err := s.Store.GetConversation(ctx, projectOf(ctx), id)
	if errors.Is(err, store.ErrNotFound) {
		return flow.State{}, nil, &httpError{status: http.StatusNotFound, msg: "no conversation " + strconv.Quote(id) + " in this project", pointer: "/conversationId"}
	}
	if err != nil {
		return flow.State{}, nil, err
	}
	if c.Bot != botID {
		return flow.State{}, nil, badRequest("/conversationId", fmt.Sprintf("conversation %s runs bot %s, not %s", id, c.Bot, botID))
	}
	st, err := turn.ConversationState(c)
	return st, &c, err
}

// functionOrigin is whom a function call for conversation c is made for:
// its key starts with the conversation's id, and it is signed with the
// webhook secret of the conversation's channel, as the conversation's own
// calls are (decision 11). A channel that cannot be read, or has no
// usable secret, leaves the call unsigned.
func (s *Server) functionOrigin(ctx context.Context, c *store.Conversation) action.Origin {
	o := action.Origin{Conversation: c.ID}
	ch, err := s.Store.ChannelByID(ctx, c.ChannelID)
	if err == nil {
		o.Signer, err = webhook.RotatingSigner(ch.WebhookSecret, ch.PreviousSecret, ch.PreviousUntil, s.Now())
	}
	if err != nil {
		s.Log.Warn("a function called through the API goes unsigned", "conversation", c.ID, "channel", c.ChannelID, "err", err)
		o.Signer = nil
	}
	return o
}

// functionFailure says why a call's result is not a function answer: the
// status the route answers (502, or 504 for a time-out; 0 when the result
// is an answer), the error class and the reason.
func functionFailure(res *flow.CallResult) (status int, class, msg string) {
	switch {
	case res.Err != "" && res.ErrClass == "timeout":
		return http.StatusGatewayTimeout, res.ErrClass, "the function did not answer in time: " + res.Err
	case res.Err != "":
		return http.StatusBadGateway, res.ErrClass, "the function could not be called: " + res.Err
	case res.HTTP == nil:
		return http.StatusBadGateway, "network", "the function's call has no HTTP answer"
	case res.HTTP.Status < 200 || res.HTTP.Status > 299:
		return http.StatusBadGateway, "status", fmt.Sprintf("the function answered %d %s", res.HTTP.Status, http.StatusText(res.HTTP.Status))
	}
	if _, err := block.FunctionAnswer(res.HTTP); err != nil {
		return http.StatusBadGateway, "answer", err.Error()
	}
	return 0, "", ""
}
