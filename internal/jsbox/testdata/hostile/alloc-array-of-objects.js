// expect: memory
const a = []
for (;;) a.push({ n: a.length, s: "item" + a.length })
