package jsbox

import (
	"errors"
	"fmt"
	"time"

	"modernc.org/quickjs"
)

// SyntaxError is a script that does not compile: the line (of the script;
// 0 when unknown) and the engine's message.
type SyntaxError struct {
	Line    int
	Message string
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return e.Message
}

// CheckSyntax compiles a script as Run would, as the body of an async
// function, without running it. It returns a *SyntaxError for a script
// that does not compile, another error when the engine could not be
// started, and nil otherwise.
func CheckSyntax(script string) error {
	vm, err := quickjs.NewVM()
	if err != nil {
		return err
	}
	defer vm.Close()
	vm.SetMemoryLimit(DefaultMemoryLimit)
	vm.SetMaxStackSize(StackSlots)
	vm.SetEvalTimeout(time.Second)
	compile, err := vm.EvalValue(`(async function () {}).constructor`, quickjs.EvalGlobal)
	if err != nil {
		return err
	}
	defer compile.Free()
	f, err := compile.CallValue(quickjs.UndefinedValue, script)
	if err == nil {
		f.Free()
		return nil
	}
	var je *quickjs.Error
	if !errors.As(err, &je) {
		return &SyntaxError{Message: err.Error()}
	}
	// AsyncFunction puts two lines before the body.
	line := max(je.LineNumber-2, 0)
	msg := je.Message
	if je.Name != "" {
		msg = je.Name + ": " + msg
	}
	return &SyntaxError{Line: line, Message: msg}
}
