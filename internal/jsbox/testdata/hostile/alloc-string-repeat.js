// expect: memory
vars.s = "x".repeat(2 ** 28)
