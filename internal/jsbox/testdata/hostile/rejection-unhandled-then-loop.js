// expect: timeout
Promise.reject(new Error("unhandled")).catch(() => { for (;;) {} })
await null
await null
