// expect: timeout
// The constructor reads 30 million holes without checking the time; the
// run is answered at the budget and finishes on its own.
for (;;) vars.n = new Uint8Array({ length: 3e7 }).length
