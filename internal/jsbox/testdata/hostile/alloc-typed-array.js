// expect: memory
vars.n = new Float64Array(2 ** 27).length
