// expect: exception
const std = await import("qjs:std")
vars.escaped = typeof std.loadFile
