package turn

import (
	"slices"
	"sync"
	"testing"
	"time"
)

func TestHandoffsFollowTheOrderOfRegistration(t *testing.T) {
	t.Parallel()
	var h handoffs
	var mu sync.Mutex
	var order []string
	hand := func(name string) func() {
		return func() {
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
		}
	}
	// Three commits of one conversation, registered in this order, and
	// one of another conversation; their hand-overs are called in the
	// reverse order, each from its own goroutine.
	first, second, third := h.begin("c1"), h.begin("c1"), h.begin("c1")
	other := h.begin("c2")
	var wg sync.WaitGroup
	wg.Go(func() { third(hand("third")) })
	wg.Go(func() { second(nil) }) // a commit that failed hands nothing over
	// The other conversation does not wait for c1's.
	other(hand("other"))
	// Give the later ones time to run ahead if they could.
	time.Sleep(20 * time.Millisecond)
	first(hand("first"))
	wg.Wait()
	if want := []string{"other", "first", "third"}; !slices.Equal(order, want) {
		t.Errorf("hand-overs in the order %v, want %v", order, want)
	}
	// Nothing is left registered: a later hand-over does not wait.
	h.begin("c1")(hand("later"))
	if len(h.m) != 0 {
		t.Errorf("registered after everything was handed over: %v", h.m)
	}
}
