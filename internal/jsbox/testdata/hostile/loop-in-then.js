// expect: timeout
await Promise.resolve().then(() => { for (;;) {} })
