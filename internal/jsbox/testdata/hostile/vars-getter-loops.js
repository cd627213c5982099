// expect: timeout
// Reading the variables back runs the getter, inside the budget.
Object.defineProperty(vars, "x", { enumerable: true, get() { for (;;) {} } })
