// expect: exception
// message: not an http or https URL
await fetch("file:///etc/passwd")
