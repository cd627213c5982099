// expect: exception
// message: nothing will settle
await new Promise(() => {})
