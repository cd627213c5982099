// expect: stack
const o = {}
o.toString = () => "" + o
vars.s = String(o)
