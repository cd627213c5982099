package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The header names of the Standard Webhooks specification. [http.Header]
// stores them in canonical form ("Webhook-Id"); header names are
// case-insensitive on the wire.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// DefaultTolerance is how far a message's timestamp may be from the
// receiver's clock, either way, when [Verify] is given no tolerance.
const DefaultTolerance = 5 * time.Minute

const (
	secretPrefix = "whsec_"
	// secretSize is the length in bytes of the keys NewSecret makes.
	secretSize = 32
	// minSecretSize and maxSecretSize bound the keys ParseSecret accepts,
	// as the specification recommends (192 to 512 bits).
	minSecretSize = 24
	maxSecretSize = 64

	signatureVersion = "v1"
	messageIDPrefix  = "msg_"
)

// b64 is standard base64 with padding that also rejects non-zero trailing
// bits, so that every key and signature has exactly one text form.
var b64 = base64.StdEncoding.Strict()

// ErrInvalidSecret is the error, wrapped with the reason, that ParseSecret
// returns for text that is not a usable secret.
var ErrInvalidSecret = errors.New("webhook: invalid secret")

// The errors Verify returns wrap one of these, with details.
var (
	// ErrMissingHeader means a required header is absent or empty.
	ErrMissingHeader = errors.New("webhook: missing header")
	// ErrInvalidTimestamp means webhook-timestamp is not a decimal number of
	// seconds.
	ErrInvalidTimestamp = errors.New("webhook: invalid timestamp")
	// ErrTooOld means the timestamp is further in the past than the
	// tolerance allows.
	ErrTooOld = errors.New("webhook: message timestamp too old")
	// ErrTooNew means the timestamp is further in the future than the
	// tolerance allows.
	ErrTooNew = errors.New("webhook: message timestamp too new")
	// ErrNoMatchingSignature means no v1 signature in webhook-signature
	// matches the message under any of the secrets.
	ErrNoMatchingSignature = errors.New("webhook: no matching signature")
)

// Secret is a signing key; its text form is "whsec_" + base64(std) of 32
// random bytes. The zero Secret holds no key and cannot sign or verify.
// Secrets are comparable with ==.
type Secret struct {
	key string // the raw key bytes
}

// NewSecret returns a new Secret of 32 bytes from crypto/rand.
func NewSecret() (Secret, error) {
	key := make([]byte, secretSize)
	if _, err := rand.Read(key); err != nil {
		return Secret{}, fmt.Errorf("webhook: new secret: %w", err)
	}
	return Secret{key: string(key)}, nil
}

// ParseSecret parses the text form of a secret, "whsec_" followed by the
// standard, padded base64 of the key. For interoperability it also accepts the
// base64 alone, without the prefix. The key must be 24 to 64 bytes long. The
// text must not contain white space. Errors wrap [ErrInvalidSecret] and never
// quote the text.
func ParseSecret(s string) (Secret, error) {
	if s == "" {
		return Secret{}, fmt.Errorf("%w: empty", ErrInvalidSecret)
	}
	encoded := strings.TrimPrefix(s, secretPrefix)
	if encoded == "" {
		return Secret{}, fmt.Errorf("%w: nothing after the %q prefix", ErrInvalidSecret, secretPrefix)
	}
	// The decoder skips CR and LF, so look for white space first.
	if i := strings.IndexAny(encoded, " \t\r\n"); i >= 0 {
		return Secret{}, fmt.Errorf("%w: white space at byte %d", ErrInvalidSecret, len(s)-len(encoded)+i)
	}
	key, err := b64.DecodeString(encoded)
	if err != nil {
		return Secret{}, fmt.Errorf("%w: want %q followed by standard base64: %v", ErrInvalidSecret, secretPrefix, err)
	}
	if len(key) < minSecretSize || len(key) > maxSecretSize {
		return Secret{}, fmt.Errorf("%w: key is %d bytes, want %d to %d", ErrInvalidSecret, len(key), minSecretSize, maxSecretSize)
	}
	return Secret{key: string(key)}, nil
}

// String returns the text form of the secret, "whsec_" followed by the
// standard base64 of the key, or "" for the zero Secret. It is the secret
// itself: never log it.
func (s Secret) String() string {
	if s.key == "" {
		return ""
	}
	return secretPrefix + b64.EncodeToString([]byte(s.key))
}

// LogValue hides the secret from log/slog.
func (s Secret) LogValue() slog.Value {
	return slog.StringValue(secretPrefix + "REDACTED")
}

// Signer signs with one or more secrets (rotation: old and new keys both sign
// during an overlap). A Signer is immutable and safe for concurrent use.
type Signer struct {
	keys [][]byte
}

// NewSigner returns a Signer for the secrets, which sign in the order given.
// It panics if there are no secrets or one of them is the zero Secret, since
// messages signed that way could not, or should not, be verified.
func NewSigner(secrets ...Secret) *Signer {
	if len(secrets) == 0 {
		panic("webhook: NewSigner needs at least one secret")
	}
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		if s.key == "" {
			panic(fmt.Sprintf("webhook: NewSigner: secret %d is the zero Secret", i))
		}
		keys[i] = []byte(s.key)
	}
	return &Signer{keys: keys}
}

// Sign returns the three headers for a message: webhook-id, webhook-timestamp
// (ts in whole unix seconds) and webhook-signature, which holds one
// "v1,<signature>" per secret, separated by spaces. The id should come from
// [NewMessageID] and stay the same on every retry of the message; body must be
// the exact bytes sent.
//
// Sign panics on a Signer not made by [NewSigner], rather than send a message
// without a signature.
func (s *Signer) Sign(id string, ts time.Time, body []byte) http.Header {
	if len(s.keys) == 0 {
		panic("webhook: Sign on a Signer without secrets; use NewSigner")
	}
	timestamp := strconv.FormatInt(ts.Unix(), 10)
	var sig strings.Builder
	sig.Grow(len(s.keys) * (len(signatureVersion) + 1 + b64.EncodedLen(sha256.Size) + 1))
	mac := make([]byte, 0, sha256.Size)
	for i, key := range s.keys {
		if i > 0 {
			sig.WriteByte(' ')
		}
		sig.WriteString(signatureVersion)
		sig.WriteByte(',')
		mac = sum(hmac.New(sha256.New, key), mac[:0], id, timestamp, body)
		sig.WriteString(b64.EncodeToString(mac))
	}
	h := make(http.Header, 3)
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, timestamp)
	h.Set(HeaderSignature, sig.String())
	return h
}

// sum appends to dst the MAC of the signed content "id.timestamp.body".
func sum(mac hash.Hash, dst []byte, id, timestamp string, body []byte) []byte {
	io.WriteString(mac, id)
	io.WriteString(mac, ".")
	io.WriteString(mac, timestamp)
	io.WriteString(mac, ".")
	mac.Write(body)
	return mac.Sum(dst)
}

// Verify checks headers and body against any of the secrets, with a tolerance
// for the timestamp (default 5 minutes, used when tolerance is not positive):
// the message is rejected if its timestamp is more than tolerance before or
// after now. The message is accepted if any "v1," entry of webhook-signature
// matches under any of the secrets; other versions are ignored. Signatures are
// compared in constant time (hmac.Equal).
//
// The error wraps [ErrMissingHeader], [ErrInvalidTimestamp], [ErrTooOld],
// [ErrTooNew] or [ErrNoMatchingSignature]. Verify returns a different error
// if secrets is empty or holds the zero Secret.
func Verify(secrets []Secret, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secrets) == 0 {
		return errors.New("webhook: Verify needs at least one secret")
	}
	for i, s := range secrets {
		if s.key == "" {
			return fmt.Errorf("webhook: Verify: secret %d is the zero Secret", i)
		}
	}

	id := h.Get(HeaderID)
	timestamp := h.Get(HeaderTimestamp)
	signatures := h.Values(HeaderSignature)
	var missing []string
	if id == "" {
		missing = append(missing, HeaderID)
	}
	if timestamp == "" {
		missing = append(missing, HeaderTimestamp)
	}
	if len(signatures) == 0 || strings.TrimSpace(strings.Join(signatures, "")) == "" {
		missing = append(missing, HeaderSignature)
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s", ErrMissingHeader, strings.Join(missing, ", "))
	}

	seconds, err := parseTimestamp(timestamp)
	if err != nil {
		return err
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	// time.Unix overflows for seconds near the int64 limit, so clamp absurd
	// timestamps to the year 36812 first; time.Time.Sub saturates rather than
	// overflow, so they then land on the right side.
	sent := time.Unix(min(seconds, maxTimestamp), 0)
	if age := now.Sub(sent); age > tolerance {
		return fmt.Errorf("%w: %s is %v before now, more than %v", ErrTooOld, HeaderTimestamp, age.Truncate(time.Second), tolerance)
	}
	if ahead := sent.Sub(now); ahead > tolerance {
		return fmt.Errorf("%w: %s is %v after now, more than %v", ErrTooNew, HeaderTimestamp, ahead.Truncate(time.Second), tolerance)
	}

	expected := make([][]byte, len(secrets))
	for i, s := range secrets {
		expected[i] = sum(hmac.New(sha256.New, []byte(s.key)), nil, id, timestamp, body)
	}
	sawV1 := false
	for _, value := range signatures {
		for _, entry := range strings.Fields(value) {
			version, encoded, ok := strings.Cut(entry, ",")
			if !ok || version != signatureVersion {
				continue
			}
			sawV1 = true
			got, err := b64.DecodeString(encoded)
			if err != nil || len(got) != sha256.Size {
				continue
			}
			for _, want := range expected {
				if hmac.Equal(got, want) {
					return nil
				}
			}
		}
	}
	if !sawV1 {
		return fmt.Errorf("%w: no %s signature in %s", ErrNoMatchingSignature, signatureVersion, HeaderSignature)
	}
	return fmt.Errorf("%w: under %d secret(s)", ErrNoMatchingSignature, len(secrets))
}

// maxTimestamp is the largest timestamp Verify handles as such; larger ones
// are treated as this one, which is far in the future for any clock.
const maxTimestamp = 1 << 40

// parseTimestamp parses a webhook-timestamp: decimal digits only, no sign.
func parseTimestamp(s string) (int64, error) {
	// Quote at most a short prefix of what the sender put there.
	shown := s
	if len(shown) > 24 {
		shown = shown[:24] + "..."
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: %s %q is not a decimal number of seconds", ErrInvalidTimestamp, HeaderTimestamp, shown)
		}
	}
	seconds, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s %q is out of range", ErrInvalidTimestamp, HeaderTimestamp, shown)
	}
	return seconds, nil
}

// crockford is Crockford's base32 alphabet, in ASCII order, so that IDs of
// equal length sort as the numbers they encode.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// maxIDMillis is the largest time a message ID can encode: 2^48-1 ms after
// the epoch, in the year 10889.
const maxIDMillis = 1<<48 - 1

// NewMessageID returns a new unique id "msg_" + 26 chars (ULID-like, sortable
// by time; crypto/rand for the random part), used as webhook-id.
//
// The 26 characters are Crockford's base32 of 128 bits: the time now in
// milliseconds since the unix epoch (48 bits, clamped to 1970 through the year
// 10889), then 80 random bits. IDs of earlier milliseconds sort before IDs of
// later ones, byte by byte; IDs of the same millisecond sort in random order.
func NewMessageID(now time.Time) string {
	ms := now.UnixMilli()
	ms = max(0, min(ms, maxIDMillis))
	var random [10]byte
	// crypto/rand.Read never returns an error: it crashes the program if
	// the system's generator fails.
	_, _ = rand.Read(random[:])

	hi := uint64(ms)<<16 | uint64(binary.BigEndian.Uint16(random[:2]))
	lo := binary.BigEndian.Uint64(random[2:])

	var out [len(messageIDPrefix) + 26]byte
	copy(out[:], messageIDPrefix)
	for i := len(out) - 1; i >= len(messageIDPrefix); i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// RotatingSigner returns the Signer of secret (text form), which also signs
// with previous until previousUntil (the overlap after a rotation, so that
// receivers have time to switch). A previous secret that does not parse is
// left out; secret must parse.
func RotatingSigner(secret, previous string, previousUntil, now time.Time) (*Signer, error) {
	sec, err := ParseSecret(secret)
	if err != nil {
		return nil, err
	}
	secrets := []Secret{sec}
	if previous != "" && now.Before(previousUntil) {
		if prev, err := ParseSecret(previous); err == nil {
			secrets = append(secrets, prev)
		}
	}
	return NewSigner(secrets...), nil
}
