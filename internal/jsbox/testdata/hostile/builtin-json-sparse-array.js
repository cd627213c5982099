// expect: exception
// message: at most 262144 elements
const a = []
a.length = 2 ** 32 - 1
vars.s = JSON.stringify({ a })
