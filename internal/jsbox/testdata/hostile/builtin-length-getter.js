// expect: exception
// message: getter
// A length that answers small first and huge the second time.
let reads = 0
const o = { get length() { return reads++ === 0 ? 1 : 2 ** 53 - 1 } }
vars.found = Array.prototype.includes.call(o, 1)
