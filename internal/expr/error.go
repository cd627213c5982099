package expr

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/expr-lang/expr/file"
)

// Error is a compile or run error with the position of the problem inside
// the source text.
type Error struct {
	// Offset is the byte offset into the source given to Compile or
	// CompileTemplate where the problem is (0 if unknown).
	Offset int
	// Msg says what is wrong, without the position, e.g.
	// `unexpected token ")"`.
	Msg string

	cause error
}

// Error returns the message followed by the offset of the problem.
func (e *Error) Error() string {
	return fmt.Sprintf("%s (at offset %d)", e.Msg, e.Offset)
}

// Unwrap returns the error reported by the expression engine, if any.
func (e *Error) Unwrap() error {
	return e.cause
}

// wrapError converts an error from expr-lang for the expression src, which
// starts at byte base of the text the caller compiled, into an *Error.
func wrapError(err error, src string, base int) *Error {
	var fe *file.Error
	if errors.As(err, &fe) {
		if fe.Message == "unexpected token EOF" {
			// expr-lang puts the end at the last character; the problem
			// is what follows it.
			return &Error{Offset: base + len(src), Msg: cleanMessage(fe.Message), cause: err}
		}
		return &Error{
			Offset: base + byteOffset(src, fe.From),
			Msg:    cleanMessage(fe.Message),
			cause:  err,
		}
	}
	return &Error{Offset: base, Msg: err.Error(), cause: err}
}

// byteOffset converts the rune index expr-lang reports into a byte offset
// in src. An index past the end yields len(src).
func byteOffset(src string, runeIndex int) int {
	if runeIndex <= 0 {
		return 0
	}
	n := 0
	for i := range src {
		if n == runeIndex {
			return i
		}
		n++
	}
	return len(src)
}

// tokenPattern matches expr-lang's token spelling, e.g. Bracket(")").
var tokenPattern = regexp.MustCompile(`\b(?:Identifier|Number|String|Bytes|Operator|Bracket)\(("(?:[^"\\]|\\.)*")\)`)

// cleanMessage rewrites expr-lang's token spelling in a message into the
// plain quoted text a bot author wrote.
func cleanMessage(msg string) string {
	if !strings.Contains(msg, "unexpected token") {
		return msg
	}
	if msg == "unexpected token EOF" {
		return "unexpected end of expression"
	}
	return tokenPattern.ReplaceAllString(msg, "$1")
}
