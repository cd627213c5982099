// expect: fetch_limit
// fetch: loopback
await Promise.all(Array.from({ length: 10 }, () => fetch(env.SERVER)))
