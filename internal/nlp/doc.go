// Package nlp understands a user's chat message: it tells which of the bot's
// intents the message expresses, how sure it is, and which entities the
// message mentions.
//
// For now the understanding comes from [Matcher], a simple, deterministic
// matcher over the bot's example expressions and entity lists. It stands
// behind the [Parser] interface, which a real, trained classifier will
// implement later without the engine that calls it having to change.
//
// Everything here is pure: Parse depends only on the matcher, the message and
// the time passed in, which resolves "tomorrow" or "Friday". Nothing reads a
// clock, draws random numbers or keeps global state. Parse runs on every
// chat turn, so [New] does all it can in advance: tokenizing and weighting the
// examples, building a word trie of the synonyms, compiling the patterns.
//
// # Words
//
// A text is split into words on every character that is not a letter or a
// digit, and lower-cased with Unicode rules; an emoji is a word of its own.
// A trailing plural "s" is stripped for intent scoring (see stem), and
// English function words ("I", "a", "the", "to"…) count for a quarter (see
// isStopword).
//
// # Intent scoring
//
// Each mention of an entity found in the message, or in an example, stands
// for all its words as one term "@name": "a big one" and "a large one" both
// become "a @size one", and "at 7pm" and "at 9:30" both "at @time". Every
// other word gives its stem as a term. Terms are compared as sets.
//
// A term t weighs
//
//	w(t) = (1 + ln(N / df(t))) × s(t)
//
// where N is the number of intents that have examples, df(t) the number of
// them whose examples use t, and s(t) is 1/4 for a function word and 1
// otherwise. A word shared by many intents tells them apart less than one
// that only one intent uses. A word of the message that no example uses
// weighs 1 (times s), like a word that all intents use: it tells no intent
// apart, but it still shows that the message says something the example
// does not.
//
// The score of a message q against one example e is the weighted Dice
// coefficient of their term sets,
//
//	dice(q, e) = 2 × Σ_{t ∈ q∩e} w(t) / (Σ_{t ∈ q} w(t) + Σ_{t ∈ e} w(t))
//
// which is 1 when the sets are equal and 0 when they share nothing; words
// that the message has and the example lacks pull it down as much as the
// reverse. The confidence of an intent is
//
//	1                              if the message's words are exactly one of
//	                               its examples' words (case, punctuation and
//	                               plural "s" aside), else
//	0.95 × max over its examples of dice(q, e)
//
// so that only an exact match reaches 1. [Result].Intent is the best intent
// if its confidence reaches the threshold ([Options].Threshold, 0.5 by
// default); ties go to the intent declared first.
//
// # Entities
//
// Declared entities are lists of values with synonyms, matched word by word
// with a trie (the longest synonym wins: "extra large" before "large"), and
// Go regular expressions, compiled by New. The system entities, listed by
// [SystemEntities], are read by hand-written scanners without regexp: number,
// email, phone, url, date, time, amount and duration. The files named after
// them document exactly what each reads and what value it gives.
//
// Parse returns each entity once: when matches overlap, the longest wins,
// then the leftmost, then declared entities before system ones. The number
// in "€12.50", "2pm" or "10 minutes" is part of an amount, a time or a
// duration and is not returned on its own.
package nlp
