// expect: exception
throw undefined
