// expect: exception
// message: contained
// Breaking the built-ins breaks only this run; the error still reads.
Object.prototype.polluted = "yes"
Object.defineProperty(Object.prototype, "state", { get() { throw new Error("trap") }, set() {} })
Array.prototype.push = null
JSON.stringify = () => "{}"
JSON.parse = () => ({})
Promise.prototype.then = function () { throw new Error("then hijacked") }
Reflect.apply = () => null
String.prototype.match = () => null
Error.prototype.toString = () => { throw new Error("toString") }
globalThis.vars = undefined
throw new Error("contained")
