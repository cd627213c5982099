// expect: stack
vars.v = JSON.parse("[".repeat(100000) + "]".repeat(100000))
