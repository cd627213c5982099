// expect: stack
async function f() { return await f() }
await f()
