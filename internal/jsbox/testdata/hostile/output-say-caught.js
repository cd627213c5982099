// expect: output
// The output limit ends the run; catching it does not help.
for (;;) { try { say("x".repeat(10000)) } catch (e) {} }
