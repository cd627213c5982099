// expect: exception
// message: must be a number
let reads = 0
const o = { length: { valueOf() { return reads++ === 0 ? 1 : 2 ** 53 - 1 } } }
vars.found = Array.prototype.lastIndexOf.call(o, 1)
