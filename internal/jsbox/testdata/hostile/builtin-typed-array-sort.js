// expect: timeout
const t = new Float64Array(2 ** 18)
for (let i = 0; i < t.length; i++) t[i] = (i * 7919) % 1000003
for (;;) { t.reverse(); t.sort() }
