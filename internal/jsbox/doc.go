// Package jsbox runs the JavaScript of code blocks in a sandbox.
//
// Each run gets a fresh QuickJS runtime (modernc.org/quickjs, QuickJS
// compiled to pure Go) with its own heap, which is closed when the run
// ends, so nothing a script does outlives it or reaches another run.
// QuickJS is the engine because it is the one whose limits all hold: a
// time-out that interrupts loops and regular expressions alike, a memory
// limit that turns an allocation bomb into an error, and a stack limit that
// turns deep recursion into an error instead of a crashed process. A fresh
// runtime costs a fraction of a millisecond (see BenchmarkRun), so runtimes
// are not pooled.
//
// The script is the body of an async function: await works at its top
// level and return ends it early. It sees vars (the conversation's
// variables, read and write), input, intent, confidence, entities, user,
// conversation, channel and env, and may call say(text | message),
// goto(block) and await fetch(url, options). Nothing else reaches the
// outside world: the runtime has no modules (no std, no os, no import), no
// timers, no console, and Atomics.wait refuses to block. A fetch is an
// HTTP call carried out by the host's executor (the safe client on the
// server, fixtures in conversation tests), one at a time, at most
// MaxFetches per run.
//
// Limits: the run's wall-clock budget (the request's Timeout, default 1 s,
// at most 10 s) is enforced by interrupting the VM, which also stops a
// regular expression in the middle of a match; the heap is capped
// (Config.MemoryLimit, default 32 MiB); the call depth is capped
// (StackSlots); what the script says is capped (MaxSayBytes,
// MaxSayMessages) and so are its variables (MaxVarsBytes). Every failure
// becomes a CallResult with an error class (the Class constants, or the
// class of a fetch that failed and was not caught), and a run that fails
// keeps nothing: no variables, no messages, no goto.
//
// QuickJS checks for an interrupt only while it runs JavaScript or calls a
// function, and a few built-ins loop without doing either: the Array
// methods over the holes of a huge sparse array or array-like object, the
// default comparison of sort, JSON.stringify over a sparse array. The
// prelude (prelude.js, trusted code that runs before the script) guards
// them: they refuse more than MaxArrayLength elements, read lengths the
// script cannot change under them (Proxy is removed), and compare in
// JavaScript. Whatever a built-in still does, Run answers at most
// abandonAfter past the budget; a run it leaves behind finishes on its
// own, still holding its slot. The hostile corpus in testdata/hostile
// holds the scripts this was measured against.
package jsbox
