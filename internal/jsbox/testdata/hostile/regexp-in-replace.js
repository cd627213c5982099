// expect: timeout
vars.out = ("x".repeat(64) + "y").replace(/(x+x+)+z/g, "-")
