// expect: exception
// message: symbol
throw Symbol("boom")
