// expect: timeout
// fetch: loopback
await fetch(env.SERVER + "/slow")
