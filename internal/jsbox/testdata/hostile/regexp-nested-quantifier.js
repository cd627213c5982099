// expect: timeout
// Catastrophic backtracking: the time-out must stop the match itself.
/(a+)+$/.test("a".repeat(60) + "!")
