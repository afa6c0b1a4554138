package config

import (
	"slices"
	"sort"
	"strings"
)

// Executors are the executor names settings.prices may price.
var Executors = []string{"dagger", "local"}

// checkPrices checks settings.prices: each names a known executor, no price
// is negative, every price is in one currency (amounts in two currencies
// cannot be added up against one budget), and nothing is priced that the
// executor cannot measure.
func checkPrices(cfg *Config) Diagnostics {
	var ds Diagnostics
	prices := cfg.Settings.Prices
	names := make([]string, 0, len(prices))
	for n := range prices {
		names = append(names, n)
	}
	sort.Strings(names)
	first := ""
	for _, n := range names {
		p := prices[n]
		at := func(f ...string) Pos { return cfg.FieldPos(append([]string{"prices", n}, f...)...) }
		field := "settings.prices." + n
		if !slices.Contains(Executors, n) {
			ds = append(ds, diagAt(at(), field, "unknown executor %q: prices are per executor, one of %s", n, strings.Join(Executors, ", ")))
		}
		switch {
		case first == "":
			first = n
		case p.Currency != prices[first].Currency:
			ds = append(ds, diagAt(at("currency"), field+".currency",
				"currency %s differs from %s in settings.prices.%s: a repository's prices are in one currency, so that spend adds up against a budget", p.Currency, prices[first].Currency, first))
		}
		ds = append(ds, checkPrice(n, p, field, at)...)
		labels := make([]string, 0, len(p.Runners))
		for l := range p.Runners {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		for _, l := range labels {
			rat := func(f ...string) Pos { return at(append([]string{"runners", l}, f...)...) }
			ds = append(ds, checkPrice(n, p.Runners[l], field+".runners."+l, rat)...)
		}
	}
	return ds
}

// checkPrice checks one price of executor (an executor's or one of its
// runners'), at field.
func checkPrice(executor string, p *Price, field string, at func(f ...string) Pos) Diagnostics {
	var ds Diagnostics
	if c := p.CPUHour; c != nil {
		if *c < 0 {
			ds = append(ds, diagAt(at("cpuHour"), field+".cpuHour", "price %g is negative", *c))
		}
		if executor == "dagger" {
			ds = append(ds, diagAt(at("cpuHour"), field+".cpuHour",
				"the dagger executor does not measure a step's CPU time, so a CPU-hour price could never apply: price an hour of a step's wall time (hour) and its GPUs (gpuHour)"))
		}
	}
	if h := p.Hour; h != nil && *h < 0 {
		ds = append(ds, diagAt(at("hour"), field+".hour", "price %g is negative", *h))
	}
	if g := p.GPUHour.Any; g != nil && *g < 0 {
		ds = append(ds, diagAt(at("gpuHour"), field+".gpuHour", "price %g is negative", *g))
	}
	kinds := make([]string, 0, len(p.GPUHour.ByKind))
	for k := range p.GPUHour.ByKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		if v := p.GPUHour.ByKind[k]; v < 0 {
			ds = append(ds, diagAt(at("gpuHour", k), field+".gpuHour."+k, "price %g is negative", v))
		}
		if strings.TrimSpace(k) == "" {
			ds = append(ds, diagAt(at("gpuHour", k), field+".gpuHour", "a GPU kind is empty: name a kind (\"A100\") or \"*\" for any other GPU"))
		}
	}
	if p.Hour == nil && p.CPUHour == nil && p.GPUHour.IsZero() {
		ds = append(ds, diagAt(at(), field, "the price sets none of hour, cpuHour and gpuHour"))
	}
	return ds
}

// checkBudget checks a pipeline's budget and decodes its window: a budget
// is an amount of the repository's currency, so it needs prices.
func checkBudget(cfg *Config, p *Pipeline) Diagnostics {
	b := p.Budget
	if b == nil {
		return nil
	}
	var ds Diagnostics
	field := "pipelines." + p.Name + ".budget"
	b.Pos = p.FieldPos("budget")
	b.Currency = cfg.Settings.Currency()
	if b.Max < 0 {
		ds = append(ds, diagAt(p.FieldPos("budget", "max"), field+".max", "budget %g is negative", b.Max))
	}
	if d, err := ParseDuration(b.Window); err != nil {
		ds = append(ds, diagAt(p.FieldPos("budget", "window"), field+".window", "%v", err))
	} else {
		b.WindowDuration = d
	}
	if len(cfg.Settings.Prices) == 0 {
		ds = append(ds, diagAt(b.Pos, field, "a budget counts what runs cost, but settings.prices prices no executor: declare e.g. settings: prices: local: {currency: %q, cpuHour: 0.05}", "USD"))
	}
	return ds
}

// checkCost checks the prices and every pipeline's budget.
func checkCost(cfg *Config) Diagnostics {
	ds := checkPrices(cfg)
	for _, p := range cfg.Pipelines {
		ds = append(ds, checkBudget(cfg, p)...)
	}
	return ds
}
