// expect: timeout
try { throw new Error("first") } finally { while (true) {} }
