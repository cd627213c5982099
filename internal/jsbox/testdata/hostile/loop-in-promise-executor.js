// expect: timeout
await new Promise(() => { while (true) {} })
