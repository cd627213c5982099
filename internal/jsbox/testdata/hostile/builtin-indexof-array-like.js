// expect: exception
// message: at most 262144 elements
// QuickJS walks the indices of an array-like object without checking the
// time; the sandbox refuses such lengths instead of hanging for days.
vars.i = Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 1)
