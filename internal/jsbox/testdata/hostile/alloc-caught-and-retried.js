// expect: timeout
// Catching the out-of-memory error only buys time until the budget ends.
for (;;) { try { vars.s = "x".repeat(2 ** 28) } catch (e) { vars.e = String(e) } }
