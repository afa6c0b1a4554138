// Package dag is a directed acyclic graph of named nodes: built once and
// checked (no duplicate node, no unknown dependency, no cycle), then asked
// what can run next. Configuration checks it for cycles, plans and
// schedulers walk it.
package dag

import (
	"fmt"
	"sort"
	"strings"
)

// Graph is a directed acyclic graph of step IDs. Building it rejects
// duplicate nodes, unknown dependencies and cycles, so a Graph that exists is
// valid; what can run next is then a pure function of what is done.
type Graph struct {
	order []string            // nodes in insertion order
	needs map[string][]string // node → its dependencies
}

// New builds a graph from nodes and their dependencies, given in an
// order that is kept for ties.
func New(nodes []string, needs map[string][]string) (*Graph, error) {
	g := &Graph{needs: map[string][]string{}}
	for _, n := range nodes {
		if _, dup := g.needs[n]; dup {
			return nil, fmt.Errorf("step %q is declared twice", n)
		}
		g.needs[n] = nil
		g.order = append(g.order, n)
	}
	for _, n := range nodes {
		deps := append([]string(nil), needs[n]...)
		sort.Strings(deps)
		var unknown []string
		for _, d := range deps {
			if _, ok := g.needs[d]; !ok {
				unknown = append(unknown, fmt.Sprintf("%q", d))
			}
		}
		if len(unknown) > 0 {
			return nil, fmt.Errorf("step %q needs unknown step %s", n, strings.Join(unknown, ", "))
		}
		g.needs[n] = deps
	}
	for n := range needs {
		if _, ok := g.needs[n]; !ok {
			return nil, fmt.Errorf("dependencies given for unknown step %q", n)
		}
	}
	if cycle := g.findCycle(); cycle != nil {
		return nil, &CycleError{Cycle: cycle}
	}
	return g, nil
}

// CycleError is the error of New for nodes that form a cycle.
type CycleError struct {
	// Cycle is the path around it, starting and ending at the same node.
	Cycle []string
}

func (e *CycleError) Error() string {
	quoted := make([]string, len(e.Cycle))
	for i, c := range e.Cycle {
		quoted[i] = fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("steps form a cycle: %s", strings.Join(quoted, " → "))
}

// findCycle returns one cycle as a path that starts and ends at the same
// node, starting from the smallest name so the message is stable.
func (g *Graph) findCycle() []string {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var found []string
	var visit func(n string) bool
	visit = func(n string) bool {
		color[n] = grey
		stack = append(stack, n)
		for _, d := range g.needs[n] {
			switch color[d] {
			case grey:
				i := len(stack) - 1
				for stack[i] != d {
					i--
				}
				found = append(append([]string(nil), stack[i:]...), d)
				return true
			case white:
				if visit(d) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		return false
	}
	names := append([]string(nil), g.order...)
	sort.Strings(names)
	for _, n := range names {
		if color[n] == white && visit(n) {
			return found
		}
	}
	return nil
}

// Nodes returns the nodes in the order they were given.
func (g *Graph) Nodes() []string { return append([]string(nil), g.order...) }

// Needs returns the dependencies of n.
func (g *Graph) Needs(n string) []string { return append([]string(nil), g.needs[n]...) }

// Ready returns the nodes that are not done and whose dependencies all are,
// in the graph's order.
func (g *Graph) Ready(done map[string]bool) []string {
	var out []string
	for _, n := range g.order {
		if done[n] {
			continue
		}
		ok := true
		for _, d := range g.needs[n] {
			if !done[d] {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, n)
		}
	}
	return out
}

// Downstream returns every node that depends, directly or not, on n.
func (g *Graph) Downstream(n string) []string {
	seen := map[string]bool{}
	var out []string
	changed := true
	for changed {
		changed = false
		for _, m := range g.order {
			if seen[m] {
				continue
			}
			for _, d := range g.needs[m] {
				if d == n || seen[d] {
					seen[m] = true
					out = append(out, m)
					changed = true
					break
				}
			}
		}
	}
	return out
}
