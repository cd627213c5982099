// expect: timeout
// The loop starts synchronously inside the call, before any await.
;(async () => { while (true) {} })()
