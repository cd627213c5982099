// expect: blocked
await fetch("http://0.0.0.0:8080/")
