// expect: exception
// message: Proxy
// Proxy is not there: a trap could answer a built-in differently each time.
const p = new Proxy([], {})
