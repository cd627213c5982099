// Package expr compiles and evaluates the condition expressions and the
// {{ }} templates written in bot files.
//
// It is a thin layer over github.com/expr-lang/expr that fixes the
// conventions every part of Confab relies on:
//
//   - Expressions read their variables from a map[string]any environment
//     at run time. A name that the environment lacks evaluates to nil
//     instead of failing, so `user.name ?? "there"` works whether or not
//     user or user.name exists.
//   - Member and index access are nil-safe: `user.name`, `user.address.city`
//     and `missing[0]` yield nil when the value on the left is nil or the
//     map key is absent, exactly as if `?.` had been written. Indexing a
//     list past its end is still an error.
//   - Arithmetic on nil is an error (`attempts + 1` fails when attempts is
//     unset), so bots declare defaults for the variables they count with,
//     or write `(attempts ?? 0) + 1`.
//   - Numbers decoded from JSON arrive as float64; they mix freely with
//     integer literals, so `attempts + 1` and `attempts >= 2` work for int
//     and float64 alike.
//   - Evaluation is deterministic: the builtin now() is disabled (calling it
//     is a compile error) and the current time comes in as the variable now
//     (a time.Time), so `now.Hour() >= 9` works. now.Weekday() is a
//     time.Weekday, which equals only another time.Weekday: compare
//     `int(now.Weekday()) == 0` or `string(now.Weekday()) == "Sunday"`.
//     date() reads a time without a zone as UTC.
//   - Every other expr-lang builtin is available (lower, len, filter, ...).
//     A variable may have the name of a builtin: `count + 1` reads count
//     from the env, while `count(items, # > 1)` calls the builtin. Only
//     `let` cannot declare such a name.
//   - An expression may hold at most MaxNodes syntax nodes.
//
// A Program is one compiled expression; Bool gives its truth value (see
// Program.Bool) for conditions. A Template is text with {{ expression }}
// parts; Render turns it into a message using Stringify for every part, and
// Value keeps the type of a template that is a single expression. Inside
// {{ }} the first "}}" closes the part, so an expression in a template cannot
// contain "}}" (not even inside a string literal); a literal "{{" is written
// {{ "{{" }}, and a "}}" that closes nothing is plain text.
//
// All errors, at compile and at run time, are *Error values carrying the
// byte offset of the problem in the source text that was compiled.
package expr
