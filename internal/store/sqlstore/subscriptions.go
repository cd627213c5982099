package sqlstore

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/confab/confab/internal/store"
)

// SubscriptionCacheTTL is how long a project's subscriptions, once read,
// are reused. Every message asks whether its project subscribes to its
// events; subscriptions change rarely. A change made through this process
// is seen at once; one made by another process sharing the database is
// seen within the TTL, give or take one read (events raised meanwhile go
// by the subscriptions as they were).
const SubscriptionCacheTTL = 2 * time.Second

const subscriptionColumns = `id, project_id, url, events, description, secret, previous_secret, previous_until, disabled, failing_since, created_at, updated_at`

func scanSubscription(row interface{ Scan(...any) error }) (store.Subscription, error) {
	var s store.Subscription
	var evs string
	var prevUntil, failing, created, updated int64
	if err := row.Scan(&s.ID, &s.ProjectID, &s.URL, &evs, &s.Description, &s.Secret, &s.PreviousSecret, &prevUntil, &s.Disabled, &failing,
		&created, &updated); err != nil {
		return s, err
	}
	s.CreatedAt, s.UpdatedAt = fromMS(created), fromMS(updated)
	if prevUntil != 0 {
		s.PreviousUntil = fromMS(prevUntil)
	}
	if failing != 0 {
		s.FailingSince = fromMS(failing)
	}
	return s, json.Unmarshal([]byte(evs), &s.Events)
}

func eventsJSON(evs []string) string {
	if evs == nil {
		evs = []string{}
	}
	data, _ := json.Marshal(evs)
	return string(data)
}

// CreateSubscription stores a new subscription; ErrConflict when the id is
// taken. It keeps the context's idempotent answer.
func (db *DB) CreateSubscription(ctx context.Context, s store.Subscription) error {
	defer db.subs.drop(s.ProjectID)
	_, err := db.writeKeeping(ctx, db.q(`INSERT INTO subscriptions (`+subscriptionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		s.ID, s.ProjectID, s.URL, eventsJSON(s.Events), s.Description, s.Secret, s.PreviousSecret, msOrZero(s.PreviousUntil),
		s.Disabled, msOrZero(s.FailingSince), ms(s.CreatedAt), ms(s.UpdatedAt))
	return db.err(err)
}

// GetSubscription returns a subscription of a project (from the cache of
// the project's subscriptions).
func (db *DB) GetSubscription(ctx context.Context, projectID, id string) (store.Subscription, error) {
	set, err := db.subscriptions(ctx, db.R, projectID)
	if err != nil {
		return store.Subscription{}, db.err(err)
	}
	for _, s := range set.all {
		if s.ID == id {
			return s, nil
		}
	}
	return store.Subscription{}, store.ErrNotFound
}

// ListSubscriptions returns a project's subscriptions, oldest first.
func (db *DB) ListSubscriptions(ctx context.Context, projectID string) ([]store.Subscription, error) {
	subs, err := db.loadSubscriptions(ctx, db.R, projectID)
	return subs, db.err(err)
}

// UpdateSubscription replaces a subscription's settings.
func (db *DB) UpdateSubscription(ctx context.Context, s store.Subscription) error {
	defer db.subs.drop(s.ProjectID)
	res, err := db.write(ctx, db.q(`UPDATE subscriptions SET url = ?, events = ?, description = ?, secret = ?, previous_secret = ?, previous_until = ?,
		disabled = ?, failing_since = ?, updated_at = ? WHERE project_id = ? AND id = ?`),
		s.URL, eventsJSON(s.Events), s.Description, s.Secret, s.PreviousSecret, msOrZero(s.PreviousUntil),
		s.Disabled, msOrZero(s.FailingSince), ms(s.UpdatedAt), s.ProjectID, s.ID)
	return db.affected(res, err)
}

// DeleteSubscription deletes a subscription; its deliveries go with it.
func (db *DB) DeleteSubscription(ctx context.Context, projectID, id string) error {
	defer db.subs.drop(projectID)
	res, err := db.write(ctx, db.q(`DELETE FROM subscriptions WHERE project_id = ? AND id = ?`), projectID, id)
	return db.affected(res, err)
}

// SetSubscriptionHealth records a subscription endpoint's failing time and
// disabled reason.
func (db *DB) SetSubscriptionHealth(ctx context.Context, id string, failingSince time.Time, disabled string) error {
	var projectID string
	err := db.tx(ctx, func(tx *txn) error {
		return tx.QueryRowContext(ctx, db.q(`UPDATE subscriptions SET failing_since = ?, disabled = ? WHERE id = ? RETURNING project_id`),
			msOrZero(failingSince), disabled, id).Scan(&projectID)
	})
	if err == nil {
		db.subs.drop(projectID)
	}
	return db.err(err)
}

// ListSubscriptionDeliveries returns a subscription's deliveries with
// their attempts, newest first.
func (db *DB) ListSubscriptionDeliveries(ctx context.Context, projectID, subscriptionID string, limit int) ([]store.Delivery, error) {
	return db.listDeliveries(ctx, `subscription_id = ? ORDER BY created_at DESC, id DESC`, projectID, subscriptionID, limit)
}

// loadSubscriptions reads a project's subscriptions through q (the read
// pool, or a transaction that is running).
func (db *DB) loadSubscriptions(ctx context.Context, q querier, projectID string) ([]store.Subscription, error) {
	rows, err := q.QueryContext(ctx, db.q(`SELECT `+subscriptionColumns+` FROM subscriptions WHERE project_id = ? ORDER BY created_at, id`), projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// subscriptionSet is a project's subscriptions as the cache keeps them:
// all of them, and by the event types they want.
type subscriptionSet struct {
	all   []store.Subscription
	byTyp map[string][]store.Subscription
	at    time.Time
	// refreshing is set by the one caller that reads the project's
	// subscriptions again once the set is older than the TTL; the others
	// keep using the set meanwhile.
	refreshing atomic.Bool
}

// wanting returns the subscriptions that want events of a type; none
// when the set is nil.
func (s *subscriptionSet) wanting(typ string) []store.Subscription {
	if s == nil || len(s.all) == 0 {
		return nil
	}
	return s.byTyp[typ]
}

// wants reports whether any subscription wants events of a type.
func (s *subscriptionSet) wants(typ string) bool { return len(s.wanting(typ)) > 0 }

func newSubscriptionSet(subs []store.Subscription, at time.Time) *subscriptionSet {
	set := &subscriptionSet{all: subs, byTyp: map[string][]store.Subscription{}, at: at}
	for _, s := range subs {
		for _, typ := range typesOf(s) {
			set.byTyp[typ] = append(set.byTyp[typ], s)
		}
	}
	return set
}

// subscriptionCache keeps each project's subscriptions for
// SubscriptionCacheTTL. A project without subscriptions is kept too, so
// that its messages cost one map read.
type subscriptionCache struct {
	m sync.Map // project id → *subscriptionSet
	// gen counts the drops: a set read before a drop is not kept after it.
	gen atomic.Uint64
}

// get returns a project's set and whether it is younger than the TTL;
// nil when there is none.
func (c *subscriptionCache) get(projectID string) (set *subscriptionSet, fresh bool) {
	v, ok := c.m.Load(projectID)
	if !ok {
		return nil, false
	}
	set = v.(*subscriptionSet)
	return set, time.Since(set.at) <= SubscriptionCacheTTL
}

// put keeps a set read when the cache's generation was gen.
func (c *subscriptionCache) put(projectID string, set *subscriptionSet, gen uint64) {
	if c.gen.Load() == gen {
		c.m.Store(projectID, set)
	}
}

func (c *subscriptionCache) drop(projectID string) {
	c.gen.Add(1)
	c.m.Delete(projectID)
}

// subscriptions returns a project's subscriptions from the cache, reading
// them through q when the cache has none, or when they are older than the
// TTL and no other caller is reading them already (that one's read
// replaces them; until then they serve).
func (db *DB) subscriptions(ctx context.Context, q querier, projectID string) (*subscriptionSet, error) {
	old, fresh := db.subs.get(projectID)
	if fresh || (old != nil && !old.refreshing.CompareAndSwap(false, true)) {
		return old, nil
	}
	gen := db.subs.gen.Load()
	at := time.Now()
	subs, err := db.loadSubscriptions(ctx, q, projectID)
	if err != nil {
		if old != nil {
			old.refreshing.Store(false) // the next caller tries again
		}
		return nil, err
	}
	set := newSubscriptionSet(subs, at)
	db.subs.put(projectID, set, gen)
	return set, nil
}
