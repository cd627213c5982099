package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/confab/confab/internal/bot"
	"github.com/confab/confab/internal/flow"
	"github.com/confab/confab/internal/redact"
	"github.com/confab/confab/internal/store"
)

// BotRegistry is what the bot, NLP and conversation routes use of
// Deps.Bots when it has it (the server's bots, app.Bots, do): the bots'
// engines, versions and reload, and the redactor of their secrets.
// Without it, no bot is described, reloaded or parsed with.
type BotRegistry interface {
	Engine(id string) (*flow.Engine, bool)
	// Bots describes the bots served, sorted by id.
	Bots() []BotInfo
	// Bot describes one bot, with its versions.
	Bot(id string) (BotInfo, bool)
	// Reload reads a bot's file again. A file with errors is a
	// bot.Problems error (the current version keeps serving); an id that
	// is not served wraps store.ErrNotFound.
	Reload(id string) (BotReload, error)
	// Secrets returns the redactor of the secrets bots see (nil: none).
	Secrets() *redact.Secrets
}

// BotInfo describes a bot served.
type BotInfo struct {
	ID          string
	Name        string
	Description string
	// Versions are the versions loaded since the server started, newest
	// (the one serving) first.
	Versions []BotVersion
}

// BotVersion is one version of a bot file as it was loaded.
type BotVersion struct {
	Hash     string    // hex SHA-256 of the file's content
	LoadedAt time.Time // when the server loaded it
	Source   string    // the file's path on the server
}

// BotReload is what a reload did.
type BotReload struct {
	Bot BotInfo
	// Changed says the file's content changed and its new version serves
	// now; false when it was the same.
	Changed  bool
	Warnings bot.Problems
}

// registry returns Deps.Bots as a BotRegistry, or nil.
func (s *Server) registry() BotRegistry {
	reg, _ := s.Bots.(BotRegistry)
	return reg
}

// secrets returns the redactor of the bots' secrets, or nil.
func (s *Server) secrets() *redact.Secrets {
	if reg := s.registry(); reg != nil {
		return reg.Secrets()
	}
	return nil
}

type botVersionResponse struct {
	Hash     string `json:"hash"`
	LoadedAt string `json:"loadedAt"`
	Source   string `json:"source"`
}

type botResponse struct {
	ID          string             `json:"id"`
	Name        string             `json:"name,omitempty"`
	Description string             `json:"description,omitempty"`
	Version     botVersionResponse `json:"version"`
	// Channels are the ids of the project's channels that run the bot.
	Channels []string `json:"channels"`
	// Versions, in the answer about one bot only, are the versions loaded
	// since the server started, newest first.
	Versions []botVersionResponse `json:"versions,omitempty"`
}

type botReloadResponse struct {
	Bot      botResponse `json:"bot"`
	Changed  bool        `json:"changed"`
	Warnings []string    `json:"warnings"`
}

// invalidBot is the problem+json answer of a reload whose file has
// errors: each as "file:line:col: message".
type invalidBot struct {
	problem
	Problems []string `json:"problems"`
}

func showVersion(v BotVersion) botVersionResponse {
	return botVersionResponse{Hash: v.Hash, LoadedAt: v.LoadedAt.Format(time.RFC3339Nano), Source: v.Source}
}

// showBot describes a bot with the project's channels that run it; with
// versions when all is set.
func showBot(b BotInfo, channels map[string][]string, all bool) botResponse {
	r := botResponse{ID: b.ID, Name: b.Name, Description: b.Description, Channels: channels[b.ID]}
	if r.Channels == nil {
		r.Channels = []string{}
	}
	if len(b.Versions) > 0 {
		r.Version = showVersion(b.Versions[0])
	}
	if all {
		r.Versions = make([]botVersionResponse, len(b.Versions))
		for i, v := range b.Versions {
			r.Versions[i] = showVersion(v)
		}
	}
	return r
}

// channelsByBot returns the ids of a project's channels, by their bot.
func (s *Server) channelsByBot(r *http.Request) (map[string][]string, error) {
	cs, err := s.Store.ListChannels(r.Context(), projectOf(r.Context()))
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, c := range cs {
		out[c.Bot] = append(out[c.Bot], c.ID)
	}
	return out, nil
}

// bot returns the bot of the request's path, or ErrNotFound.
func (s *Server) bot(r *http.Request) (BotRegistry, BotInfo, error) {
	reg := s.registry()
	if reg == nil {
		return nil, BotInfo{}, store.ErrNotFound
	}
	b, ok := reg.Bot(r.PathValue("botID"))
	if !ok {
		return nil, BotInfo{}, store.ErrNotFound
	}
	return reg, b, nil
}

func (s *Server) listBots(w http.ResponseWriter, r *http.Request) error {
	channels, err := s.channelsByBot(r)
	if err != nil {
		return err
	}
	out := []botResponse{}
	if reg := s.registry(); reg != nil {
		for _, b := range reg.Bots() {
			out = append(out, showBot(b, channels, false))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"bots": out})
	return nil
}

func (s *Server) getBot(w http.ResponseWriter, r *http.Request) error {
	_, b, err := s.bot(r)
	if err != nil {
		return err
	}
	channels, err := s.channelsByBot(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, showBot(b, channels, true))
	return nil
}

// reloadBot reads a bot's file again: 200 with the version that serves
// now, or 422 with the file's problems (the old version keeps serving).
func (s *Server) reloadBot(w http.ResponseWriter, r *http.Request) error {
	reg, b, err := s.bot(r)
	if err != nil {
		return err
	}
	res, err := reg.Reload(b.ID)
	var problems bot.Problems
	if errors.As(err, &problems) {
		s.Log.Info("a bot reload was refused", "bot", b.ID, "problems", len(problems))
		body := invalidBot{problem: problem{Type: "about:blank", Title: http.StatusText(http.StatusUnprocessableEntity), Status: http.StatusUnprocessableEntity,
			Detail: "the bot file has errors; the version loaded before keeps serving"}, Problems: problemLines(problems)}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_ = json.NewEncoder(w).Encode(body)
		return nil
	}
	if err != nil {
		return err
	}
	if res.Changed {
		s.Log.Info("a bot was reloaded", "bot", b.ID, "hash", res.Bot.Versions[0].Hash)
	}
	channels, err := s.channelsByBot(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, botReloadResponse{Bot: showBot(res.Bot, channels, true), Changed: res.Changed, Warnings: problemLines(res.Warnings)})
	return nil
}

// problemLines formats problems as "file:line:col: message".
func problemLines(ps bot.Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}
