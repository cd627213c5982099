// expect: timeout
vars[Symbol.for("x")] = 1
vars.x = { [Symbol.toPrimitive]() { return 1 }, toJSON() { for (;;) {} } }
