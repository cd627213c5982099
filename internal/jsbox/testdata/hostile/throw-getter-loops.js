// expect: timeout
// Reading what was thrown runs its getter, inside the budget.
throw { get message() { for (;;) {} } }
