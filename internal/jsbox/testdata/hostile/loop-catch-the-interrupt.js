// expect: timeout
// The interrupt cannot be caught: neither catch nor finally runs for it.
for (;;) {
  try { while (true) {} } catch (e) { vars.caught = String(e) } finally { vars.finally = true }
}
