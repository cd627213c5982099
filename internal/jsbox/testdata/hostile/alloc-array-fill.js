// expect: memory
const keep = []
for (;;) keep.push(new Array(100000).fill(1))
