package nlp

import (
	"fmt"
	"math"
	"time"
)

// DefaultThreshold is the minimum confidence for Result.Intent to be set
// when Options.Threshold is 0.
const DefaultThreshold = 0.5

// Options tunes a Matcher.
type Options struct {
	// Threshold is the minimum confidence, from 0 to 1, for Result.Intent
	// to be set. 0 means DefaultThreshold (0.5).
	Threshold float64
}

// Matcher is the built-in Parser. Safe for concurrent use after New.
//
// It scores a message against the bot's example expressions and finds the
// bot's list and pattern entities and the system entities; see the package
// doc for how. New does the preparatory work, so Parse only tokenizes the
// message, looks words up in maps and scans it once for system entities.
type Matcher struct {
	threshold float64
	ix        intentIndex
	entities  []entityDef
	byName    map[string]int // entity name → index in entities
	trie      *trieNode      // synonyms of every list entity; nil if none
	regexes   []int32        // indices of the pattern entities
}

var _ Parser = (*Matcher)(nil)

// New builds a Matcher for a bot's intents and entities. It returns an error,
// naming the culprit, for an intent or entity without a name or declared
// twice, an example or synonym without words, an entity with both or neither
// values and pattern, a pattern that does not compile, an entity named like a
// system entity, and a threshold outside 0..1.
func New(intents []Intent, entities []EntityDef, opts Options) (*Matcher, error) {
	th := opts.Threshold
	if math.IsNaN(th) || th < 0 || th > 1 {
		return nil, fmt.Errorf("nlp: threshold %v is outside 0..1", th)
	}
	if th == 0 {
		th = DefaultThreshold
	}
	m := &Matcher{threshold: th}
	if err := m.compileEntities(entities); err != nil {
		return nil, err
	}
	if err := m.compileIntents(intents); err != nil {
		return nil, err
	}
	return m, nil
}

// Parse returns the intent of text, its confidence, the alternatives and
// the entities found in text. now resolves relative dates.
func (m *Matcher) Parse(text string, now time.Time) Result {
	var tokBuf [32]token
	toks := tokenize(tokBuf[:0], text)
	var matchBuf [16]match
	found := resolve(m.find(matchBuf[:0], text, toks, now), len(text))
	var r Result
	if len(found) > 0 {
		r.Entities = make([]Entity, len(found))
		for i, x := range found {
			r.Entities[i] = m.entity(text, x)
		}
	}
	m.classify(&r, toks, found)
	return r
}

// classify sets the intent, confidence and alternatives of r.
func (m *Matcher) classify(r *Result, toks []token, found []match) {
	n := len(m.ix.names)
	if n == 0 || len(toks) == 0 {
		return
	}
	var termBuf [32]term
	terms := m.appendTerms(termBuf[:0], toks, found)
	var scoreBuf [32]float64
	var scores []float64
	if n <= len(scoreBuf) {
		scores = scoreBuf[:n]
	} else {
		scores = make([]float64, n)
	}
	m.ix.score(scores, toks, terms)

	// The three best, ties going to the intent declared first.
	top := [3]int{-1, -1, -1}
	count := 0
	for i, sc := range scores {
		if sc <= 0 {
			continue
		}
		k := count
		for k > 0 && sc > scores[top[k-1]] {
			k--
		}
		if k >= len(top) {
			continue
		}
		copy(top[k+1:], top[k:])
		top[k] = i
		count = min(count+1, len(top))
	}
	if count == 0 {
		return
	}
	r.Alternatives = make([]IntentScore, count)
	for k := range count {
		r.Alternatives[k] = IntentScore{Intent: m.ix.names[top[k]], Confidence: scores[top[k]]}
	}
	if best := r.Alternatives[0]; best.Confidence >= m.threshold {
		r.Intent, r.Confidence = best.Intent, best.Confidence
	}
}

// Extract finds the first value of one entity (declared or system) in text.
// Used by `input` blocks with validate: {entity: size} or {type:
// number|email|phone|url|date|time}.
//
// It looks for that entity alone, so a number is found in "10 minutes"
// although Parse would report a duration there. Among matches at the same
// place it takes the longest ("extra large" rather than "large"). It reports
// false when the entity is unknown or absent.
func (m *Matcher) Extract(entity, text string, now time.Time) (Entity, bool) {
	var buf [16]match
	found := buf[:0]
	if k, ok := systemKind(entity); ok {
		var tokBuf [32]token
		found = scanSystem(found, text, tokenize(tokBuf[:0], text), now, k)
	} else if ei, ok := m.byName[entity]; ok {
		if re := m.entities[ei].re; re != nil {
			for _, loc := range re.FindAllStringIndex(text, -1) {
				if loc[0] < loc[1] {
					found = append(found, match{start: loc[0], end: loc[1], kind: kindRegex, ent: int32(ei)})
					break
				}
			}
		} else {
			var tokBuf [32]token
			toks := tokenize(tokBuf[:0], text)
			for i := range toks {
				if x, ok := m.listAt(text, toks, i, int32(ei)); ok {
					found = append(found, x)
					break
				}
			}
		}
	}
	if len(found) == 0 {
		return Entity{}, false
	}
	return m.entity(text, found[0]), true
}

// Has reports whether the entity name is declared in this matcher or is a
// system entity.
func (m *Matcher) Has(entity string) bool {
	if _, ok := m.byName[entity]; ok {
		return true
	}
	return isSystem(entity)
}
