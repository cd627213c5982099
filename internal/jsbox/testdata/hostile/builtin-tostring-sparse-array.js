// expect: exception
// message: at most 262144 elements
vars.s = "" + new Array(2 ** 32 - 1)
