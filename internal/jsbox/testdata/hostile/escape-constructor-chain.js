// expect: exception
// message: contained
// The Function constructor reached through any object gives this
// runtime's own global object, which holds nothing of the host.
const g = this.constructor.constructor("return this")()
const g2 = say.constructor("return globalThis")()
const g3 = (async () => {}).constructor("return this")
const found = []
for (const name of ["require", "process", "std", "os", "print", "console", "setTimeout", "setInterval", "scriptArgs", "Deno", "Bun", "module", "exports"]) {
  if (typeof g[name] !== "undefined" || typeof g2[name] !== "undefined") found.push(name)
}
for (const name of Reflect.ownKeys(g)) {
  if (String(name).startsWith("__")) found.push(String(name))
}
if (found.length > 0 || typeof g3 !== "function") { vars.escaped = found; return }
throw new Error("contained")
