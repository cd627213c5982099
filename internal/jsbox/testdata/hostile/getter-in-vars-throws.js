// expect: exception
// message: reading vars back
vars.order = { id: 1, get total() { throw new Error("no total") } }
