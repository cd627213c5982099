// expect: exception
// message: reading vars back
vars.self = vars
