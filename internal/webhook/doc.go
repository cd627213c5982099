// Package webhook signs and, later, delivers the webhooks Confab sends to
// users' URLs: bot replies and events, POSTed to an endpoint the user
// configured.
//
// # Signatures
//
// Signing follows the Standard Webhooks specification
// (https://www.standardwebhooks.com), so that a receiver can check a delivery
// with any of that project's libraries. Every message carries three headers:
//
//	webhook-id:        msg_01J9Z3K6T8WQ2B5N7R4XCVHMDE
//	webhook-timestamp: 1717171717
//	webhook-signature: v1,5456hX8CZCU45qh7pKGAzRypUj8L4+4BynQlkLxF300=
//
// The id names the message and stays the same on every retry of it, so a
// receiver can drop repeats; [NewMessageID] makes one. The timestamp is the
// unix time in seconds of the attempt. The signature is the standard base64
// of the HMAC-SHA256, keyed with the endpoint's secret, of the id, a dot, the
// timestamp, a dot and the exact body bytes. When several secrets sign, the
// header holds one "v1,<signature>" per secret, separated by spaces.
//
// # Secrets
//
// Each endpoint has its own [Secret] of 32 random bytes, written as "whsec_"
// followed by their standard base64. To rotate it, a [Signer] is given the old
// and the new secret for an overlap period, during which every message carries
// both signatures and a receiver holding either secret accepts it. A Secret's
// [log/slog.LogValuer] method hides it, but its String method does not: pass it
// only where the secret itself is meant to go.
//
// # Verification
//
// [Verify] is the receiver's side: it is what Confab's tests use to check what
// was sent, and what a receiver written in Go may use. It rejects a message
// whose timestamp is further than a tolerance (five minutes by default) from
// the receiver's clock, which limits replays, and compares signatures in
// constant time.
package webhook
