package token

import (
	"strings"
	"testing"
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
