// expect: timeout
// Within the limit, sorting is checked for time at every comparison.
const a = Array.from({ length: 2 ** 18 }, (_, i) => (i * 7919) % 1000003)
for (;;) { a.reverse(); a.sort() }
