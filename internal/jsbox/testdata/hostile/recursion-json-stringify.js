// expect: stack
let o = {}
const root = o
for (let i = 0; i < 100000; i++) { o.next = {}; o = o.next }
vars.s = JSON.stringify(root)
