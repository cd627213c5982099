// expect: memory
let s = "x"
for (;;) s += s
