// expect: exception
// message: at most 262144 elements
vars.n = [].concat({ length: 2 ** 32 - 2, [Symbol.isConcatSpreadable]: true }).length
