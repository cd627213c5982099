package api

import (
	"net/http"
	"strconv"
	"unicode/utf8"
)

// parseRequest is the body of POST /v1/nlp/parse.
type parseRequest struct {
	Bot  string `json:"bot"`
	Text string `json:"text"`
}

type intentScore struct {
	Name       string  `json:"name"`
	Confidence float64 `json:"confidence"`
}

type entityResponse struct {
	Entity string `json:"entity"`
	Value  any    `json:"value"`
	// Start and End are the offsets of Text in the message, in characters
	// (Unicode code points), End excluded.
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// parseResponse is what the bot's NLP reads in a text. Intent is left out
// when no intent reaches the threshold (Confidence is 0 then);
// Alternatives are the best scoring intents, up to 3, even then.
type parseResponse struct {
	Intent       *intentScore     `json:"intent,omitempty"`
	Confidence   float64          `json:"confidence"`
	Entities     []entityResponse `json:"entities"`
	Alternatives []intentScore    `json:"alternatives"`
}

// parseText reads a text with a bot's built-in NLP matcher, as the bot
// reads a user's message (relative dates from the server's clock).
func (s *Server) parseText(w http.ResponseWriter, r *http.Request) error {
	var req parseRequest
	if err := decode(w, r, MaxBody, &req); err != nil {
		return err
	}
	if req.Bot == "" {
		return badRequest("/bot", "bot is required")
	}
	if req.Text == "" {
		return badRequest("/text", "text is required")
	}
	reg := s.registry()
	if reg == nil {
		return badRequest("/bot", "no bot "+strconv.Quote(req.Bot)+" is served here")
	}
	eng, ok := reg.Engine(req.Bot)
	if !ok {
		return badRequest("/bot", "no bot "+strconv.Quote(req.Bot)+" is served here")
	}
	res := eng.Matcher().Parse(req.Text, s.Now())
	out := parseResponse{Confidence: res.Confidence, Entities: []entityResponse{}, Alternatives: []intentScore{}}
	if res.Intent != "" {
		out.Intent = &intentScore{Name: res.Intent, Confidence: res.Confidence}
	}
	for _, e := range res.Entities {
		start := utf8.RuneCountInString(req.Text[:e.Start])
		out.Entities = append(out.Entities, entityResponse{Entity: e.Name, Value: e.Value, Start: start,
			End: start + utf8.RuneCountInString(e.Text), Text: e.Text})
	}
	for _, a := range res.Alternatives {
		out.Alternatives = append(out.Alternatives, intentScore{Name: a.Intent, Confidence: a.Confidence})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
