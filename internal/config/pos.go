package config

import "github.com/ctgit/ctgit/internal/pos"

// Pos is where something is declared: file:line:col (see internal/pos,
// where the run records and reports find the same type).
type Pos = pos.Pos
