// expect: memory
// Each round doubles the text: 2^30 characters long before the end.
let s = "1"
for (let i = 0; i < 30; i++) s = "[" + s + "," + s + "]"
vars.n = JSON.parse(s).length
