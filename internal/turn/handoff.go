package turn

import "sync"

// handoffs puts the hand-overs of one conversation's deliveries to the
// outbox in the order of their commits. A turn that ran in the queue
// registers before its commit and hands over after it; whatever commits
// after it for the same conversation on this worker (the conversation's
// next turn, claimed as soon as the commit releases it, or a message or
// command run inline) hands over only after it. Without this, the next
// turn's deliveries, created leased behind the first's (see
// store.TurnResult.DeliveryLease), could reach the deliverer, and go out,
// before the first's.
type handoffs struct {
	mu sync.Mutex
	m  map[string]chan struct{} // conversation → closed once its last registered hand-over is made
}

// begin registers a hand-over to come for a conversation. The returned
// function must be called once, after the commit: it waits for the
// hand-overs registered before, then makes hand (nil after a failed
// commit).
func (h *handoffs) begin(conversationID string) (handOver func(hand func())) {
	mine := make(chan struct{})
	h.mu.Lock()
	if h.m == nil {
		h.m = map[string]chan struct{}{}
	}
	prev := h.m[conversationID]
	h.m[conversationID] = mine
	h.mu.Unlock()
	return func(hand func()) {
		if prev != nil {
			<-prev
		}
		if hand != nil {
			hand()
		}
		close(mine)
		h.mu.Lock()
		if h.m[conversationID] == mine {
			delete(h.m, conversationID)
		}
		h.mu.Unlock()
	}
}
