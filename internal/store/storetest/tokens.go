package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/confab/confab/internal/store"
)

// token creates a project token that expires at expires (zero: never), at
// the fixture's clock.
func (f *fixture) token(t *testing.T, projectID, name string, expires time.Time) store.Token {
	t.Helper()
	id := store.NewID("tok")
	tok := store.Token{ID: id, ProjectID: projectID, Name: name, Kind: "admin", Prefix: "cfb_admin_" + id[4:8], Hash: []byte("hash of " + id),
		CreatedAt: f.now, ExpiresAt: expires}
	if err := f.s.CreateToken(f.ctx, tok); err != nil {
		t.Fatalf("CreateToken(%s): %v", name, err)
	}
	return tok
}

// tokens lists a project's tokens.
func (f *fixture) tokens(t *testing.T, projectID string) []store.Token {
	t.Helper()
	list, err := f.s.ListTokens(f.ctx, projectID)
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	return list
}

var tokenTests = []test{
	{name: "ListOldestFirstPerProject", run: func(t *testing.T, f *fixture) {
		p, q, empty := f.project(t), f.project(t), f.project(t)
		first := f.token(t, p.ID, "first", time.Time{})
		f.now = f.at(time.Second)
		second := f.token(t, p.ID, "second", f.at(time.Hour))
		other := f.token(t, q.ID, "other", time.Time{})
		same(t, "p's tokens", []store.Token{first, second}, f.tokens(t, p.ID))
		same(t, "q's tokens", []store.Token{other}, f.tokens(t, q.ID))
		same(t, "tokens of a project without any", []store.Token{}, f.tokens(t, empty.ID))
		same(t, "tokens of no project", []store.Token{}, f.tokens(t, "prj_nothing"))
		got, err := f.s.TokenByHash(f.ctx, second.Hash)
		is(t, "TokenByHash", err, nil)
		same(t, "TokenByHash with its expiry", second, got)
		if got.Expired(f.now) || !got.Expired(f.at(time.Hour)) || first.Expired(f.at(100*365*24*time.Hour)) {
			t.Errorf("Expired: a token expiring at %v, at %v", got.ExpiresAt, f.now)
		}
	}},
	{name: "TouchAtMostOncePerInterval", run: func(t *testing.T, f *fixture) {
		p := f.project(t)
		tok := f.token(t, p.ID, "busy", time.Time{})
		lastUsed := func() time.Time {
			t.Helper()
			got, err := f.s.TokenByHash(f.ctx, tok.Hash)
			is(t, "TokenByHash", err, nil)
			return got.LastUsedAt
		}
		same(t, "last use of a new token", time.Time{}, lastUsed())
		is(t, "first use", f.s.TouchToken(f.ctx, tok.ID, f.now, time.Minute), nil)
		same(t, "last use after the first", f.now, lastUsed())
		is(t, "use 59 s later", f.s.TouchToken(f.ctx, tok.ID, f.at(59*time.Second), time.Minute), nil)
		same(t, "last use within the minute", f.now, lastUsed())
		is(t, "use a minute later", f.s.TouchToken(f.ctx, tok.ID, f.at(time.Minute), time.Minute), nil)
		same(t, "last use a minute later", f.at(time.Minute), lastUsed())
		same(t, "the list shows the last use", f.at(time.Minute), f.tokens(t, p.ID)[0].LastUsedAt)
		is(t, "use of a token that does not exist", f.s.TouchToken(f.ctx, "tok_nothing", f.now, time.Minute), nil)
	}},
	{name: "Revoke", run: func(t *testing.T, f *fixture) {
		p, q := f.project(t), f.project(t)
		a := f.token(t, p.ID, "a", time.Time{})
		b := f.token(t, p.ID, "b", f.at(time.Hour))
		theirs := f.token(t, q.ID, "theirs", time.Time{})
		f.token(t, q.ID, "theirs too", time.Time{})

		is(t, "revoke another project's token", f.s.RevokeToken(f.ctx, p.ID, theirs.ID, f.now), store.ErrNotFound)
		is(t, "revoke a token that does not exist", f.s.RevokeToken(f.ctx, p.ID, "tok_nothing", f.now), store.ErrNotFound)
		is(t, "revoke in a project that does not exist", f.s.RevokeToken(f.ctx, "prj_nothing", a.ID, f.now), store.ErrNotFound)
		_, err := f.s.TokenByHash(f.ctx, theirs.Hash)
		is(t, "the other project's token after the attempt", err, nil)

		is(t, "revoke a", f.s.RevokeToken(f.ctx, p.ID, a.ID, f.now), nil)
		_, err = f.s.TokenByHash(f.ctx, a.Hash)
		is(t, "TokenByHash of a revoked token", err, store.ErrNotFound)
		same(t, "tokens after revoking a", []store.Token{b}, f.tokens(t, p.ID))
		is(t, "revoke a again", f.s.RevokeToken(f.ctx, p.ID, a.ID, f.now), store.ErrNotFound)

		// b is the last token that works: it stays.
		is(t, "revoke the last token", f.s.RevokeToken(f.ctx, p.ID, b.ID, f.now), store.ErrConflict)
		same(t, "tokens after refusing", []store.Token{b}, f.tokens(t, p.ID))
		// An expired token does not count as one that works ...
		expired := f.token(t, p.ID, "expired", f.at(-time.Second))
		is(t, "revoke the last working token beside an expired one", f.s.RevokeToken(f.ctx, p.ID, b.ID, f.now), store.ErrConflict)
		// ... and revoking it takes nothing that works away.
		is(t, "revoke the expired token", f.s.RevokeToken(f.ctx, p.ID, expired.ID, f.now), nil)
		// Once b has expired too, it may go.
		is(t, "revoke b once expired", f.s.RevokeToken(f.ctx, p.ID, b.ID, b.ExpiresAt), nil)
		same(t, "tokens at the end", []store.Token{}, f.tokens(t, p.ID))
	}},
	{name: "RevokeEachOtherAtOnce", run: func(t *testing.T, f *fixture) {
		// Two tokens of a project revoking themselves at the same moment:
		// one goes, the other is refused, so the project keeps a token.
		const rounds = 8
		for round := range rounds {
			p := f.project(t)
			pair := []store.Token{f.token(t, p.ID, "one", time.Time{}), f.token(t, p.ID, "two", time.Time{})}
			errs := make([]error, len(pair))
			var wg sync.WaitGroup
			for i, tok := range pair {
				wg.Go(func() { errs[i] = f.s.RevokeToken(f.ctx, p.ID, tok.ID, f.now) })
			}
			wg.Wait()
			revoked, refused := 0, 0
			for i, err := range errs {
				switch {
				case err == nil:
					revoked++
				case errors.Is(err, store.ErrConflict):
					refused++
				default:
					t.Errorf("round %d: revoke %s: %v", round, pair[i].Name, err)
				}
			}
			if revoked != 1 || refused != 1 {
				t.Errorf("round %d: %d revoked and %d refused, want 1 and 1 (%v)", round, revoked, refused, errs)
			}
			if left := f.tokens(t, p.ID); len(left) != 1 {
				t.Errorf("round %d: %d tokens left, want 1", round, len(left))
			}
		}
	}},
}
