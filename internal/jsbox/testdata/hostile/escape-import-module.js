// expect: exception
// There is no module loader: no std, no os, nothing to import.
const os = await import("os")
vars.escaped = typeof os.exec
