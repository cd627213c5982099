// expect: output
say("x".repeat(70 * 1024))
