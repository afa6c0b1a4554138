package record

import (
	"fmt"
	"strings"
)

// Resources is what a step that ran used, over all its attempts.
type Resources struct {
	// WallSeconds is the wall time of the step's attempts.
	WallSeconds float64 `json:"wallSeconds"`
	// CPUSeconds is user plus system CPU time of the step's processes
	// (those its main process waited for), nil when the executor cannot
	// measure it; CPUUnmeasured then says why.
	CPUSeconds    *float64 `json:"cpuSeconds,omitempty"`
	CPUUnmeasured string   `json:"cpuUnmeasured,omitempty"`
	// GPUs is how many GPUs the step requested; GPUKinds the devices it
	// was given ("NVIDIA A100-SXM4-80GB"), when the executor saw them.
	GPUs     int      `json:"gpus,omitempty"`
	GPUKinds []string `json:"gpuKinds,omitempty"`
}

// GPUHours is the step's GPU time: its wall time for each requested GPU.
func (r *Resources) GPUHours() float64 { return r.WallSeconds * float64(r.GPUs) / 3600 }

// CPUHours is the step's measured CPU time in hours (0 when unmeasured).
func (r *Resources) CPUHours() float64 {
	if r.CPUSeconds == nil {
		return 0
	}
	return *r.CPUSeconds / 3600
}

// StepCost is what a step cost at the executor's price.
type StepCost struct {
	Currency string `json:"currency,omitempty"`
	// Amount is nil when the step is unpriced; Unpriced then says why.
	Amount   *float64 `json:"amount,omitempty"`
	Unpriced string   `json:"unpriced,omitempty"`
}

// Cost is what a run cost: the sum over the steps it ran that are priced.
type Cost struct {
	Currency string `json:"currency,omitempty"`
	// Amount is the sum of the priced steps' costs.
	Amount float64 `json:"amount"`
	// Unpriced lists the steps that ran without a price, "step: why";
	// with any, Amount is only part of what the run cost.
	Unpriced []string `json:"unpriced,omitempty"`
	CPUHours float64  `json:"cpuHours"`
	GPUHours float64  `json:"gpuHours"`
}

// Complete reports whether every step the run ran is priced.
func (c *Cost) Complete() bool { return c != nil && len(c.Unpriced) == 0 }

// Budget is a pipeline's budget as this run found it.
type Budget struct {
	Currency string  `json:"currency"`
	Max      float64 `json:"max"`
	Window   string  `json:"window"`
	// SpentBefore is what the pipeline's earlier runs within the window
	// cost; Spent adds this run's cost.
	SpentBefore float64 `json:"spentBefore"`
	Spent       float64 `json:"spent"`
	// Remaining is Max − Spent (negative when over).
	Remaining float64 `json:"remaining"`
	// Runs counts the runs within the window, this one included.
	Runs int `json:"runs"`
}

// Money writes an amount in a currency: "$9.60", "€0.12", "12.00 CHF".
// Amounts under a cent keep two significant digits rather than read as
// zero ("$0.0000069").
func Money(amount float64, currency string) string {
	if amount < 0 {
		return "-" + Money(-amount, currency)
	}
	num := fmt.Sprintf("%.2f", amount)
	if amount != 0 && amount > -0.01 && amount < 0.01 {
		num = strings.TrimRight(fmt.Sprintf("%.*f", smallDecimals(amount), amount), "0")
	}
	switch currency {
	case "USD":
		return "$" + num
	case "EUR":
		return "€" + num
	case "GBP":
		return "£" + num
	}
	return num + " " + currency
}

// smallDecimals is how many decimals show two significant digits of an
// amount under a cent.
func smallDecimals(v float64) int {
	if v < 0 {
		v = -v
	}
	d := 3
	for x := v * 1000; x < 10 && d < 12; x *= 10 {
		d++
	}
	return d
}

// Hours writes a number of hours briefly: "3.2", "0.0012".
func Hours(h float64) string {
	switch {
	case h == 0:
		return "0"
	case h >= 0.1:
		return fmt.Sprintf("%.1f", h)
	}
	return strings.TrimRight(fmt.Sprintf("%.*f", smallDecimals(h/10)-1, h), "0")
}

// ModelSpend is what a model's runs spent over a window, as `ctgit status`
// lists it: the window of its budget, else 30 days.
type ModelSpend struct {
	Pipeline string  `json:"pipeline"`
	Model    string  `json:"model"`
	Window   string  `json:"window"`
	Currency string  `json:"currency"`
	Amount   float64 `json:"amount"`
	// Runs counts the runs within the window.
	Runs int `json:"runs"`
	// Unknown lists the runs within the window whose cost is not known
	// whole: Amount is then a lower bound.
	Unknown []string `json:"unknown,omitempty"`
	// Budget is the pipeline's budget.max, when it has one.
	Budget *float64 `json:"budget,omitempty"`
	// Error says why the run records could not be read; nothing else is
	// then known.
	Error string `json:"error,omitempty"`
}
