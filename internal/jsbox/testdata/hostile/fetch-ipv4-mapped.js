// expect: blocked
await fetch("http://[::ffff:127.0.0.1]/")
