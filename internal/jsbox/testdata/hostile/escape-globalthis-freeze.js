// expect: exception
// message: contained
// Freezing the global object does not stop the run from ending properly.
delete globalThis.say
Object.freeze(Object.prototype)
Object.freeze(globalThis)
throw new Error("contained")
