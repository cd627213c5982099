package expr

import (
	"sync"

	exprlang "github.com/expr-lang/expr"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// MaxNodes is the largest number of syntax nodes one expression may have.
const MaxNodes = 2000

// Program is a compiled expression; safe for concurrent use.
type Program struct {
	src   string
	base  int // byte offset of src in the text given to the compiler
	prog  *vm.Program
	names []string
}

// options are the expr-lang settings every expression is compiled with.
var options = []exprlang.Option{
	exprlang.Env(map[string]any{}),
	exprlang.AllowUndefinedVariables(),
	exprlang.DisableBuiltin("now"),
	exprlang.MaxNodes(MaxNodes),
	exprlang.Patch(nilSafe{}),
}

// vms recycles virtual machines between runs; a VM runs one program at a
// time, and Run resets it before use.
var vms = sync.Pool{New: func() any { return new(vm.VM) }}

// Compile compiles one expression. Names are resolved at run time from the
// env map, and a name the env lacks evaluates to nil. The builtin now() is
// not available (time comes in as the variable now); calling it is a compile
// error.
func Compile(src string) (*Program, error) {
	return compile(src, 0)
}

// compile compiles src, which starts at byte base of the caller's text;
// errors report offsets in the caller's text.
//
// It goes through the same steps as expr-lang's Compile (parse, patch and
// check, optimize, generate code), with one more after parsing: collecting
// the names the expression reads, which needs the tree as written.
func compile(src string, base int) (*Program, error) {
	config := newConfig()
	tree, err := parser.ParseWithConfig(src, config)
	if err != nil {
		return nil, wrapError(err, src, base)
	}
	names, nowCall := collectNames(&tree.Node, config.Builtins)
	if nowCall != nil {
		return nil, &Error{
			Offset: base + byteOffset(src, nowCall.Location().From),
			Msg:    "now() is not available: use the variable now",
		}
	}
	if _, err := new(checker.Checker).PatchAndCheck(tree, config); err != nil {
		return nil, wrapError(err, src, base)
	}
	if config.Optimize {
		if err := optimizer.Optimize(&tree.Node, config); err != nil {
			return nil, wrapError(err, src, base)
		}
	}
	prog, err := compiler.Compile(tree, config)
	if err != nil {
		return nil, wrapError(err, src, base)
	}
	return &Program{src: src, base: base, prog: prog, names: names}, nil
}

// newConfig returns a fresh expr-lang configuration with the options
// applied, as expr-lang's Compile prepares it. A configuration caches types
// while checking, so every compilation gets its own.
func newConfig() *conf.Config {
	c := conf.CreateNew()
	for _, op := range options {
		op(c)
	}
	for name := range c.Disabled {
		delete(c.Builtins, name)
	}
	c.Check()
	return c
}

// Source returns the expression text the program was compiled from.
func (p *Program) Source() string {
	return p.src
}

// Eval runs the program against env and returns its value. Run errors are
// *Error values.
func (p *Program) Eval(env map[string]any) (any, error) {
	m := vms.Get().(*vm.VM)
	out, err := m.Run(p.prog, env)
	vms.Put(m)
	if err != nil {
		return nil, wrapError(err, p.src, p.base)
	}
	return out, nil
}

// Bool evaluates the program and converts the value to a truth value: nil,
// false, numbers equal to zero, the empty string, empty slices, arrays and
// maps, and nil pointers are false; everything else is true.
func (p *Program) Bool(env map[string]any) (bool, error) {
	v, err := p.Eval(env)
	if err != nil {
		return false, err
	}
	return truthy(v), nil
}

// Names returns the distinct top-level names the expression reads from the
// env, sorted. Names bound inside the expression (with let, or the closure
// pointers # and #index) and builtin functions are left out. For
// `user.name ?? size` it returns [size user].
func (p *Program) Names() []string {
	return append([]string{}, p.names...)
}
