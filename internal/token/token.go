// Package token makes and checks API tokens: at least 128 random bits with
// a typed prefix ("cfb_admin_...", "cfb_chan_..."), shown once, stored only
// as a SHA-256 digest.
//
// Project tokens (the ones of POST /v1/tokens and `confab token create`)
// are of the kind Admin, like the token made on first start: every project
// token may do everything in its project, so one prefix says what they are.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/confab/confab/internal/store"
)

// Kinds of token, which are also their prefixes' middle part.
const (
	Admin   = "admin"
	Channel = "chan"
)

// MinAdminLength is the shortest admin token accepted from configuration
// (CONFAB_ADMIN_TOKEN).
const MinAdminLength = 32

// New returns a new token of a kind: "cfb_<kind>_" and 32 random bytes in
// URL-safe base64 (256 bits).
func New(kind string) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("token: no randomness: " + err.Error())
	}
	return "cfb_" + kind + "_" + base64.RawURLEncoding.EncodeToString(b[:])
}

// Hash returns the SHA-256 digest of a token's text, the only form stored.
func Hash(text string) []byte {
	h := sha256.Sum256([]byte(text))
	return h[:]
}

// Equal compares a token's text with a stored digest in constant time.
func Equal(text string, hash []byte) bool {
	return subtle.ConstantTimeCompare(Hash(text), hash) == 1
}

// Prefix returns the part of a token shown to recognise it: its kind and
// the first four characters of its secret part.
func Prefix(text string) string {
	// "cfb_<kind>_<secret>": the secret starts after the second underscore
	// (the secret itself may hold underscores).
	if first := strings.IndexByte(text, '_'); first >= 0 {
		if second := strings.IndexByte(text[first+1:], '_'); second >= 0 {
			if end := first + 1 + second + 1 + 4; end <= len(text) {
				return text[:end]
			}
		}
	}
	if len(text) > 8 {
		return text[:8]
	}
	return text
}

// CheckAdmin checks a configured admin token's length.
func CheckAdmin(text string) error {
	if len(text) < MinAdminLength {
		return fmt.Errorf("the admin token must have at least %d characters, it has %d", MinAdminLength, len(text))
	}
	return nil
}

// MaxNameLength is the longest name of a project token, in characters.
const MaxNameLength = 100

// CheckName checks a project token's name: 1 to MaxNameLength characters,
// not only spaces, and no control characters.
func CheckName(name string) error {
	switch n := utf8.RuneCountInString(name); {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("a token's name must not be empty")
	case n > MaxNameLength:
		return fmt.Errorf("a token's name must have at most %d characters, it has %d", MaxNameLength, n)
	case !utf8.ValidString(name):
		return fmt.Errorf("a token's name must be valid UTF-8")
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("a token's name must not hold control characters")
	}
	return nil
}

// Issue makes a new project token: its text, to show once, and the record
// to store, which keeps only the text's SHA-256. expires is when the token
// stops working (zero: never). Times are kept in whole milliseconds in
// UTC, as the store gives them back.
func Issue(projectID, name string, now, expires time.Time) (string, store.Token) {
	text := New(Admin)
	t := store.Token{ID: store.NewID("tok"), ProjectID: projectID, Name: name, Kind: Admin, Prefix: Prefix(text), Hash: Hash(text),
		CreatedAt: now.UTC().Truncate(time.Millisecond)}
	if !expires.IsZero() {
		t.ExpiresAt = expires.UTC().Truncate(time.Millisecond)
	}
	return text, t
}
