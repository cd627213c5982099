package redact

import (
	"slices"
	"strings"
)

// URL returns raw with the parts that usually carry credentials replaced by
// Mask: the user information ("https://user:pass@host", all of it) and the
// values of query parameters whose names look like credentials (key,
// api_key, token, access_token, secret, password, auth, sig, signature,
// code, session, ... in any case, with - or _). Everything else is kept
// byte for byte, so that a secret's value, wherever it still is, can be
// found by Secrets.String afterwards. raw need not be a valid URL.
func URL(raw string) string {
	rest, fragment, hasFragment := strings.Cut(raw, "#")
	rest, query, hasQuery := strings.Cut(rest, "?")
	var b strings.Builder
	b.Grow(len(raw))
	b.WriteString(maskUserinfo(rest))
	if hasQuery {
		b.WriteByte('?')
		for i, pair := range strings.Split(query, "&") {
			if i > 0 {
				b.WriteByte('&')
			}
			name, _, hasValue := strings.Cut(pair, "=")
			if hasValue && credentialName(name) {
				b.WriteString(name + "=" + Mask)
				continue
			}
			b.WriteString(pair)
		}
	}
	if hasFragment {
		b.WriteString("#" + fragment)
	}
	return b.String()
}

// maskUserinfo masks what stands between "//" and "@" in the authority of
// u (a URL without query or fragment).
func maskUserinfo(u string) string {
	i := strings.Index(u, "//")
	if i < 0 {
		return u
	}
	authority := u[i+2:]
	if j := strings.IndexByte(authority, '/'); j >= 0 {
		authority = authority[:j]
	}
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return u
	}
	return u[:i+2] + Mask + u[i+2+at:]
}

// credentialWords are parts of query parameter names that name a
// credential; credentialNames are whole names that do.
var (
	credentialWords = []string{"key", "token", "secret", "passw", "pwd", "auth", "signature", "credential", "session", "cookie", "jwt", "bearer"}
	credentialNames = []string{"sig", "code", "pass", "hash", "hmac", "otp"}
)

// credentialName reports whether a query parameter's name looks like it
// holds a credential.
func credentialName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range credentialWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	n = strings.NewReplacer("-", "", "_", "", "[]", "").Replace(n)
	return slices.Contains(credentialNames, strings.TrimPrefix(n, "x"))
}
