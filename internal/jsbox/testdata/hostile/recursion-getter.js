// expect: stack
const o = { get x() { return o.x } }
vars.x = o.x
