// expect: timeout
eval("while (true) {}")
