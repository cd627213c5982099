// expect: exception
// message: goto
goto({ toString() { return "start" } })
