// Package callback makes and checks the callback URLs of wait blocks on
// the server: <base>/v1/callbacks/<project>.<conversation>.<wait>.<sig>,
// where wait numbers the conversation's wait (flow.State.Calls when it
// began) and sig is an HMAC-SHA256 (base64url, unpadded) of the rest under
// the server's callback key. The signature is the URL's only credential;
// that a URL is used once is up to the store (store.WaitCommandID). See
// docs/decisions/0010-wait-callbacks.md.
package callback

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/confab/confab/internal/flow"
)

// KeyName is the name of the callback key among the server's keys
// (store.ServerKey).
const KeyName = "callback"

// KeySize is the size of a callback key in bytes.
const KeySize = 32

// Path is where callback URLs are, under the public base URL.
const Path = "/v1/callbacks/"

// NewKey returns a new random callback key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic("callback: no randomness: " + err.Error())
	}
	return k
}

// Ref names the wait a callback URL ends.
type Ref struct {
	ProjectID      string
	ConversationID string
	Wait           int
}

// Signer makes and checks callback URLs. It is safe for concurrent use.
type Signer struct {
	base string
	key  []byte
}

// New returns a Signer of URLs on base (an absolute URL, without a
// trailing slash) signed with key.
func New(base string, key []byte) *Signer {
	return &Signer{base: strings.TrimRight(base, "/"), key: key}
}

// URL returns the callback URL of a wait.
func (s *Signer) URL(r Ref) string { return s.base + Path + s.Token(r) }

// Token returns the last segment of a wait's callback URL.
func (s *Signer) Token(r Ref) string {
	id := r.ProjectID + "." + r.ConversationID + "." + strconv.Itoa(r.Wait)
	return id + "." + s.sign(id)
}

func (s *Signer) sign(id string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("confab callback v1\n"))
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Parse checks a token (the last segment of a callback URL) and returns
// the wait it names; false when it is malformed or its signature is not
// this server's. The signature is compared in constant time.
func (s *Signer) Parse(token string) (Ref, bool) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return Ref{}, false
	}
	id, sig := token[:i], token[i+1:]
	if !hmac.Equal([]byte(sig), []byte(s.sign(id))) {
		return Ref{}, false
	}
	parts := strings.Split(id, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return Ref{}, false
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil || n < 1 {
		return Ref{}, false
	}
	return Ref{ProjectID: parts[0], ConversationID: parts[1], Wait: n}, true
}

// FlowURL makes the callback URL of the wait a flow just began in state
// st (flow.Options.CallbackURL): the conversation is the one the server
// put in st.Conversation, the wait's number is st.Calls. A state without
// a conversation (not the server's) gets the engine's own
// "confab:callback/<id>".
func (s *Signer) FlowURL(st *flow.State, id string) string {
	project, _ := st.Conversation["project"].(string)
	conv, _ := st.Conversation["id"].(string)
	if project == "" || conv == "" {
		return "confab:callback/" + id
	}
	return s.URL(Ref{ProjectID: project, ConversationID: conv, Wait: st.Calls})
}
