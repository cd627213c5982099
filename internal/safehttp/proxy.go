package safehttp

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// ParseProxy reads an outbound proxy setting, as the operator writes it:
//
//   - "" means no proxy, and HTTP_PROXY and friends are ignored;
//   - "env" means the proxy named by HTTP_PROXY, HTTPS_PROXY and NO_PROXY
//     (Config.UseEnvironmentProxy);
//   - an http:// or https:// URL such as http://proxy.lan:3128 names the
//     proxy (Config.Proxy); it may carry user:password for the proxy, and
//     nothing after the host and port.
//
// The error says what is wrong with the value.
func ParseProxy(value string) (useEnv bool, proxy *url.URL, err error) {
	switch value = strings.TrimSpace(value); value {
	case "":
		return false, nil, nil
	case "env":
		return true, nil, nil
	}
	u, err := url.Parse(value)
	if err != nil {
		return false, nil, fmt.Errorf("not a URL: %w", err)
	}
	if err := checkProxyURL(u); err != nil {
		return false, nil, err
	}
	return false, u, nil
}

// checkProxyURL reports what is wrong with a proxy URL, or nil.
func checkProxyURL(u *url.URL) error {
	const want = `write "env", or a proxy URL such as http://proxy.lan:3128`
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("scheme %q: only http and https proxies are supported (%s)", u.Scheme, want)
	case u.Hostname() == "":
		return fmt.Errorf("no host (%s)", want)
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "":
		return fmt.Errorf("a proxy URL has no path, query or fragment (%s)", want)
	}
	if p := u.Port(); p == "" && strings.HasSuffix(u.Host, ":") {
		return fmt.Errorf("empty port (%s)", want)
	}
	return nil
}

// proxyAddr is the "host:port" the transport dials for proxy, with the
// scheme's default port when none is written and the host in lower case
// (as net/http does).
func proxyAddr(proxy *url.URL) string {
	port := proxy.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[proxy.Scheme]
	}
	return net.JoinHostPort(strings.ToLower(proxy.Hostname()), port)
}

// proxyFunc wraps the transport's choice of proxy: when a request is to go
// through a proxy, the proxy's address is remembered (so that dialling it
// is not refused: the operator configured it) and the request's target is
// checked first, since the dial-time check then sees only the proxy.
func (c *Client) proxyFunc(choose func(*http.Request) (*url.URL, error)) func(*http.Request) (*url.URL, error) {
	return func(req *http.Request) (*url.URL, error) {
		proxy, err := choose(req)
		if err != nil || proxy == nil {
			return proxy, err
		}
		c.proxyAddrs.Store(proxyAddr(proxy), true)
		for _, host := range targetHosts(req) {
			if err := c.checkTarget(req.Context(), host); err != nil {
				return nil, err
			}
		}
		return proxy, nil
	}
}

// targetHosts returns the hosts a proxy may be asked to reach for req: the
// URL's, and the Host field's when it differs (net/http writes the Host
// field into the absolute request URI it sends to a proxy).
func targetHosts(req *http.Request) []string {
	hosts := []string{req.URL.Hostname()}
	if req.Host != "" {
		h := req.Host
		if u, err := url.Parse("http://" + h); err == nil {
			h = u.Hostname()
		}
		if h != hosts[0] {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// checkTarget checks host before a request to it is handed to a proxy:
// a host-name allow entry passes; an IP literal must pass Check; a name is
// resolved and every address must pass Check. A name that is not ASCII is
// refused (the proxy would be sent its IDNA form, which this check would
// not have resolved). The error is a *BlockedError, or the lookup's error.
func (c *Client) checkTarget(ctx context.Context, host string) error {
	if c.allow.AllowsHost(host) {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if reason := c.allow.Check(ip); reason != "" {
			return &BlockedError{Host: host, IP: ip.WithZone(""), Reason: reason}
		}
		return nil
	}
	for _, r := range host {
		if r >= 0x80 || r <= ' ' {
			return &BlockedError{Host: host, Reason: "a name that is not plain ASCII, through a proxy: write it in its xn-- form"}
		}
	}
	resolver := c.dialer.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	addrs, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	for _, ip := range addrs {
		// The resolver may return IPv4 addresses in their IPv4-mapped
		// form, which Check refuses; the address reached is the IPv4 one.
		ip = ip.Unmap().WithZone("")
		if reason := c.allow.Check(ip); reason != "" {
			return &BlockedError{Host: host, IP: ip, Reason: reason}
		}
	}
	return nil
}
