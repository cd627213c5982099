// Package redact hides the values of secrets (what bots see as
// secret.NAME) in what Confab stores or shows: execution logs and
// conversation variables. A bot may copy a secret into a variable, a URL
// or an error message; redacting by value catches it wherever it went.
package redact

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// Mask is what replaces a secret's value.
const Mask = "[redacted]"

// Secrets replaces the values of a set of secrets. A nil *Secrets
// replaces nothing. It is safe for concurrent use.
type Secrets struct {
	r *strings.Replacer
}

// New returns the redactor of secrets' values, or nil when none is
// non-empty. Longer values are replaced first, so a secret that contains
// another is replaced whole. Each value is also replaced in the forms a
// bot's templates and Confab's encoders give it: percent-encoded for a
// query or a path, and escaped inside a JSON string.
func New(values []string) *Secrets {
	var vs []string
	for _, v := range values {
		if v == "" {
			continue
		}
		for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v), jsonEscape(v, true), jsonEscape(v, false)} {
			if !slices.Contains(vs, form) {
				vs = append(vs, form)
			}
		}
	}
	if len(vs) == 0 {
		return nil
	}
	slices.SortFunc(vs, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(vs))
	for _, v := range vs {
		pairs = append(pairs, v, Mask)
	}
	return &Secrets{r: strings.NewReplacer(pairs...)}
}

// jsonEscape returns v as it appears inside a JSON string, with <, > and &
// escaped or not (encoders differ).
func jsonEscape(v string, html bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(v) // a string always encodes
	s := strings.TrimSuffix(b.String(), "\n")
	return s[1 : len(s)-1]
}

// String returns v with every secret's value replaced by Mask.
func (s *Secrets) String(v string) string {
	if s == nil || v == "" {
		return v
	}
	return s.r.Replace(v)
}

// Value returns v with every secret's value replaced in its strings (map
// keys included). v is a JSON-like value: strings, numbers, booleans,
// nil, []any and map[string]any; other values become their JSON form's
// value, redacted. v itself is never changed: what needs a change is copied.
func (s *Secrets) Value(v any) any {
	if s == nil {
		return v
	}
	switch x := v.(type) {
	case nil, bool, int, int64, float64:
		return v
	case string:
		return s.String(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = s.Value(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[s.String(k)] = s.Value(e)
		}
		return out
	}
	data, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var generic any
	if err := json.Unmarshal(data, &generic); err != nil {
		return Mask
	}
	return s.Value(generic)
}
