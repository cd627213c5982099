package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confab/confab/client"
	"github.com/confab/confab/internal/config"
	"github.com/confab/confab/internal/ratelimit"
	"github.com/confab/confab/internal/store"
	"github.com/confab/confab/internal/testkit"
)

// startEventsApp runs `confab serve` in the test process with the bots of
// testdata/eventbots, a fresh SQLite file, webhooks allowed to 127.0.0.1,
// a retry schedule of 20 ms and 40 ms and no rate limits. It returns the
// server's URL.
func startEventsApp(t *testing.T) string {
	t.Helper()
	return serveApp(t, func(cfg *config.Config) {
		cfg.BotsDir = "testdata/eventbots"
		cfg.RateLimits = ratelimit.Plans{}
	})
}

// receivedEvent is an event a receiver took, with its hit.
type receivedEvent struct {
	client.Event
	hit testkit.Hit
}

// takenEvents returns the events a receiver took (answered 2xx), one per
// webhook-id, in arrival order.
func takenEvents(t *testing.T, r *testkit.Receiver) []receivedEvent {
	t.Helper()
	var out []receivedEvent
	for _, h := range r.Delivered() {
		var e client.Event
		if err := json.Unmarshal(h.Body, &e); err != nil {
			t.Fatalf("event body %s: %v", h.Body, err)
		}
		out = append(out, receivedEvent{Event: e, hit: h})
	}
	return out
}

// waitForEvents waits until a receiver took n events, or fails the test
// after 20 s.
func waitForEvents(t *testing.T, r *testkit.Receiver, n int, what string) []receivedEvent {
	t.Helper()
	r.WaitFor(t, 20*time.Second, what, func([]testkit.Hit) bool { return len(r.Delivered()) >= n })
	return takenEvents(t, r)
}

func eventTypes(es []receivedEvent) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Type)
	}
	return out
}

// webhookName is the name in the OpenAPI document of the webhook that
// describes events of a type: "message.received" is eventMessageReceived.
func webhookName(typ string) string {
	name := "event"
	for _, part := range strings.FieldsFunc(typ, func(r rune) bool { return r == '.' || r == '_' }) {
		name += strings.ToUpper(part[:1]) + part[1:]
	}
	return name
}

// steer POSTs to a conversation's pause or unpause route and fails the
// test unless it answers 200.
func steer(t *testing.T, base, conversationID, action string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", base+"/v1/conversations/"+conversationID+"/"+action, nil)
	req.Header.Set("Authorization", "Bearer "+e2eAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/conversations/%s/%s = %d %s", conversationID, action, resp.StatusCode, body)
	}
}

// TestEventWebhooksEndToEnd drives one conversation through every kind of
// event against a real server, with receivers that check each signature
// with the Standard Webhooks library: the events arrive in order, signed,
// as the OpenAPI document describes them, retried with the same
// webhook-id, filtered by type, dead-lettered and replayed.
func TestEventWebhooksEndToEnd(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t)
	hc, _ := checkedClient(t, doc)
	base := startEventsApp(t)
	ctx := t.Context()
	admin := client.New(base, e2eAdminToken, client.WithHTTPClient(hc))

	// The channel's webhook, which fails while told to (500) or is gone
	// (410).
	replies := testkit.NewReceiver(t)
	var repliesFail, repliesGone atomic.Bool
	replies.Answer = func(string, int) int {
		switch {
		case repliesGone.Load():
			return http.StatusGone
		case repliesFail.Load():
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	}
	ch, err := admin.CreateChannel(ctx, client.CreateChannelRequest{Bot: "events", WebhookURL: replies.URL})
	if err != nil {
		t.Fatal(err)
	}
	replies.SetSecret(ch.WebhookSecret)

	// A subscription to everything, whose endpoint fails each event's
	// first attempt once the test event is through; one to
	// message.received only; one to conversation.started whose endpoint
	// fails until it is fixed.
	all, some, broken := testkit.NewReceiver(t), testkit.NewReceiver(t), testkit.NewReceiver(t)
	var failFirst, fixed atomic.Bool
	all.Answer = func(_ string, seen int) int {
		if failFirst.Load() && seen == 0 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	broken.Answer = func(string, int) int {
		if fixed.Load() {
			return http.StatusNoContent
		}
		return http.StatusInternalServerError
	}
	subAll, err := admin.CreateWebhook(ctx, client.CreateWebhookRequest{URL: all.URL, Events: []string{client.EventAll}, Description: "audit"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(subAll.Secret, "whsec_") || subAll.URL != all.URL || !slices.Equal(subAll.Events, []string{"*"}) || subAll.Description != "audit" || subAll.CreatedAt.IsZero() {
		t.Errorf("CreateWebhook = %+v", subAll)
	}
	all.SetSecret(subAll.Secret)
	subSome, err := admin.CreateWebhook(ctx, client.CreateWebhookRequest{URL: some.URL, Events: []string{client.EventMessageReceived}})
	if err != nil {
		t.Fatal(err)
	}
	some.SetSecret(subSome.Secret)
	subBroken, err := admin.CreateWebhook(ctx, client.CreateWebhookRequest{URL: broken.URL, Events: []string{client.EventConversationStarted}})
	if err != nil {
		t.Fatal(err)
	}
	broken.SetSecret(subBroken.Secret)

	// Bad subscriptions are refused, naming the field.
	_, err = admin.CreateWebhook(ctx, client.CreateWebhookRequest{URL: all.URL, Events: []string{"message.received", "message.created"}})
	if e := wantError(t, err, http.StatusBadRequest, `unknown event type "message.created"`); e.Pointer != "/events/1" {
		t.Errorf("pointer %q", e.Pointer)
	}
	_, err = admin.CreateWebhook(ctx, client.CreateWebhookRequest{URL: "ftp://x.example.com/", Events: []string{"*"}})
	if e := wantError(t, err, http.StatusBadRequest, "url must be an absolute http or https URL"); e.Pointer != "/url" {
		t.Errorf("pointer %q", e.Pointer)
	}

	// The test event.
	if r, err := admin.SendTestEvent(ctx, subAll.ID); err != nil || !r.Reachable || r.Status != http.StatusOK {
		t.Errorf("SendTestEvent = %+v, %v", r, err)
	}
	if r, err := admin.SendTestEvent(ctx, subBroken.ID); err != nil || r.Reachable || r.Status != http.StatusInternalServerError || r.Error == "" {
		t.Errorf("SendTestEvent of a failing endpoint = %+v, %v", r, err)
	}
	test := waitForEvents(t, all, 1, "the test event")[0]
	if test.Type != client.EventWebhookTest || !test.hit.Verified || !strings.Contains(string(test.Data), `"webhookID":"`+subAll.ID+`"`) {
		t.Errorf("the test event: %+v %s (%s)", test.Event, test.Data, test.hit.VerifyErr)
	}
	failFirst.Store(true)

	// One conversation raises every kind of event.
	users := client.New(base, ch.Token, client.WithHTTPClient(hc))
	send := func(text string) {
		t.Helper()
		if _, err := users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: text, SenderID: "customer-42"}); err != nil {
			t.Fatalf("SendMessage(%q): %v", text, err)
		}
	}
	send("hi")
	got := waitForEvents(t, all, 1+3, "the greeting's events")
	var conv client.MessageEventData
	if err := json.Unmarshal(got[2].Data, &conv); err != nil {
		t.Fatal(err)
	}
	conversationID := conv.Conversation.ID
	send("#human")
	waitForEvents(t, all, 4+3, "the handover's events")
	send("anyone?")
	waitForEvents(t, all, 7+1, "the event of a message while handed over")
	steer(t, base, conversationID, "unpause")
	waitForEvents(t, all, 8+2, "the events of the unpause after the handover")
	steer(t, base, conversationID, "pause")
	send("still there?")
	steer(t, base, conversationID, "unpause")
	waitForEvents(t, all, 10+3, "the events of a pause")
	repliesFail.Store(true)
	send("#bye")
	waitForEvents(t, all, 13+4, "the events of the end, and of the goodbye's dead letter")
	repliesFail.Store(false)
	repliesGone.Store(true)
	send("hello again")
	got = waitForEvents(t, all, 17+4, "the events of a new start whose reply finds the webhook gone")

	// The events of the conversation came in order; the webhook's
	// disabling, which is about no conversation, came any time after the
	// first attempt of the reply that found it gone.
	disabledAt := slices.IndexFunc(got, func(e receivedEvent) bool {
		return e.Type == client.EventDeliveryFailed && strings.Contains(string(e.Data), `"reason":"endpoint_disabled"`)
	})
	if disabledAt < 17 {
		t.Fatalf("no delivery.failed for the disabled webhook after the reply that found it gone: %v", eventTypes(got))
	}
	gotAll := slices.Clone(got)
	got = slices.Delete(got, disabledAt, disabledAt+1)
	same := func(what string, want, got []string) {
		t.Helper()
		if !slices.Equal(want, got) {
			t.Errorf("%s:\n got %v\nwant %v", what, got, want)
			for _, e := range gotAll {
				t.Logf("received %s %s", e.Type, e.Data)
			}
		}
	}
	same("the events of the subscription to everything", []string{
		"webhook.test",
		"conversation.started", "message.received", "message.sent",
		"message.received", "message.sent", "handover.requested",
		"message.received",
		"conversation.unpaused", "message.sent",
		"conversation.paused", "message.received", "conversation.unpaused",
		"message.received", "message.sent", "conversation.ended", "delivery.failed",
		"message.received", "message.sent", "delivery.failed",
	}, eventTypes(got))

	// Each is signed, as the document describes it, about the
	// conversation, and was retried once with the same webhook-id and
	// body.
	hits := all.Hits()
	for _, e := range got {
		if !e.hit.Verified {
			t.Errorf("event %s %s: the signature does not verify: %s", e.Type, e.ID, e.hit.VerifyErr)
		}
		validateWebhook(t, doc, webhookName(e.Type), e.hit)
		if !strings.HasPrefix(e.ID, "evt_") || e.ProjectID == "" || e.CreatedAt.IsZero() {
			t.Errorf("event %s: id %q, project %q, createdAt %v", e.Type, e.ID, e.ProjectID, e.CreatedAt)
		}
		if e.Type != client.EventWebhookTest && e.Type != client.EventDeliveryFailed && !strings.Contains(string(e.Data), `"id":"`+conversationID+`"`) {
			t.Errorf("event %s is not about conversation %s: %s", e.Type, conversationID, e.Data)
		}
		if e.Type == client.EventWebhookTest {
			continue
		}
		var attempts []testkit.Hit
		for _, h := range hits {
			if h.ID == e.hit.ID {
				attempts = append(attempts, h)
			}
		}
		if len(attempts) != 2 || attempts[0].Status != http.StatusServiceUnavailable || !bytes.Equal(attempts[0].Body, attempts[1].Body) {
			t.Errorf("event %s (%s) was attempted %d times, want a failure then a success with the same body", e.Type, e.hit.ID, len(attempts))
		}
	}
	var handover client.HandoverEventData
	if err := json.Unmarshal(got[6].Data, &handover); err != nil || handover.Block != "human" || handover.Conversation.Status != "paused" || !handover.Conversation.Paused {
		t.Errorf("handover.requested data %s (%v)", got[6].Data, err)
	}
	var received client.MessageEventData
	if err := json.Unmarshal(got[11].Data, &received); err != nil || received.Message.Text != "still there?" || received.Message.Direction != "in" ||
		!received.Conversation.Paused || received.Conversation.SenderID != "customer-42" {
		t.Errorf("message.received while paused: %s (%v)", got[11].Data, err)
	}
	var sent client.MessageEventData
	if err := json.Unmarshal(got[3].Data, &sent); err != nil || sent.Message.Direction != "out" || sent.Message.Text != "Hello! Say #human or #bye." ||
		!strings.Contains(string(sent.Message.Rich), `"payload":"#bye"`) || sent.Message.Seq != 2 {
		t.Errorf("the greeting's message.sent: %s (%v)", got[3].Data, err)
	}
	var failed client.DeliveryFailedEventData
	if err := json.Unmarshal(got[16].Data, &failed); err != nil || failed.Reason != "dead_letter" || failed.ChannelID != ch.ChannelID ||
		failed.ConversationID != conversationID || failed.Attempts != 3 || failed.LastStatus != http.StatusInternalServerError {
		t.Errorf("delivery.failed of the goodbye: %s (%v)", got[16].Data, err)
	}
	// The goodbye's dead delivery is in the channel's log, and replays.
	list, err := admin.ListDeliveries(ctx, ch.ChannelID, client.ListDeliveriesOptions{Limit: 100})
	if err != nil || !slices.ContainsFunc(list.Deliveries, func(d client.Delivery) bool { return d.ID == failed.DeliveryID && d.Status == client.DeliveryDead }) {
		t.Errorf("the channel's log has no dead %s: %+v, %v", failed.DeliveryID, list, err)
	}

	// The subscription to message.received got those only: the same
	// events, under webhook-ids of its own.
	var receivedIDs []string
	for _, e := range got {
		if e.Type == client.EventMessageReceived {
			receivedIDs = append(receivedIDs, e.ID)
		}
	}
	someGot := waitForEvents(t, some, len(receivedIDs), "message.received at the filtered subscription")
	var someIDs []string
	for _, e := range someGot {
		someIDs = append(someIDs, e.ID)
		if !e.hit.Verified || slices.ContainsFunc(got, func(a receivedEvent) bool { return a.hit.ID == e.hit.ID }) {
			t.Errorf("the filtered subscription's %s: verified %v (%s), webhook-id %s", e.ID, e.hit.Verified, e.hit.VerifyErr, e.hit.ID)
		}
	}
	same("the events of the subscription to message.received", receivedIDs, someIDs)

	// The broken endpoint's delivery is dead after three attempts; fixed,
	// its replay (by the one replay route) goes through.
	var dead client.EventDelivery
	deadline := time.Now().Add(20 * time.Second)
	for {
		list, err := admin.ListWebhookDeliveries(ctx, subBroken.ID, client.ListDeliveriesOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Deliveries) == 1 && list.Deliveries[0].Status == client.DeliveryDead {
			dead = list.Deliveries[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 20s for the broken endpoint's dead delivery: %+v", list.Deliveries)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if dead.EventType != client.EventConversationStarted || dead.ConversationID != conversationID || dead.Attempts != 3 || len(dead.History) != 3 ||
		dead.LastStatus != http.StatusInternalServerError || dead.History[0].At.IsZero() || dead.EventID != got[1].ID {
		t.Errorf("the dead delivery %+v", dead)
	}
	fixed.Store(true)
	if r, err := admin.ReplayDelivery(ctx, dead.ID); err != nil || r.Status != client.DeliveryPending {
		t.Errorf("ReplayDelivery of an event = %+v, %v", r, err)
	}
	replayed := waitForEvents(t, broken, 1, "the replayed event")
	if replayed[0].hit.ID != dead.ID || replayed[0].ID != dead.EventID || !replayed[0].hit.Verified {
		t.Errorf("the replay %+v, webhook-id %s", replayed[0].Event, replayed[0].hit.ID)
	}
	_, err = admin.ListWebhookDeliveries(ctx, subBroken.ID, client.ListDeliveriesOptions{Limit: 501})
	wantError(t, err, http.StatusBadRequest, "limit must be a number from 1 to 500")

	// Reading, changing and deleting subscriptions.
	list2, err := admin.ListWebhooks(ctx)
	if err != nil || len(list2.Webhooks) != 3 || list2.Webhooks[0].ID != subAll.ID || list2.Webhooks[0].Secret != "" {
		t.Errorf("ListWebhooks = %+v, %v", list2, err)
	}
	rotated, err := admin.UpdateWebhook(ctx, subSome.ID, client.UpdateWebhookRequest{Events: []string{client.EventMessageSent}, RotateSecret: true})
	if err != nil || !strings.HasPrefix(rotated.Secret, "whsec_") || rotated.Secret == subSome.Secret || !slices.Equal(rotated.Events, []string{"message.sent"}) {
		t.Errorf("UpdateWebhook = %+v, %v", rotated, err)
	}
	_, err = admin.UpdateWebhook(ctx, subSome.ID, client.UpdateWebhookRequest{Events: []string{"*", "*"}})
	if e := wantError(t, err, http.StatusBadRequest, `"*" is named twice`); e.Pointer != "/events/1" {
		t.Errorf("pointer %q", e.Pointer)
	}
	if w, err := admin.GetWebhook(ctx, subSome.ID); err != nil || w.Secret != "" || !slices.Equal(w.Events, []string{"message.sent"}) {
		t.Errorf("GetWebhook = %+v, %v", w, err)
	}
	if err := admin.DeleteWebhook(ctx, subSome.ID); err != nil {
		t.Errorf("DeleteWebhook: %v", err)
	}
	for name, call := range map[string]func() error{
		"GetWebhook": func() error { _, err := admin.GetWebhook(ctx, subSome.ID); return err },
		"UpdateWebhook": func() error {
			_, err := admin.UpdateWebhook(ctx, subSome.ID, client.UpdateWebhookRequest{Enable: true})
			return err
		},
		"DeleteWebhook": func() error { return admin.DeleteWebhook(ctx, subSome.ID) },
		"SendTestEvent": func() error { _, err := admin.SendTestEvent(ctx, subSome.ID); return err },
		"ListWebhookDeliveries": func() error {
			_, err := admin.ListWebhookDeliveries(ctx, subSome.ID, client.ListDeliveriesOptions{})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) { wantError(t, call(), http.StatusNotFound, "not found") })
	}
}

// TestEventWebhookGoneIsDisabledUntilEnabled checks that an endpoint that
// answers 410 Gone is disabled with a visible reason, that events meanwhile
// are dead-lettered without a request, and that PATCH enable resumes them.
func TestEventWebhookGoneIsDisabledUntilEnabled(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t)
	hc, _ := checkedClient(t, doc)
	base := startEventsApp(t)
	ctx := t.Context()
	admin := client.New(base, e2eAdminToken, client.WithHTTPClient(hc))
	replies := testkit.NewReceiver(t)
	ch, err := admin.CreateChannel(ctx, client.CreateChannelRequest{Bot: "events", WebhookURL: replies.URL})
	if err != nil {
		t.Fatal(err)
	}
	rcv := testkit.NewReceiver(t)
	var gone atomic.Bool
	gone.Store(true)
	rcv.Answer = func(string, int) int {
		if gone.Load() {
			return http.StatusGone
		}
		return http.StatusNoContent
	}
	sub, err := admin.CreateWebhook(ctx, client.CreateWebhookRequest{URL: rcv.URL, Events: []string{client.EventMessageReceived}})
	if err != nil {
		t.Fatal(err)
	}
	rcv.SetSecret(sub.Secret)
	users := client.New(base, ch.Token, client.WithHTTPClient(hc))
	wait := func(what string, cond func(ds []client.EventDelivery) bool) []client.EventDelivery {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			list, err := admin.ListWebhookDeliveries(ctx, sub.ID, client.ListDeliveriesOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if cond(list.Deliveries) {
				return list.Deliveries
			}
			if time.Now().After(deadline) {
				t.Fatalf("waited 20s for %s: %+v", what, list.Deliveries)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if _, err := users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "one", UserID: 1}); err != nil {
		t.Fatal(err)
	}
	wait("the first event dead on 410", func(ds []client.EventDelivery) bool { return len(ds) == 1 && ds[0].Status == client.DeliveryDead })
	w, err := admin.GetWebhook(ctx, sub.ID)
	if err != nil || !strings.Contains(w.Disabled, "410 Gone") || w.FailingSince.IsZero() {
		t.Fatalf("GetWebhook after a 410 = %+v, %v", w, err)
	}
	// Disabled: the next event is dead-lettered without a request.
	if _, err := users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "two", UserID: 1}); err != nil {
		t.Fatal(err)
	}
	ds := wait("the second event dead", func(ds []client.EventDelivery) bool { return len(ds) == 2 && ds[0].Status == client.DeliveryDead })
	if !strings.Contains(ds[0].LastError, "the endpoint is disabled") || ds[0].LastStatus != 0 || len(rcv.Hits()) != 1 {
		t.Errorf("the event to a disabled endpoint: %+v; the receiver got %d requests", ds[0], len(rcv.Hits()))
	}
	// Enabled again, the replay and the next event go through.
	gone.Store(false)
	if w, err := admin.UpdateWebhook(ctx, sub.ID, client.UpdateWebhookRequest{Enable: true}); err != nil || w.Disabled != "" || !w.FailingSince.IsZero() {
		t.Fatalf("UpdateWebhook enable = %+v, %v", w, err)
	}
	if _, err := admin.ReplayDelivery(ctx, ds[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := users.SendMessage(ctx, client.SendMessageRequest{ChannelID: ch.ChannelID, Message: "three", UserID: 1}); err != nil {
		t.Fatal(err)
	}
	got := waitForEvents(t, rcv, 2, "the replay and the third event")
	var texts []string
	for _, e := range got {
		var d client.MessageEventData
		if err := json.Unmarshal(e.Data, &d); err != nil || !e.hit.Verified {
			t.Errorf("event %s: %v, verified %v", e.Data, err, e.hit.Verified)
		}
		texts = append(texts, d.Message.Text)
	}
	slices.Sort(texts)
	if !slices.Equal(texts, []string{"three", "two"}) {
		t.Errorf("after enabling, the endpoint took %v", texts)
	}
}

// deadEventDelivery makes an event webhook of project A (to
// https://a-events.example.com/hook, described "a-crm", for
// message.received) and then, through the store alone, a message on the
// channel whose event delivery fails once and is dead. It returns the
// webhook's id and secret and the dead delivery's id.
func (e *env) deadEventDelivery(t *testing.T, channelID string) (id, secret, deliveryID string) {
	t.Helper()
	a := e.do(t, "POST", "/v1/webhooks", tokenA, []byte(`{"url":"https://a-events.example.com/hook","events":["message.received"],"description":"a-crm"}`))
	if a.status != http.StatusCreated {
		t.Fatalf("POST /v1/webhooks = %d %s", a.status, a.body)
	}
	m := a.json(t)
	id, secret = m["id"].(string), m["secret"].(string)
	ctx := context.Background()
	now := time.Now()
	if _, err := e.store.Accept(ctx, store.Inbound{ProjectID: e.projectA, ChannelID: channelID, Bot: "echo", Text: "an event", Now: now}); err != nil {
		t.Fatal(err)
	}
	ds, err := e.store.ClaimDeliveries(ctx, store.Lease{Owner: "deliver", Now: now.Add(time.Second), Until: now.Add(time.Minute)}, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.SubscriptionID == id {
			deliveryID = d.ID
		}
	}
	if deliveryID == "" {
		t.Fatalf("no delivery of webhook %s among %+v", id, ds)
	}
	if err := e.store.RecordAttempt(ctx, store.Attempt{DeliveryID: deliveryID, Owner: "deliver", At: now, Status: 500, Error: "status 500", Excerpt: "a-oops"},
		store.DeliveryUpdate{Status: store.DeliveryDead}); err != nil {
		t.Fatal(err)
	}
	return id, secret, deliveryID
}
