// expect: exception
// message: a plain string
throw "a plain string"
