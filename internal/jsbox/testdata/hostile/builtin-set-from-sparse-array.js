// expect: timeout
// The Set constructor calls add for every index: the time is checked.
const a = []
a.length = 2 ** 32 - 1
vars.n = new Set(a).size
