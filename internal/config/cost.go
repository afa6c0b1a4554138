package config

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Price is what an hour of a step costs on one executor (settings.prices).
type Price struct {
	Currency string   `json:"currency"`
	Hour     *float64 `json:"hour,omitempty"`
	CPUHour  *float64 `json:"cpuHour,omitempty"`
	GPUHour  GPUPrice `json:"gpuHour,omitzero"`
	// Runners price this executor on runners by label (--runner); a
	// runner's Currency is empty: it is the executor's.
	Runners map[string]*Price `json:"runners,omitempty"`
}

// RunnerEnv names the runner ctgit run prices steps on when --runner is
// not given (settings.prices.EXECUTOR.runners).
const RunnerEnv = "CTGIT_RUNNER"

// runnerLabel is #RunnerLabel of the schema.
var runnerLabel = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// CheckRunnerLabel says what is wrong with a runner label given to ctgit
// run, nil when it is one settings.prices.EXECUTOR.runners could name.
func CheckRunnerLabel(label string) error {
	if !runnerLabel.MatchString(label) {
		return fmt.Errorf("runner label %q: want letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100", label)
	}
	return nil
}

// Lookup returns the price of an hour on executor at prices, on the runner
// labelled runner ("" for none): the runner's own price when
// settings.prices.EXECUTOR.runners has one, with the executor's currency,
// else the executor's. field names it for messages
// ("settings.prices.local.runners.gpu-a100"); p is nil when the executor
// has no price.
func Lookup(prices map[string]*Price, executor, runner string) (p *Price, field string) {
	base := prices[executor]
	if base == nil {
		return nil, "settings.prices." + executor
	}
	if r := base.Runners[runner]; runner != "" && r != nil {
		own := *r
		own.Currency = base.Currency
		return &own, "settings.prices." + executor + ".runners." + runner
	}
	return base, "settings.prices." + executor
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
