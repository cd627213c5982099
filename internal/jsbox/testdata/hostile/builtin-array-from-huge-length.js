// expect: memory
vars.n = Array.from({ length: 2 ** 32 - 1 }).length
