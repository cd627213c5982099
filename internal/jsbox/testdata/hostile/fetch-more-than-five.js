// expect: fetch_limit
// fetch: loopback
for (;;) { try { await fetch(env.SERVER) } catch (e) {} }
