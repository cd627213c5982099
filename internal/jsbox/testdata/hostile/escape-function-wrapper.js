// expect: timeout
// The engine builds the function from its source text, so a script can
// close the function early and run code while it is being built: that code
// runs in the same global scope as any script, under the same budget.
})(); for (;;) {} (async function () {
