// expect: exception
// The runtime may not block: Atomics.wait throws instead of sleeping.
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
