// Package safehttp is the one outbound HTTP client for every URL a user
// configures: webhooks, API calls, functions, custom actions, the script
// fetch and attachment downloads. Nothing else in Confab dials a user's URL.
//
// A Client refuses, by default, every address that is not an ordinary
// public unicast address (see AllowList.Check for the list). The check runs
// at dial time on the IP the socket is about to connect to (a
// net.Dialer.Control hook), after every resolver, hosts file and IDNA
// mapping has had its say, so there is no gap between the IP that is checked
// and the IP that is reached: a name that resolves to a public address for
// the check and to 127.0.0.1 for the connection (DNS rebinding) is refused,
// and so is every odd spelling of a private address (127.1, 0x7f000001,
// ①②⑦.0.0.1), whichever path it takes. A URL whose host is an IP literal is
// also checked before anything is sent, which gives the same answer earlier.
//
// Through a proxy (Config.Proxy, or Config.UseEnvironmentProxy) the socket
// connects to the proxy, whose address is allowed whatever it is: the
// operator configured it. The target is then checked before the request is
// handed to the proxy: an IP literal must pass, and a host name is resolved
// and every address it resolves to must pass, under the same rules and
// allow list, with the same *BlockedError. One gap remains, and only the
// proxy can close it: the proxy resolves the name again, so a name whose
// answer changes between the two look-ups (DNS rebinding) can still lead
// the proxy to a private address. Give the proxy egress rules of its own.
//
// Beyond the address check a Client:
//
//   - sends only http and https URLs (ErrUnsupportedScheme otherwise);
//   - never follows a redirect: a 3xx answer is returned as it is;
//   - ignores HTTP_PROXY and friends unless Config.UseEnvironmentProxy is
//     set, and uses no proxy unless one of it or Config.Proxy is set;
//   - bounds every request in time (Config.Timeout when the request's
//     context has no deadline; 5 s to connect, 5 s for the TLS handshake);
//   - caps the bodies read through ReadBody (Config.MaxResponseBytes).
//
// Errors keep their causes for errors.Is and errors.As; Classify turns any
// of them into a short class for logs and metrics, and a refused address is
// a *BlockedError that names the host, the IP and the reason.
//
// Config.Allow opens exceptions for self-hosters on a LAN and for tests
// (127.0.0.1/32). An entry opens only what it names: allowing 127.0.0.1/32
// does not allow 127.0.0.2, ::1 or 10.0.0.1. A host-name entry is different
// in kind: it turns the address check off for that one name, whatever it
// resolves to (see ParseAllow).
//
// The package is written by hand over net/http and net/netip. Libraries that
// guard a dialer, such as code.dny.dev/ssrf, supply only a Control hook:
// the hook sees an address but no host name, so it cannot carry the
// host-name allow entries Confab's configuration offers or name the host in
// its error, and everything else here (no redirects, time-outs, body caps,
// error classes, the target check before a proxy) would still be ours. The
// address check itself is a short table of prefixes over net/netip, which
// is easier to review in place than a dependency to keep in step with it.
package safehttp
