// expect: output
for (;;) say("hi")
