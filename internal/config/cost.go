package config

import (
	"encoding/json"
	"strings"
	"time"
)

// Price is what an hour of a step costs on one executor (settings.prices).
type Price struct {
	Currency string   `json:"currency"`
	Hour     *float64 `json:"hour,omitempty"`
	CPUHour  *float64 `json:"cpuHour,omitempty"`
	GPUHour  GPUPrice `json:"gpuHour,omitzero"`
}

// GPUPrice is the price of a GPU-hour: one for any GPU (Any), or by kind.
type GPUPrice struct {
	// Any is the price of every GPU when gpuHour is a number.
	Any *float64
	// ByKind maps a kind ("A100", or "*" for any other) to its price when
	// gpuHour is a struct.
	ByKind map[string]float64
}

// IsZero reports whether no GPU price is declared.
func (g GPUPrice) IsZero() bool { return g.Any == nil && g.ByKind == nil }

// UnmarshalJSON reads a number or an object of numbers by kind.
func (g *GPUPrice) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		return json.Unmarshal(b, &g.ByKind)
	}
	g.Any = new(float64)
	return json.Unmarshal(b, g.Any)
}

// MarshalJSON writes the price in the shape it was written.
func (g GPUPrice) MarshalJSON() ([]byte, error) {
	if g.ByKind != nil {
		return json.Marshal(g.ByKind)
	}
	return json.Marshal(g.Any)
}

// For returns the price of an hour of a GPU named device ("NVIDIA A100-SXM4-80GB"):
// the kind contained in its name (the longest, when several are), else
// "*", else the one price for any GPU. ok is false when none applies.
func (g GPUPrice) For(device string) (price float64, kind string, ok bool) {
	if g.Any != nil {
		return *g.Any, "", true
	}
	best := ""
	for k := range g.ByKind {
		if k != "*" && strings.Contains(strings.ToLower(device), strings.ToLower(k)) && len(k) > len(best) {
			best = k
		}
	}
	if best != "" {
		return g.ByKind[best], best, true
	}
	if v, ok := g.ByKind["*"]; ok {
		return v, "*", true
	}
	return 0, "", false
}

// Budget bounds what a pipeline's runs spend within a window (budget:).
type Budget struct {
	Max                 float64 `json:"max"`
	Window              string  `json:"window"`
	ForceTrainOverrides bool    `json:"forceTrainOverrides,omitempty"`
	// WindowDuration is Window, decoded by Load.
	WindowDuration time.Duration `json:"-"`
	// Currency is the repository's currency (that of settings.prices),
	// set by Load.
	Currency string `json:"currency,omitempty"`
	Pos      Pos    `json:"pos,omitzero"`
}

// Currency is the one currency of the repository's prices, "" without
// prices.
func (s *Settings) Currency() string {
	for _, p := range s.Prices {
		return p.Currency
	}
	return ""
}
