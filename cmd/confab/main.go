// Command confab is the Confab chatbot platform: one binary that checks,
// tests, emulates and serves bots described as files.
package main

import (
	"os"

	"github.com/confab/confab/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
