package expr

import (
	"slices"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/conf"
)

// envName is expr-lang's name for the whole environment, as in $env.size.
const envName = "$env"

// nameCollector gathers the top-level names an expression reads from its
// environment and remembers a call of the disabled builtin now().
//
// It also rewrites a variable that has the name of a builtin function (count,
// max, type, ...) into a read of $env, since expr-lang would otherwise take
// the bare name for the function: `count + 1` becomes `$env.count + 1`.
// Builtins that are called are parsed as builtin nodes, not identifiers, so
// they are left alone.
type nameCollector struct {
	builtins conf.FunctionsTable
	names    map[string]struct{}
	// nowCall is the node of the first `now()` call, if any.
	nowCall ast.Node
}

// collectNames returns the sorted distinct names that the tree at root reads
// from the environment, and the node of a `now()` call if the expression
// makes one. Variables named like a builtin are rewritten in place.
func collectNames(root *ast.Node, builtins conf.FunctionsTable) ([]string, ast.Node) {
	c := &nameCollector{builtins: builtins, names: map[string]struct{}{}}
	c.walk(root, nil)
	names := make([]string, 0, len(c.names))
	for name := range c.names {
		names = append(names, name)
	}
	slices.Sort(names)
	return names, c.nowCall
}

// walk visits the node at p; bound holds the names declared with `let`
// around it, which shadow the environment. Closure arguments are pointers
// (#, #index, #acc), not identifiers, so they never reach the environment.
func (c *nameCollector) walk(p *ast.Node, bound []string) {
	switch n := (*p).(type) {
	case nil:
	case *ast.IdentifierNode:
		if n.Value == envName || slices.Contains(bound, n.Value) {
			return
		}
		c.names[n.Value] = struct{}{}
		if _, ok := c.builtins[n.Value]; ok {
			ast.Patch(p, &ast.MemberNode{
				Node:     &ast.IdentifierNode{Value: envName},
				Property: &ast.StringNode{Value: n.Value},
			})
		}
	case *ast.UnaryNode:
		c.walk(&n.Node, bound)
	case *ast.BinaryNode:
		c.walk(&n.Left, bound)
		c.walk(&n.Right, bound)
	case *ast.ChainNode:
		c.walk(&n.Node, bound)
	case *ast.MemberNode:
		if id, ok := n.Node.(*ast.IdentifierNode); ok && id.Value == envName {
			if key, ok := n.Property.(*ast.StringNode); ok {
				c.names[key.Value] = struct{}{}
				return
			}
		}
		c.walk(&n.Node, bound)
		c.walk(&n.Property, bound)
	case *ast.SliceNode:
		c.walk(&n.Node, bound)
		c.walk(&n.From, bound)
		c.walk(&n.To, bound)
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && id.Value == "now" &&
			!slices.Contains(bound, "now") && c.nowCall == nil {
			c.nowCall = n
		}
		c.walk(&n.Callee, bound)
		for i := range n.Arguments {
			c.walk(&n.Arguments[i], bound)
		}
	case *ast.BuiltinNode:
		for i := range n.Arguments {
			c.walk(&n.Arguments[i], bound)
		}
	case *ast.PredicateNode:
		c.walk(&n.Node, bound)
	case *ast.VariableDeclaratorNode:
		c.walk(&n.Value, bound)
		c.walk(&n.Expr, append(slices.Clip(bound), n.Name))
	case *ast.SequenceNode:
		for i := range n.Nodes {
			c.walk(&n.Nodes[i], bound)
		}
	case *ast.ConditionalNode:
		c.walk(&n.Cond, bound)
		c.walk(&n.Exp1, bound)
		c.walk(&n.Exp2, bound)
	case *ast.ArrayNode:
		for i := range n.Nodes {
			c.walk(&n.Nodes[i], bound)
		}
	case *ast.MapNode:
		for i := range n.Pairs {
			c.walk(&n.Pairs[i], bound)
		}
	case *ast.PairNode:
		c.walk(&n.Key, bound)
		c.walk(&n.Value, bound)
	}
}
