package config

import (
	"strings"

	"cuelang.org/go/cue"
)

// suggestFields adds "did you mean" to "field not allowed" diagnostics, from
// the fields the schema allows at that place.
func suggestFields(ds Diagnostics, schemaV cue.Value) {
	for i, d := range ds {
		if d.Message != "field not allowed" || d.Path == "" {
			continue
		}
		parts := strings.Split(d.Path, ".")
		var parent []string
		switch {
		case parts[0] == "pipelines" && len(parts) >= 3:
			parent = append([]string{"#Pipeline"}, parts[2:len(parts)-1]...)
		case parts[0] == "settings" && len(parts) >= 2:
			parent = append([]string{"#Settings"}, parts[1:len(parts)-1]...)
		default:
			continue
		}
		sels := []cue.Selector{cue.Def(parent[0])}
		for _, p := range parent[1:] {
			sels = append(sels, cue.Str(p).Optional())
		}
		v := schemaV.LookupPath(cue.MakePath(sels...))
		if !v.Exists() {
			continue
		}
		typo := parts[len(parts)-1]
		best, bestDist := "", 3
		var names []string
		iter, err := v.Fields(cue.Optional(true))
		if err != nil {
			continue
		}
		for iter.Next() {
			name := iter.Selector().Unquoted()
			names = append(names, name)
			if dist := editDistance(typo, name); dist < bestDist {
				best, bestDist = name, dist
			}
		}
		if best != "" {
			ds[i].Message = "field not allowed; did you mean " + best + "?"
		} else if len(names) > 0 {
			ds[i].Message = "field not allowed; allowed here: " + strings.Join(names, ", ")
		}
	}
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
