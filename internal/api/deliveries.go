package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/confab/confab/internal/store"
)

type attemptResponse struct {
	At        string `json:"at"`
	Status    int    `json:"status"`
	LatencyMs int64  `json:"latencyMs"`
	Error     string `json:"error,omitempty"`
	Excerpt   string `json:"responseExcerpt,omitempty"`
}

type deliveryResponse struct {
	ID             string            `json:"id"`
	ConversationID string            `json:"conversationID"`
	Status         string            `json:"status"`
	Attempts       int               `json:"attempts"`
	NextAt         string            `json:"nextAt,omitempty"`
	LastStatus     int               `json:"lastStatus,omitempty"`
	LastError      string            `json:"lastError,omitempty"`
	CreatedAt      string            `json:"createdAt"`
	History        []attemptResponse `json:"history"`
}

// deliveryProgress is what the delivery logs show of a delivery's
// attempts: when the next is due (pending ones only) and each made so far.
func deliveryProgress(d store.Delivery) (nextAt string, history []attemptResponse) {
	if d.Status == store.DeliveryPending {
		nextAt = d.NextAt.Format(time.RFC3339Nano)
	}
	history = make([]attemptResponse, 0, len(d.History))
	for _, a := range d.History {
		history = append(history, attemptResponse{At: a.At.Format(time.RFC3339Nano), Status: a.Status,
			LatencyMs: a.Latency.Milliseconds(), Error: a.Error, Excerpt: a.Excerpt})
	}
	return nextAt, history
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return badRequest("", "limit must be a number from 1 to 500")
		}
		limit = n
	}
	project, channel := projectOf(r.Context()), r.PathValue("channelID")
	if _, err := s.Store.GetChannel(r.Context(), project, channel); err != nil {
		return err
	}
	ds, err := s.Store.ListDeliveries(r.Context(), project, channel, limit)
	if err != nil {
		return err
	}
	out := make([]deliveryResponse, len(ds))
	for i, d := range ds {
		next, history := deliveryProgress(d)
		out[i] = deliveryResponse{ID: d.ID, ConversationID: d.ConversationID, Status: d.Status, Attempts: d.Attempts, NextAt: next,
			LastStatus: d.LastStatus, LastError: d.LastError, CreatedAt: d.CreatedAt.Format(time.RFC3339Nano), History: history}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
	return nil
}

func (s *Server) replayDelivery(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("deliveryID")
	resp := map[string]string{"id": id, "status": store.DeliveryPending}
	err := s.Store.ReplayDelivery(keepAnswer(r, http.StatusAccepted, resp), projectOf(r.Context()), id, s.Now())
	if errors.Is(err, store.ErrConflict) {
		return fail(http.StatusConflict, "only a dead delivery can be replayed; this one is not dead")
	}
	if err != nil {
		return err
	}
	s.Replayed()
	writeJSON(w, http.StatusAccepted, resp)
	return nil
}
