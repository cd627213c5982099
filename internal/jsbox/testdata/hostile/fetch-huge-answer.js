// expect: too_large
// fetch: loopback
const r = await fetch(env.SERVER + "/huge")
vars.n = (await r.text()).length
