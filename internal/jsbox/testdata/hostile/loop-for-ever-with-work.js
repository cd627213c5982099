// expect: timeout
for (;;) { vars.n = (vars.n || 0) + 1 }
