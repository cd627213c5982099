// expect: timeout
// An endless chain of microtasks: each await queues the next job.
for (;;) await null
