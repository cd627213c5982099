// expect: output
vars.big = "x".repeat(300 * 1024)
