package nlp

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Intent is one intent with its example expressions.
type Intent struct {
	Name     string
	Examples []string
}

// The scoring formula is documented in the package doc (doc.go).
const (
	// stopWeight scales the weight of a stopword.
	stopWeight = 0.25
	// unknownWeight is the weight of a word that no example has.
	unknownWeight = 1
	// inexact scales the score of a message that matches no example exactly,
	// keeping a confidence of 1 for exact matches.
	inexact = 0.95
)

// term is one word of a text as intent scoring sees it: the stem of a word,
// or "@name" for a mention of entity name, which stands for all its words.
type term struct {
	key  string
	stop bool
}

// example is one compiled example expression.
type example struct {
	intent int      // index of its intent
	stems  []string // stems of its words in order, for exact matches
	ids    []int32  // its distinct terms
	weight float64  // the sum of the weights of ids
}

// intentIndex holds the intents and their examples, ready for scoring.
type intentIndex struct {
	names    []string
	examples []example
	vocab    map[string]int32   // term key → term id
	weights  []float64          // term id → weight
	postings [][]int32          // term id → examples holding it
	exact    map[uint64][]int32 // hash of stems → examples
}

// compileIntents checks the intents and builds m.ix from their examples.
// The entities must be compiled already: mentions in the examples become
// entity terms.
func (m *Matcher) compileIntents(intents []Intent) error {
	ix := &m.ix
	ix.vocab = make(map[string]int32)
	ix.exact = make(map[uint64][]int32)
	names := make(map[string]bool, len(intents))
	var df []int         // term id → number of intents that use it
	var lastIntent []int // term id → last intent counted in df
	var stop []bool
	withExamples := 0
	for ii, in := range intents {
		if strings.TrimSpace(in.Name) == "" {
			return fmt.Errorf("nlp: intent #%d has no name", ii+1)
		}
		if names[in.Name] {
			return fmt.Errorf("nlp: intent %q is declared twice", in.Name)
		}
		names[in.Name] = true
		ix.names = append(ix.names, in.Name)
		if len(in.Examples) > 0 {
			withExamples++
		}
		for _, text := range in.Examples {
			toks := tokenize(nil, text)
			if len(toks) == 0 {
				return fmt.Errorf("nlp: intent %q: example %q has no words", in.Name, text)
			}
			found := resolve(m.find(nil, text, toks, time.Time{}), len(text))
			ex := example{intent: ii, stems: make([]string, len(toks))}
			h := uint64(fnvOffset)
			for k, t := range toks {
				ex.stems[k] = stem(t.low)
				h = hashWord(h, ex.stems[k])
			}
			for _, tm := range m.appendTerms(nil, toks, found) {
				id, ok := ix.vocab[tm.key]
				if !ok {
					id = int32(len(df))
					ix.vocab[tm.key] = id
					df = append(df, 0)
					lastIntent = append(lastIntent, -1)
					stop = append(stop, tm.stop)
				}
				if slices.Contains(ex.ids, id) {
					continue
				}
				ex.ids = append(ex.ids, id)
				if lastIntent[id] != ii {
					lastIntent[id] = ii
					df[id]++
				}
			}
			ix.exact[h] = append(ix.exact[h], int32(len(ix.examples)))
			ix.examples = append(ix.examples, ex)
		}
	}
	n := float64(max(withExamples, 1))
	ix.weights = make([]float64, len(df))
	for id := range df {
		ix.weights[id] = 1 + math.Log(n/float64(df[id]))
		if stop[id] {
			ix.weights[id] *= stopWeight
		}
	}
	ix.postings = make([][]int32, len(df))
	for ei := range ix.examples {
		e := &ix.examples[ei]
		for _, id := range e.ids {
			e.weight += ix.weights[id]
			ix.postings[id] = append(ix.postings[id], int32(ei))
		}
	}
	return nil
}

// appendTerms appends the terms of a text to dst: the stem of each word,
// except that the words of each entity mention in found (sorted, without
// overlaps) give one term, "@" and the entity name.
func (m *Matcher) appendTerms(dst []term, toks []token, found []match) []term {
	e := 0
	for ti := 0; ti < len(toks); {
		t := toks[ti]
		for e < len(found) && found[e].end <= t.start {
			e++
		}
		if e < len(found) && found[e].start < t.end {
			x := found[e]
			key := x.kind.term()
			if x.kind == kindList || x.kind == kindRegex {
				key = m.entities[x.ent].term
			}
			dst = append(dst, term{key: key})
			for ti < len(toks) && toks[ti].start < x.end {
				ti++
			}
			e++
			continue
		}
		dst = append(dst, term{key: stem(t.low), stop: isStopword(t.low)})
		ti++
	}
	return dst
}

// score sets dst[i] to the confidence of intent i for a message of words
// toks and terms terms; dst holds zeros and has one element per intent.
func (ix *intentIndex) score(dst []float64, toks []token, terms []term) {
	var interBuf [64]float64
	var inter []float64 // example → weight shared with the message
	if len(ix.examples) <= len(interBuf) {
		inter = interBuf[:len(ix.examples)]
	} else {
		inter = make([]float64, len(ix.examples))
	}
	var seen map[string]bool // for long messages, where a scan would be quadratic
	if len(terms) > 32 {
		seen = make(map[string]bool, len(terms))
	}
	wq := 0.0 // weight of the message
	for k, t := range terms {
		if seen != nil {
			if seen[t.key] {
				continue
			}
			seen[t.key] = true
		} else if containsKey(terms[:k], t.key) {
			continue
		}
		id, ok := ix.vocab[t.key]
		switch {
		case ok:
			w := ix.weights[id]
			wq += w
			for _, ei := range ix.postings[id] {
				inter[ei] += w
			}
		case t.stop:
			wq += stopWeight * unknownWeight
		default:
			wq += unknownWeight
		}
	}
	for ei, shared := range inter {
		if shared == 0 {
			continue
		}
		e := &ix.examples[ei]
		if sc := inexact * 2 * shared / (wq + e.weight); sc > dst[e.intent] {
			dst[e.intent] = sc
		}
	}
	h := uint64(fnvOffset)
	for _, t := range toks {
		h = hashWord(h, stem(t.low))
	}
	for _, ei := range ix.exact[h] {
		if e := &ix.examples[ei]; sameStems(e.stems, toks) {
			dst[e.intent] = 1
		}
	}
}

// containsKey reports whether one of terms has the key.
func containsKey(terms []term, key string) bool {
	for _, t := range terms {
		if t.key == key {
			return true
		}
	}
	return false
}

// sameStems reports whether the words toks have the stems stems.
func sameStems(stems []string, toks []token) bool {
	if len(stems) != len(toks) {
		return false
	}
	for k, t := range toks {
		if stem(t.low) != stems[k] {
			return false
		}
	}
	return true
}

// FNV-1a, 64 bits, for the exact-match index.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// hashWord adds a word and a separator to an FNV-1a hash. The separator,
// 0xff, never occurs in UTF-8 text.
func hashWord(h uint64, w string) uint64 {
	for i := 0; i < len(w); i++ {
		h ^= uint64(w[i])
		h *= fnvPrime
	}
	h ^= 0xff
	return h * fnvPrime
}
