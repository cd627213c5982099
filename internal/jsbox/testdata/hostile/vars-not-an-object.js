// expect: exception
// message: vars must be an object
vars = 42
