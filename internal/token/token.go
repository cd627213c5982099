// Package token makes and checks API tokens: at least 128 random bits with
// a typed prefix ("cfb_admin_...", "cfb_chan_..."), shown once, stored only
// as a SHA-256 digest.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
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
