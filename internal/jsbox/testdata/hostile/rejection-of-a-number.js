// expect: exception
// message: 42
await Promise.reject(42)
