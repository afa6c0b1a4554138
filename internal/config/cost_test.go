package config

import (
	"errors"
	"strings"
	"testing"
)

// TestCostErrors: a bad price or budget is an error at the line of the
// field that makes it, before anything runs.
func TestCostErrors(t *testing.T) {
	const train = `	train: {image: "i", command: ["x"]}
`
	const prices = "settings: prices: local: {currency: \"USD\", cpuHour: 0.05}\n"
	for _, tc := range []struct {
		name, body, settings, want string
	}{
		{"negative cpu price", train, `settings: prices: local: {currency: "USD",
	cpuHour: -1} // here
`, "price -1 is negative"},
		{"negative gpu price by kind", train, `settings: prices: local: {currency: "USD", gpuHour: {
	A100: -3} // here
}
`, "price -3 is negative"},
		{"currency mix", train, `settings: prices: {
	local: {currency: "USD", cpuHour: 0.05} // here
	dagger: {currency: "EUR", gpuHour: 2}
}
`, "currency USD differs from EUR in settings.prices.dagger"},
		{"unknown executor", train, `settings: prices: {
	kubernetes: {currency: "USD", cpuHour: 0.05} // here
}
`, `unknown executor "kubernetes": prices are per executor, one of dagger, local`},
		{"negative runner price", train, `settings: prices: local: {currency: "USD", cpuHour: 0.05, runners: big: {
	hour: -2} // here
}
`, "price -2 is negative"},
		{"empty runner price", train, `settings: prices: local: {currency: "USD", cpuHour: 0.05, runners: {
	big: {} // here
}}
`, "the price sets none of hour, cpuHour and gpuHour"},
		{"runner with a currency", train, `settings: prices: local: {currency: "USD", cpuHour: 0.05, runners: big: {
	currency: "EUR", hour: 2} // here
}
`, "field not allowed"},
		{"dagger runner cpu", train, `settings: prices: dagger: {currency: "USD", hour: 1, runners: gpu: {
	cpuHour: 1} // here
}
`, "the dagger executor does not measure a step's CPU time"},
		{"dagger cpu", train, `settings: prices: dagger: {currency: "USD",
	cpuHour: 1} // here
`, "the dagger executor does not measure a step's CPU time"},
		{"negative budget", train + `	budget: {window: "30d",
		max: -5} // here
`, prices, "budget -5 is negative"},
		{"unknown window", train + `	budget: {max: 5,
		window: "1mo"} // here
`, prices, `duration "1mo": use units ns, us, ms, s, m, h or d`},
		{"budget without prices", train + `	budget: {max: 5, window: "30d"} // here
`, "", "settings.prices prices no executor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := graphRepo(t, tc.body)
			file, text := "pipelines/p.cue", graphHead+tc.body
			if tc.settings != "" {
				gittestWrite(t, root, "pipelines/settings.cue", "package pipelines\n\n"+tc.settings)
				if strings.Contains(tc.settings, "// here") {
					file, text = "pipelines/settings.cue", "package pipelines\n\n"+tc.settings
				}
			}
			_, err := Load(root, "pipelines")
			var ds Diagnostics
			if !errors.As(err, &ds) {
				t.Fatalf("Load: %v, want diagnostics", err)
			}
			line := 0
			for i, l := range strings.Split(text, "\n") {
				if strings.HasSuffix(l, "// here") {
					line = i + 1
				}
			}
			for _, d := range ds {
				if strings.Contains(d.Message, tc.want) {
					if d.File != file || d.Line != line {
						t.Errorf("%q at %s, want %s:%d", d.Message, d.Position(), file, line)
					}
					return
				}
			}
			t.Errorf("diagnostics %v\nwant one containing %q", ds, tc.want)
		})
	}
}

// TestSettingsSchemaErrorAlone: settings that fail the schema are reported
// alone, not with errors their undecoded zero value would make up
// (settings.cache: path is empty; a budget without prices).
func TestSettingsSchemaErrorAlone(t *testing.T) {
	root := graphRepo(t, `	train: {image: "i", command: ["x"]}
	budget: {max: 5, window: "30d"}
`)
	gittestWrite(t, root, "pipelines/settings.cue", "package pipelines\n\nsettings: prices: local: {currency: \"USD\", cpuHour: 0.05, bogus: 1}\n")
	_, err := Load(root, "pipelines")
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("Load: %v, want diagnostics", err)
	}
	if len(ds) != 1 || ds[0].Path != "settings.prices.local.bogus" {
		t.Fatalf("diagnostics %v, want only settings.prices.local.bogus", ds)
	}
}

// TestCostLoads: prices and a budget decode, the budget's window is
// decoded once, and it carries the repository's currency.
func TestCostLoads(t *testing.T) {
	root := graphRepo(t, `	train: {image: "i", command: ["x"]}
	budget: {max: 10, window: "30d", forceTrainOverrides: true}
`)
	gittestWrite(t, root, "pipelines/settings.cue", `package pipelines

settings: prices: {
	local: {currency: "EUR", cpuHour: 0.05}
	dagger: {currency: "EUR", gpuHour: {A100: 3, "*": 2}}
}
`)
	cfg, err := Load(root, "pipelines")
	if err != nil {
		t.Fatal(err)
	}
	b := cfg.Pipelines[0].Budget
	if b == nil || b.Max != 10 || b.WindowDuration.Hours() != 720 || !b.ForceTrainOverrides || b.Currency != "EUR" {
		t.Fatalf("budget %+v", b)
	}
	g := cfg.Settings.Prices["dagger"].GPUHour
	for dev, want := range map[string]float64{"NVIDIA A100-SXM4-80GB": 3, "NVIDIA H100": 2} {
		if got, _, ok := g.For(dev); !ok || got != want {
			t.Errorf("price of %s: %g %v, want %g", dev, got, ok, want)
		}
	}
	if p := *cfg.Settings.Prices["local"].CPUHour; p != 0.05 {
		t.Errorf("local cpuHour %g", p)
	}
}
