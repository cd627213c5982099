package client

import (
	"context"
	"net/http"
	"time"
)

// Bot is a bot the server serves.
type Bot struct {
	ID          string     `json:"id"`
	Name        string     `json:"name,omitempty"`
	Description string     `json:"description,omitempty"`
	Version     BotVersion `json:"version"`
	// Channels are the ids of the project's channels that run the bot.
	Channels []string `json:"channels"`
	// Versions are the versions loaded since the server started, newest
	// first (set by GetBot and ReloadBot).
	Versions []BotVersion `json:"versions,omitempty"`
}

// BotVersion is a version of a bot file as the server loaded it.
type BotVersion struct {
	// Hash is the hex SHA-256 of the file's content.
	Hash     string    `json:"hash"`
	LoadedAt time.Time `json:"loadedAt"`
	// Source is the file's path on the server.
	Source string `json:"source"`
}

// BotList is the answer of ListBots.
type BotList struct {
	Bots []Bot `json:"bots"`
}

// BotReload is the answer of ReloadBot.
type BotReload struct {
	Bot Bot `json:"bot"`
	// Changed is false when the file had not changed (nothing else did).
	Changed bool `json:"changed"`
	// Warnings are the file's warnings, as "file:line:col: warning: ...".
	Warnings []string `json:"warnings"`
}

// ListBots returns the bots the server serves (GET /v1/bots).
func (c *Client) ListBots(ctx context.Context) (*BotList, error) {
	var out BotList
	if err := c.do(ctx, http.MethodGet, "/v1/bots", nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetBot returns a bot with its versions (GET /v1/bots/{botID}).
func (c *Client) GetBot(ctx context.Context, botID string) (*Bot, error) {
	var out Bot
	if err := c.do(ctx, http.MethodGet, path("/v1/bots", botID), nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// ReloadBot reads a bot's file again on the server (POST
// /v1/bots/{botID}/reload). A file with errors is an *Error of status 422
// whose Problems list them; the version loaded before keeps serving.
func (c *Client) ReloadBot(ctx context.Context, botID string) (*BotReload, error) {
	var out BotReload
	if err := c.do(ctx, http.MethodPost, path("/v1/bots", botID, "reload"), nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// ParseRequest is a text to read with a bot's NLP (the body of POST
// /v1/nlp/parse).
type ParseRequest struct {
	Bot  string `json:"bot"`
	Text string `json:"text"`
}

// IntentScore is an intent with its confidence, from 0 to 1.
type IntentScore struct {
	Name       string  `json:"name"`
	Confidence float64 `json:"confidence"`
}

// ParsedEntity is an entity found in a text.
type ParsedEntity struct {
	Entity string `json:"entity"`
	// Value is the canonical value: a string, a float64, or a map for an
	// amount ({value, currency}).
	Value any `json:"value"`
	// Start and End are where Text is in the text, in characters
	// (Unicode code points), End excluded.
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// ParseResult is what a bot's NLP read in a text. Intent is nil when no
// intent reaches the threshold.
type ParseResult struct {
	Intent       *IntentScore   `json:"intent,omitempty"`
	Confidence   float64        `json:"confidence"`
	Entities     []ParsedEntity `json:"entities"`
	Alternatives []IntentScore  `json:"alternatives"`
}

// ParseText reads a text with a bot's built-in NLP (POST /v1/nlp/parse).
func (c *Client) ParseText(ctx context.Context, req ParseRequest) (*ParseResult, error) {
	var out ParseResult
	if err := c.do(ctx, http.MethodPost, "/v1/nlp/parse", req, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// FunctionCallRequest calls a bot's function (the body of POST
// /v1/bots/{botID}/functions/{name}/call).
type FunctionCallRequest struct {
	// ConversationID, when set, is a conversation of the project whose
	// session, last messages and variables the function receives.
	ConversationID string `json:"conversationId,omitempty"`
	// Params are the parameters' values, checked against the function's
	// declaration.
	Params map[string]any `json:"params"`
}

// FunctionAnswer is a function's answer: Type ("context", "message" or
// "documents") and the field of that name.
type FunctionAnswer struct {
	Type      string `json:"type"`
	Context   string `json:"context,omitempty"`
	Message   string `json:"message,omitempty"`
	Documents []any  `json:"documents,omitempty"`
}

// FunctionCallResult is what a function answered.
type FunctionCallResult struct {
	Function string `json:"function"`
	// Status is the function's HTTP status.
	Status    int            `json:"status"`
	LatencyMs int64          `json:"latencyMs"`
	Answer    FunctionAnswer `json:"answer"`
	// Request is the JSON body the function received.
	Request map[string]any `json:"request"`
}

// CallFunction calls a function a bot declares, as a function block would
// (POST /v1/bots/{botID}/functions/{name}/call). A parameter that does not
// fit is an *Error of status 400 whose Pointer names it; a function that
// fails, times out or answers something else is an *Error of status 502
// or 504 whose Detail says why.
func (c *Client) CallFunction(ctx context.Context, botID, name string, req FunctionCallRequest) (*FunctionCallResult, error) {
	var out FunctionCallResult
	if err := c.do(ctx, http.MethodPost, path("/v1/bots", botID, "functions", name, "call"), req, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}
