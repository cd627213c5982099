package expr

import "github.com/expr-lang/expr/ast"

// nilSafe is an expr-lang patcher that makes every member and index access
// behave as if it had been written with `?.`: when the value on the left is
// nil the whole access chain yields nil instead of failing with
// "cannot fetch name from <nil>".
//
// It rebuilds the tree in the shape expr-lang's parser gives an optional
// chain: the members are marked Optional and a single ChainNode wraps the
// outermost access (or the call, for a method call), which is where
// evaluation resumes once a nil is met.
type nilSafe struct{}

// Visit marks member accesses optional and wraps them in a chain; ast.Walk
// visits children first, so a chain built for an inner access is unwrapped
// again when an outer access extends it.
func (nilSafe) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.MemberNode:
		n.Optional = true
		if chain, ok := n.Node.(*ast.ChainNode); ok {
			n.Node = chain.Node
		}
		if n.Method {
			// The enclosing CallNode gets the chain.
			return
		}
		ast.Patch(node, &ast.ChainNode{Node: n})
	case *ast.CallNode:
		if m, ok := n.Callee.(*ast.MemberNode); ok && m.Method {
			ast.Patch(node, &ast.ChainNode{Node: n})
		}
	}
}
