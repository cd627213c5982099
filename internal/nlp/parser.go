package nlp

import "time"

// Parser turns a user's message into an intent, a confidence and entities.
//
// Implementations must be deterministic: the same message and time give the
// same Result. The time is the engine's notion of now; it resolves relative
// dates such as "tomorrow" or "Friday".
type Parser interface {
	Parse(text string, now time.Time) Result
}

// Result is what a Parser understood of one message.
type Result struct {
	// Intent is the best intent, or "" when none reaches the threshold.
	Intent string
	// Confidence is the confidence of Intent, from 0 to 1; 0 when Intent is "".
	Confidence float64
	// Entities are the entities found in the message, in order of
	// appearance, without overlaps; nil when there are none.
	Entities []Entity
	// Alternatives are the best scoring intents, best first, at most 3,
	// including the winner. They are listed even when none reaches the
	// threshold, so that a fallback can offer them; intents scoring 0 are
	// left out, and it is nil when no intent scores.
	Alternatives []IntentScore
}

// IntentScore is the confidence of one intent.
type IntentScore struct {
	Intent     string
	Confidence float64
}

// Entity is one entity found in a message.
type Entity struct {
	// Name is the entity name: a declared entity, or a system entity (number,
	// email, phone, url, date, time, amount, duration).
	Name string
	// Value is the canonical value:
	//   - list entity: the canonical value string ("large" for "big");
	//   - regex entity: the matched text;
	//   - number: float64;
	//   - email: the address lower-cased, a string;
	//   - phone: the digits with a leading "+" kept, e.g. "+3212345678";
	//   - url: the URL as written, a string;
	//   - date: "YYYY-MM-DD";
	//   - time: "HH:MM" on a 24-hour clock;
	//   - amount: map[string]any{"value": float64, "currency": "EUR"} with an
	//     ISO 4217 code;
	//   - duration: seconds as float64.
	Value any
	// Text is the text as written in the message.
	Text string
	// Start and End are the byte offsets of Text in the message.
	Start, End int
}
