// expect: exception
// message: at most 262144 elements
const inner = []
inner.length = 2 ** 32 - 1
vars.n = [[1], inner].flat().length
