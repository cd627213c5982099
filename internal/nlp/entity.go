package nlp

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// EntityDef declares a bot entity: either Values (canonical value → synonyms;
// the canonical value itself also matches) or Pattern (a Go regexp).
//
// List values match whole words, case-insensitively, and a word in the
// message also matches when it is the plural of the word in the list
// ("pizzas" for "pizza"). Multi-word synonyms match across spaces, hyphens
// and similar joiners but not across sentence punctuation (. , ; : ! ?).
// The tail of a contraction never starts a match: in a bot whose sizes
// include "s" and "m", "where's" and "I'm" mention no size.
// Patterns are matched as written, anywhere in the message: add (?i) for a
// case-insensitive pattern, and \b for whole words.
type EntityDef struct {
	Name    string
	Values  []ListValue
	Pattern string
}

// ListValue is one canonical value of a list entity and its synonyms.
type ListValue struct {
	Value    string
	Synonyms []string
}

// kind says what found a match. The order is the priority among matches that
// cover the same span: declared entities first, then system entities from the
// most to the least specific.
type kind uint8

const (
	kindNone kind = iota // no kind: scan for every system entity
	kindList
	kindRegex
	kindEmail
	kindURL
	kindDate
	kindTime
	kindAmount
	kindDuration
	kindPhone
	kindNumber
	kindCount
)

// match is one entity found in a text, before its value is boxed into an
// Entity. Which fields are set depends on kind.
type match struct {
	start, end int
	num        float64 // number, amount, duration (seconds)
	cur        string  // amount currency code
	ent        int32   // declared entity index (list, regex)
	val        int32   // list value index
	y          int16   // date
	mo, d      int8    // date
	h, mi      int8    // time of day
	kind       kind
}

// entityDef is a compiled EntityDef.
type entityDef struct {
	name   string
	term   string // "@"+name, the entity's token in intent scoring
	values []any  // canonical values of a list entity, boxed once here
	re     *regexp.Regexp
}

// trieNode is a node of the word trie that holds every synonym of every list
// entity; a path from the root spells a synonym word by word.
type trieNode struct {
	next map[string]*trieNode
	ends []listEnd // the values whose synonym ends here, in declaration order
}

// listEnd is a list value whose synonym ends at a trie node.
type listEnd struct {
	ent, val int32 // entity index, and value index in that entity
}

// compileEntities checks and compiles the declared entities into m.
func (m *Matcher) compileEntities(defs []EntityDef) error {
	m.byName = make(map[string]int, len(defs))
	for i, d := range defs {
		switch {
		case strings.TrimSpace(d.Name) == "":
			return fmt.Errorf("nlp: entity #%d has no name", i+1)
		case isSystem(d.Name):
			return fmt.Errorf("nlp: entity %q: the name is taken by a system entity", d.Name)
		case len(d.Values) > 0 && d.Pattern != "":
			return fmt.Errorf("nlp: entity %q: set values or pattern, not both", d.Name)
		case len(d.Values) == 0 && d.Pattern == "":
			return fmt.Errorf("nlp: entity %q: has neither values nor pattern", d.Name)
		}
		if _, dup := m.byName[d.Name]; dup {
			return fmt.Errorf("nlp: entity %q is declared twice", d.Name)
		}
		m.byName[d.Name] = i
		e := entityDef{name: d.Name, term: "@" + d.Name}
		if d.Pattern != "" {
			re, err := regexp.Compile(d.Pattern)
			if err != nil {
				return fmt.Errorf("nlp: entity %q: bad pattern: %w", d.Name, err)
			}
			e.re = re
			m.regexes = append(m.regexes, int32(i))
		}
		for vi, v := range d.Values {
			if strings.TrimSpace(v.Value) == "" {
				return fmt.Errorf("nlp: entity %q: value #%d is empty", d.Name, vi+1)
			}
			e.values = append(e.values, any(v.Value))
			for _, phrase := range append([]string{v.Value}, v.Synonyms...) {
				if err := m.addPhrase(int32(i), int32(vi), phrase); err != nil {
					return fmt.Errorf("nlp: entity %q: value %q: %w", d.Name, v.Value, err)
				}
			}
		}
		m.entities = append(m.entities, e)
	}
	return nil
}

// addPhrase adds one synonym of a list value to the trie. When two values
// of an entity share a synonym, the first declared keeps it; when two
// entities do, Parse reports the first declared and Extract either.
func (m *Matcher) addPhrase(ent, val int32, phrase string) error {
	toks := tokenize(nil, phrase)
	if len(toks) == 0 {
		return fmt.Errorf("synonym %q has no words", phrase)
	}
	if m.trie == nil {
		m.trie = &trieNode{}
	}
	n := m.trie
	for _, t := range toks {
		child := n.next[t.low]
		if child == nil {
			child = &trieNode{}
			if n.next == nil {
				n.next = make(map[string]*trieNode)
			}
			n.next[t.low] = child
		}
		n = child
	}
	for _, e := range n.ends {
		if e.ent == ent {
			return nil
		}
	}
	n.ends = append(n.ends, listEnd{ent: ent, val: val})
	return nil
}

// listAt finds the longest synonym that starts at toks[i]; with only ≥ 0 it
// considers the synonyms of that entity alone. A message word matches a
// synonym word when it is the same, or when its stem is. No synonym starts
// at the tail of a contraction (see isClitic).
func (m *Matcher) listAt(s string, toks []token, i int, only int32) (match, bool) {
	var best match
	found := false
	if isClitic(s, toks[i]) {
		return best, false
	}
	n := m.trie
	for j := i; j < len(toks) && n != nil; j++ {
		if j > i && !phraseGap(s[toks[j-1].end:toks[j].start]) {
			break
		}
		child := n.next[toks[j].low]
		if child == nil {
			if st := stem(toks[j].low); len(st) != len(toks[j].low) {
				child = n.next[st]
			}
		}
		if child == nil {
			break
		}
		n = child
		for _, e := range n.ends {
			if only < 0 || e.ent == only {
				best = match{start: toks[i].start, end: toks[j].end, kind: kindList, ent: e.ent, val: e.val}
				found = true
				break
			}
		}
	}
	return best, found
}

// phraseGap reports whether the text between two words may lie inside a
// multi-word synonym: anything but sentence punctuation and line breaks.
func phraseGap(gap string) bool {
	for i := 0; i < len(gap); i++ {
		switch gap[i] {
		case '.', ',', ';', ':', '!', '?', '\n':
			return false
		}
	}
	return true
}

// find appends to dst every match of every entity in s: list entities over
// the tokens toks of s, regex entities and system entities. Matches may
// overlap; resolve sorts that out.
func (m *Matcher) find(dst []match, s string, toks []token, now time.Time) []match {
	if m.trie != nil {
		for i := range toks {
			if x, ok := m.listAt(s, toks, i, -1); ok {
				dst = append(dst, x)
			}
		}
	}
	for _, ei := range m.regexes {
		for _, loc := range m.entities[ei].re.FindAllStringIndex(s, -1) {
			if loc[0] < loc[1] {
				dst = append(dst, match{start: loc[0], end: loc[1], kind: kindRegex, ent: ei})
			}
		}
	}
	return scanSystem(dst, s, toks, now, kindNone)
}

// resolve removes overlapping matches from the matches ms found in a text
// of n bytes, longest first: among matches that overlap, the longest wins,
// then the leftmost, then the one of higher priority (declared entities
// before system ones, see kind). It works in place and returns the
// survivors in order of appearance. A bitmap of the bytes already taken
// keeps it linear in the length of the matches, however many there are.
func resolve(ms []match, n int) []match {
	if len(ms) < 2 {
		return ms
	}
	slices.SortFunc(ms, func(a, b match) int {
		if c := cmp.Compare(b.end-b.start, a.end-a.start); c != 0 {
			return c
		}
		if c := cmp.Compare(a.start, b.start); c != 0 {
			return c
		}
		if c := cmp.Compare(a.kind, b.kind); c != 0 {
			return c
		}
		return cmp.Compare(a.ent, b.ent)
	})
	var stack [32]uint64 // enough for 2048 bytes of text
	var taken []uint64
	if words := (n + 63) / 64; words <= len(stack) {
		taken = stack[:words]
	} else {
		taken = make([]uint64, words)
	}
	kept := ms[:0]
	for _, x := range ms {
		if !markFree(taken, x.start, x.end) {
			continue
		}
		kept = append(kept, x)
	}
	slices.SortFunc(kept, func(a, b match) int { return cmp.Compare(a.start, b.start) })
	return kept
}

// markFree reports whether none of the bits from start to end is set in
// bits, and if so sets them all.
func markFree(bits []uint64, start, end int) bool {
	for pass := 0; pass < 2; pass++ {
		for i := start; i < end; {
			off := i & 63
			n := min(64-off, end-i)
			mask := (^uint64(0) >> (64 - n)) << off
			if pass == 0 && bits[i>>6]&mask != 0 {
				return false
			}
			if pass == 1 {
				bits[i>>6] |= mask
			}
			i += n
		}
	}
	return true
}

// entity turns a match in s into an Entity with its canonical value.
func (m *Matcher) entity(s string, x match) Entity {
	e := Entity{Text: s[x.start:x.end], Start: x.start, End: x.end}
	switch x.kind {
	case kindList:
		e.Name = m.entities[x.ent].name
		e.Value = m.entities[x.ent].values[x.val]
	case kindRegex:
		e.Name = m.entities[x.ent].name
		e.Value = e.Text
	default:
		e.Name = x.kind.name()
		e.Value = systemValue(e.Text, x)
	}
	return e
}
