// expect: exception
// message: reading vars back
vars.list = []
vars.list.length = 2 ** 32 - 1
