package telemetry

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// monitoringDir is the example a user copies: a Grafana dashboard and
// Prometheus alert rules over the metrics this package exports.
const monitoringDir = "../../examples/monitoring"

// promql keywords and the words before a parenthesised label list.
var (
	promqlKeywords = []string{"and", "or", "unless", "bool", "offset", "inf", "nan", "start", "end",
		"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
		"quantile", "limitk", "limit_ratio"}
	labelListWords = []string{"by", "without", "on", "ignoring", "group_left", "group_right"}
)

// metricNames returns the metric names a PromQL expression selects. It
// drops strings, label matchers, ranges and label lists, then takes every
// identifier that is not a function call, keyword or Grafana variable.
func metricNames(expr string) []string {
	strip := func(s string, open, close byte) string {
		var b strings.Builder
		depth := 0
		for i := 0; i < len(s); i++ {
			switch {
			case s[i] == open:
				depth++
			case s[i] == close && depth > 0:
				depth--
			case depth == 0:
				b.WriteByte(s[i])
			}
		}
		return b.String()
	}
	expr = regexp.MustCompile(`"(\\.|[^"\\])*"|'(\\.|[^'\\])*'|`+"`[^`]*`").ReplaceAllString(expr, `""`)
	expr = strip(expr, '{', '}')
	expr = strip(expr, '[', ']')
	// Numbers and durations (5m, 1e3, 0x1f) are matched so that their
	// letters are not taken for names.
	ident := regexp.MustCompile(`[0-9][0-9a-zA-Z_.]*|\$?[a-zA-Z_:][a-zA-Z0-9_:]*`)
	var names []string
	for {
		loc := ident.FindStringIndex(expr)
		if loc == nil {
			break
		}
		word, rest := expr[loc[0]:loc[1]], strings.TrimLeft(expr[loc[1]:], " \t\n")
		expr = expr[loc[1]:]
		switch {
		case strings.HasPrefix(word, "$"), word[0] >= '0' && word[0] <= '9':
		case slices.Contains(labelListWords, strings.ToLower(word)):
			if strings.HasPrefix(rest, "(") {
				expr = rest[strings.IndexByte(rest, ')')+1:]
			}
		case slices.Contains(promqlKeywords, strings.ToLower(word)):
		case strings.HasPrefix(rest, "("):
		default:
			names = append(names, word)
		}
	}
	return names
}

func TestMetricNamesParser(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`time() - max by (pipeline, model) (ctgit_a{pipeline=~"$pipeline"})`, []string{"ctgit_a"}},
		{`sum(changes(ctgit_b{x="by (y)"}[$__range])) by (pipeline) / on(pipeline) group_left(model) ctgit_c`, []string{"ctgit_b", "ctgit_c"}},
		{"ctgit_d > ctgit_e or (ctgit_d unless ctgit_e) and bool 1 offset 5m", []string{"ctgit_d", "ctgit_e", "ctgit_d", "ctgit_e"}},
		{`up == 1`, []string{"up"}},
	} {
		if got := metricNames(tc.expr); !slices.Equal(got, tc.want) {
			t.Errorf("metricNames(%q) = %q, want %q", tc.expr, got, tc.want)
		}
	}
}

func exportedNames() map[string]bool {
	names := map[string]bool{}
	for _, m := range Metrics() {
		names[m.Name] = true
	}
	return names
}

// checkExprs fails for any metric an expression names that this package
// does not export, and returns the names used.
func checkExprs(t *testing.T, where string, exprs map[string]string) map[string]bool {
	t.Helper()
	exported := exportedNames()
	used := map[string]bool{}
	for at, e := range exprs {
		names := metricNames(e)
		if len(names) == 0 {
			t.Errorf("%s %s: %q names no metric", where, at, e)
		}
		for _, n := range names {
			used[n] = true
			if !exported[n] {
				t.Errorf("%s %s: metric %q is not exported by internal/telemetry (expr %q)", where, at, n, e)
			}
		}
	}
	return used
}

type rulesFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert  string `yaml:"alert"`
			Record string `yaml:"record"`
			Expr   string `yaml:"expr"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func TestAlertRules(t *testing.T) {
	path := filepath.Join(monitoringDir, "alerts.yml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rf rulesFile
	if err := yaml.Unmarshal(b, &rf); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	exprs := map[string]string{}
	var alerts []string
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			exprs[r.Alert+r.Record] = r.Expr
			alerts = append(alerts, r.Alert)
		}
	}
	checkExprs(t, path, exprs)
	for _, want := range []string{"CtgitModelStale", "CtgitRepeatedTrainingFailures", "CtgitDriftWithoutRetrain", "CtgitGateFailed",
		"CtgitRollbackOpened", "CtgitSLINoData"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("%s: no alert %s", path, want)
		}
	}
	promtool := lookPromtool(t)
	runPromtool(t, promtool, "check", "rules", path)
	runPromtool(t, promtool, "test", "rules", filepath.Join(monitoringDir, "alerts_test.yml"))
}

func lookPromtool(t *testing.T) string {
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Skipf("promtool is not installed (apt-get install prometheus): %v", err)
	}
	return p
}

func runPromtool(t *testing.T, promtool string, args ...string) {
	t.Helper()
	out, err := exec.Command(promtool, args...).CombinedOutput()
	if err != nil {
		t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

type dashboard struct {
	Title  string  `json:"title"`
	Panels []panel `json:"panels"`
}

type panel struct {
	Title   string `json:"title"`
	Type    string `json:"type"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

// TestDashboard checks the dashboard parses, each panel queries metrics
// this package exports, it covers the SLIs, and (with promtool) that every
// query is valid PromQL once Grafana's variables are filled in.
func TestDashboard(t *testing.T) {
	path := filepath.Join(monitoringDir, "dashboard.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	exprs := map[string]string{}
	var titles []string
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			titles = append(titles, p.Title)
			if len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no queries", path, p.Title)
			}
			for i, tg := range p.Targets {
				exprs[fmt.Sprintf("panel %q query %d", p.Title, i)] = tg.Expr
			}
		}
	}
	walk(d.Panels)
	used := checkExprs(t, path, exprs)
	for _, want := range []string{"Model freshness", "Drift p-values per column", "Drift distances per column", "Retrain success rate", "Gate failures", "Time to retrain",
		"SLO status", "SLI values", "Canary delta", "Rollbacks in 7 days"} {
		if !slices.Contains(titles, want) {
			t.Errorf("%s: no panel %q", path, want)
		}
	}
	for _, sli := range []string{"ctgit_model_promoted_timestamp_seconds", "ctgit_drift_p_value", "ctgit_drift_distance", "ctgit_gate_failed",
		"ctgit_run_last_success_timestamp_seconds", "ctgit_trigger_to_promotion_seconds",
		"ctgit_sli_breached", "ctgit_sli_value", "ctgit_sli_nodata", "ctgit_canary_delta", "ctgit_rollback_opened_timestamp_seconds"} {
		if !used[sli] {
			t.Errorf("%s: no panel shows %s", path, sli)
		}
	}

	promtool := lookPromtool(t)
	// promtool checks PromQL inside rule files: make each query a
	// recording rule, with Grafana's variables replaced.
	vars := strings.NewReplacer("$__range", "30d", "$__rate_interval", "5m", "$__interval", "1m", "$pipeline", ".*")
	keys := make([]string, 0, len(exprs))
	for k := range exprs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, k := range keys {
		e, _ := json.Marshal(vars.Replace(exprs[k]))
		fmt.Fprintf(&rules, "      - record: dashboard:query_%d\n        expr: %s\n", i, e)
	}
	tmp := filepath.Join(t.TempDir(), "dashboard_queries.yml")
	if err := os.WriteFile(tmp, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	runPromtool(t, promtool, "check", "rules", tmp)
}

// TestREADMEListsEveryMetric: the README's Metrics section documents
// every metric this package exports before its list of renames, and
// names no metric there that is not exported.
func TestREADMEListsEveryMetric(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n### Metrics\n")
	if start < 0 {
		t.Fatal("README.md has no ### Metrics section")
	}
	section := text[start+1:]
	section = section[:strings.Index(section, "\n### ")]
	// The list of renames, and what follows it, names old metrics.
	current, renames, ok := strings.Cut(section, "**Renamed in this release.**")
	if !ok {
		t.Fatal("README.md's Metrics section has no **Renamed in this release.** list")
	}
	exported := exportedNames()
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("`(ctgit_[a-z_]+)").FindAllStringSubmatch(current, -1) {
		named[m[1]] = true
		if !exported[m[1]] {
			t.Errorf("README.md's Metrics section names %s, which is not exported", m[1])
		}
	}
	for name := range exported {
		if !named[name] {
			t.Errorf("README.md's Metrics section does not document %s", name)
		}
	}
	if !strings.Contains(renames, "| old | new |") {
		t.Errorf("the renames are not a table of old and new names:\n%s", renames)
	}
}
