// expect: exception
// message: at most 262144 elements
new Uint8Array(2 ** 24).set({ length: 2 ** 24 })
