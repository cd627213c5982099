package api_test

import (
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/confab/confab/client"
	"github.com/confab/confab/internal/store"
)

// TestIdempotencyThroughTheClient drives every creating route with an
// Idempotency-Key through the Go client: a replay gives the first answer,
// another request with the key a 422, a request while the key is in flight
// a 409 with Retry-After, a malformed key a 400; every answer is checked
// against the OpenAPI document.
func TestIdempotencyThroughTheClient(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t)
	hc, seen := checkedClient(t, doc)
	var gate *gateStore
	e := newIdemEnv(t, "sqlite", func(s store.Store) store.Store { gate = newGate(s); return gate })
	ctx := t.Context()
	admin := client.New(e.url, tokenA, client.WithHTTPClient(hc))
	key := client.IdempotencyKey

	// POST /v1/channels
	req := client.CreateChannelRequest{Bot: "echo", WebhookURL: "https://hooks.example.com/confab"}
	ch := holdFirst(t, gate, func() (*client.Channel, error) { return admin.CreateChannel(ctx, req, key("channel-1")) },
		func() error { _, err := admin.CreateChannel(ctx, req, key("channel-1")); return err })
	again, err := admin.CreateChannel(ctx, req, key("channel-1"))
	if err != nil || !reflect.DeepEqual(again, ch) {
		t.Errorf("CreateChannel again = %+v, %v; want %+v", again, err, ch)
	}
	_, err = admin.CreateChannel(ctx, client.CreateChannelRequest{Bot: "shop", WebhookURL: req.WebhookURL}, key("channel-1"))
	wantError(t, err, http.StatusUnprocessableEntity, "another request")
	_, err = admin.CreateChannel(ctx, req, key(""))
	wantError(t, err, http.StatusBadRequest, "Idempotency-Key must be")

	// POST /v1/tokens
	treq := client.CreateTokenRequest{Name: "crm"}
	tok := holdFirst(t, gate, func() (*client.Token, error) { return admin.CreateToken(ctx, treq, key("token-1")) },
		func() error { _, err := admin.CreateToken(ctx, treq, key("token-1")); return err })
	tagain, err := admin.CreateToken(ctx, treq, key("token-1"))
	if err != nil || *tagain != *tok {
		t.Errorf("CreateToken again = %+v, %v; want %+v", tagain, err, tok)
	}
	_, err = admin.CreateToken(ctx, client.CreateTokenRequest{Name: "erp"}, key("token-1"))
	wantError(t, err, http.StatusUnprocessableEntity, "another request")
	_, err = admin.CreateToken(ctx, treq, key("clé"))
	wantError(t, err, http.StatusBadRequest, "Idempotency-Key must be")

	// POST /v1/deliveries/{deliveryID}/replay
	dead := e.deadDelivery(t, ch.ChannelID)
	r := holdFirst(t, gate, func() (*client.ReplayResult, error) { return admin.ReplayDelivery(ctx, dead, key("replay-1")) },
		func() error { _, err := admin.ReplayDelivery(ctx, dead, key("replay-1")); return err })
	ragain, err := admin.ReplayDelivery(ctx, dead, key("replay-1"))
	if err != nil || *ragain != *r {
		t.Errorf("ReplayDelivery again = %+v, %v; want %+v", ragain, err, r)
	}
	_, err = admin.ReplayDelivery(ctx, "msg_other", key("replay-1"))
	wantError(t, err, http.StatusUnprocessableEntity, "another request")
	_, err = admin.ReplayDelivery(ctx, dead, key(""))
	wantError(t, err, http.StatusBadRequest, "Idempotency-Key must be")

	// POST /v1/messages
	users := client.New(e.url, ch.Token, client.WithHTTPClient(hc))
	mreq := client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "hi"}
	sent := holdFirst(t, gate, func() (*client.SendMessageResponse, error) { return users.SendMessage(ctx, mreq, key("message-1")) },
		func() error { _, err := users.SendMessage(ctx, mreq, key("message-1")); return err })
	sagain, err := users.SendMessage(ctx, mreq, key("message-1"))
	if err != nil || *sagain != *sent {
		t.Errorf("SendMessage again = %+v, %v; want %+v", sagain, err, sent)
	}
	_, err = users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "bye"}, key("message-1"))
	wantError(t, err, http.StatusUnprocessableEntity, "another request")
	_, err = users.SendMessage(ctx, mreq, key(""))
	wantError(t, err, http.StatusBadRequest, "Idempotency-Key must be")
	if e.accepted.Load() != 1 {
		t.Errorf("%d messages accepted, want 1", e.accepted.Load())
	}

	for route, want := range map[string][]int{
		"POST /v1/channels":                       {201, 400, 409, 422},
		"POST /v1/tokens":                         {201, 400, 409, 422},
		"POST /v1/deliveries/{deliveryID}/replay": {202, 400, 409, 422},
		"POST /v1/messages":                       {200, 400, 409, 422},
	} {
		if got := seen.statuses(route); !slices.Equal(got, want) {
			t.Errorf("%s answered %v, want %v", route, got, want)
		}
	}
}

// holdFirst makes a request (first) that the gate holds before its effect,
// checks that the same request meanwhile (busy) is a 409 that asks to
// retry in a second, lets the first go on and returns its answer.
func holdFirst[T any](t *testing.T, gate *gateStore, first func() (*T, error), busy func() error) *T {
	t.Helper()
	type result struct {
		v   *T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := first()
		done <- result{v, err}
	}()
	<-gate.entered
	if e := wantError(t, busy(), http.StatusConflict, "in flight"); e.RetryAfter != time.Second {
		t.Errorf("RetryAfter %v, want 1s", e.RetryAfter)
	}
	gate.open <- struct{}{}
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	return res.v
}
