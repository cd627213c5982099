// expect: exception
// message: at most 262144 elements
const a = [3, 1, 2]
a.length = 2 ** 32 - 1
a.sort()
