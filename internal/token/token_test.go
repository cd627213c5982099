package token

import (
	"strings"
	"testing"
	"time"
)

func TestNewIsRandomTypedAndLongEnough(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		tok := New(Admin)
		if !strings.HasPrefix(tok, "cfb_admin_") || len(tok) != len("cfb_admin_")+43 {
			t.Fatalf("bad token %q", tok)
		}
		if seen[tok] {
			t.Fatalf("token %q repeated", tok)
		}
		seen[tok] = true
	}
}

func TestHashAndEqual(t *testing.T) {
	t.Parallel()
	tok := New(Channel)
	h := Hash(tok)
	if len(h) != 32 {
		t.Fatalf("digest of %d bytes", len(h))
	}
	if !Equal(tok, h) || Equal(tok+"x", h) || Equal("", h) {
		t.Errorf("Equal does not tell the token from others")
	}
	for range 200 { // secrets often hold underscores themselves
		tok := New(Channel)
		if p := Prefix(tok); !strings.HasPrefix(tok, p) || len(p) != len("cfb_chan_")+4 {
			t.Fatalf("prefix %q of %q", p, tok)
		}
	}
	if p := Prefix("cfb_chan_ab_cdef"); p != "cfb_chan_ab_c" {
		t.Errorf("prefix %q", p)
	}
}

func TestCheckAdmin(t *testing.T) {
	t.Parallel()
	if err := CheckAdmin(strings.Repeat("a", 31)); err == nil || !strings.Contains(err.Error(), "at least 32") {
		t.Errorf("31 characters: %v", err)
	}
	if err := CheckAdmin(strings.Repeat("a", 32)); err != nil {
		t.Errorf("32 characters: %v", err)
	}
}

func TestCheckName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"ci", "CI deploys", "déploiement ☕", strings.Repeat("é", 100)} {
		if err := CheckName(ok); err != nil {
			t.Errorf("CheckName(%q): %v", ok, err)
		}
	}
	for _, tc := range []struct{ name, want string }{
		{"", "must not be empty"},
		{" \t\n", "must not be empty"},
		{strings.Repeat("é", 101), "at most 100 characters, it has 101"},
		{"ci\x00", "control characters"},
		{"ci\nprod", "control characters"},
		{"ci\xff", "valid UTF-8"},
	} {
		if err := CheckName(tc.name); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckName(%q) = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestIssue(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 31, 12, 0, 0, 123_456_789, time.FixedZone("CET", 3600))
	text, tok := Issue("prj_1", "ci", now, time.Time{})
	if !strings.HasPrefix(text, "cfb_admin_") || len(text) != len("cfb_admin_")+43 {
		t.Errorf("text %q", text)
	}
	if !strings.HasPrefix(tok.ID, "tok_") || tok.ProjectID != "prj_1" || tok.Name != "ci" || tok.Kind != Admin || tok.Prefix != Prefix(text) ||
		!Equal(text, tok.Hash) || !tok.ExpiresAt.IsZero() || !tok.LastUsedAt.IsZero() {
		t.Errorf("record %+v of %q", tok, text)
	}
	// Whole milliseconds in UTC, as the store gives them back.
	if want := time.Date(2030, 1, 31, 11, 0, 0, 123_000_000, time.UTC); tok.CreatedAt != want {
		t.Errorf("CreatedAt %v, want %v", tok.CreatedAt, want)
	}
	text2, tok2 := Issue("prj_1", "ci", now, now.Add(time.Hour))
	if text2 == text || tok2.ID == tok.ID {
		t.Errorf("two issues alike: %q %q", text, text2)
	}
	if want := time.Date(2030, 1, 31, 12, 0, 0, 123_000_000, time.UTC); tok2.ExpiresAt != want {
		t.Errorf("ExpiresAt %v, want %v", tok2.ExpiresAt, want)
	}
	if tok2.Expired(now) || !tok2.Expired(now.Add(time.Hour)) {
		t.Errorf("Expired around %v", tok2.ExpiresAt)
	}
}
