// expect: output
say({ text: "x".repeat(1 << 20) })
