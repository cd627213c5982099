// expect: timeout
function* ones() { for (;;) yield 1 }
let n = 0
for (const x of ones()) n += x
