package rewrite

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/golden"
)

type edit struct{ path, value, old string }

func TestSetGolden(t *testing.T) {
	for _, tc := range []struct {
		file  string
		edits []edit
	}{
		{"cue/braces.cue", []edit{
			{"model.version", "1.5.0", "1.4.0"},
			{"model.artifact", "s3://models/fraud/1.5.0@sha256:bbbb", "s3://models/fraud/1.4.0@sha256:aaaa"},
			{"replicas", "4", "3"},
		}},
		{"cue/nested.cue", []edit{{"model.version", "2.0.0", "1.4.0"}}},
		{"cue/raw.cue", []edit{{"model.artifact", `file://.ctgit/artifacts/fraud@sha256:4567 "quoted"`, "file://.ctgit/artifacts/fraud@sha256:0123"}}},
		{"cue/number.cue", []edit{{"serving.revision", "42", "41"}, {"serving.canary", "0.25", "0.1"}}},
		{"cue/quoted-label.cue", []edit{{"model.version", "1.4.1", "1.4.0"}, {"model.model-name", "fraud\tv2\n", "fraud"}}},
		{"cue/list.cue", []edit{{"models[1].version", "2.4.0", "2.3.4"}}},
		{"yaml/kserve.yaml", []edit{
			{"spec.predictor.model.storageUri", "gs://models/fraud/1.5.0@sha256:bbbb", "gs://models/fraud/1.4.0@sha256:aaaa"},
			{`metadata.annotations."ctgit.dev/version"`, "1.5.0", "1.4.0"},
		}},
		{"yaml/multidoc.yaml", []edit{
			{"data.MODEL_VERSION", "1.5.0", "1.4.0"},
			{"data.MODEL_URI", "s3://models/fraud/1.5.0", "s3://models/fraud/1.4.0"},
			{"spec.ports[0].targetPort", "9090", "8080"},
		}},
		{"yaml/quoting.yaml", []edit{
			{"plain", "1.5.0", "1.4.0"},
			{"needs-quote", "1.5", "1.4.0"},
			{"single", "it's 1.5", "it's 1.4"},
			{"flow.version", "v2,beta", "v1"},
			{"number", "8", "7"},
		}},
		{"yaml/list.yaml", []edit{{"spec.template.spec.containers[0].image", "registry.example/fraud:1.5.0", "registry.example/fraud:1.4.0"}}},
		{"yaml/tag.yaml", []edit{
			{"spec.predictor.containers[0].image:tag", "1.5.0", "1.4.0"},
			{`metadata.annotations."serving.kserve.io/deploymentMode"`, "RawDeployment", "Serverless"},
		}},
		{"cue/image.cue", []edit{{"serving.image:tag", "1.5.0-rc.1", "1.4.0"}}},
		{"json/deployment.json", []edit{
			{"spec.template.spec.containers[1].image:tag", "1.5.0", "1.4.0"},
			{`metadata.annotations."ctgit.dev/version"`, "1.5.0", "1.4.0"},
			{"spec.template.spec.containers[1].env[0].value", "s3://models/fraud/1.5.0@sha256:bbbb", "s3://models/fraud/1.4.0@sha256:aaaa"},
			{"spec.replicas", "4", "3"},
			{"spec.template.spec.containers[1].resources.limits.cpu", "2", "1.5"},
		}},
		{"json/compact.json", []edit{
			{"model.version", "1.5.0", "1.4.0"},
			{"model.note", "x <y> & \"z\"\n", "a <b> & c"},
			{"model.revision", "42", "41"},
			{"serving[0].canary", "0.25", "0.1"},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			orig, err := os.ReadFile(filepath.Join("testdata/original", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			out := orig
			applied := 0
			for _, e := range tc.edits {
				var old string
				out, old, err = Set(tc.file, out, e.path, e.value)
				if err != nil {
					t.Fatalf("Set(%s): %v", e.path, err)
				}
				if old != e.old {
					t.Errorf("Set(%s) old = %q, want %q", e.path, old, e.old)
				}
				if got, err := Get(tc.file, out, e.path); err != nil || got != e.value {
					t.Errorf("Get(%s) after Set = %q, %v; want %q", e.path, got, err, e.value)
				}
				again, _, err := Set(tc.file, out, e.path, e.value)
				if err != nil || !bytes.Equal(again, out) {
					t.Errorf("setting %s to the value it holds changed the file (err %v)", e.path, err)
				}
				applied++
			}
			checkOnlyValueLinesChanged(t, orig, out, applied)
			// CTGIT_UPDATE_GOLDEN=1 rewrites testdata/expected from the code.
			golden.Check(t, filepath.Join("testdata/expected", tc.file), out)
		})
	}
}

// checkOnlyValueLinesChanged asserts the rewrite kept the line structure and
// changed at most one line per edit.
func checkOnlyValueLinesChanged(t *testing.T, orig, out []byte, edits int) {
	t.Helper()
	a, b := strings.Split(string(orig), "\n"), strings.Split(string(out), "\n")
	if len(a) != len(b) {
		t.Fatalf("line count changed: %d → %d", len(a), len(b))
	}
	changed := 0
	for i := range a {
		if a[i] != b[i] {
			changed++
		}
	}
	if changed == 0 || changed > edits {
		t.Errorf("%d lines changed for %d edits", changed, edits)
	}
}

func TestGet(t *testing.T) {
	src, err := os.ReadFile("testdata/original/yaml/kserve.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fl, err := Lookup("kserve.yaml", src, "spec.predictor.model.storageUri")
	if err != nil {
		t.Fatal(err)
	}
	want := Field{Value: "gs://models/fraud/1.4.0@sha256:aaaa", Kind: String, Line: 15, Col: 19}
	if diff := cmp.Diff(want, fl, cmp.Comparer(func(a, b Field) bool {
		return a.Value == b.Value && a.Kind == b.Kind && a.Line == b.Line && a.Col == b.Col
	})); diff != "" {
		t.Error(diff)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, src, path, value, want string
	}{
		{"cue missing top", "m.cue", "model: name: \"x\"\n", "deploy.version", "1", `m.cue:1:1: field deploy.version not found: the file has no field "deploy"`},
		{"cue missing nested", "m.cue", "package p\n\nmodel: {\n\tname: \"x\"\n}\n", "model.version", "1", `m.cue:3:1: field model.version not found: model has no field "version"`},
		{"cue struct", "m.cue", "model: version: {major: 1}\n", "model.version", "1", `m.cue:1:17: field model.version is a struct; ctgit rewrites only a string or number literal`},
		{"cue reference", "m.cue", "v: \"1.4.0\"\nmodel: version: v\n", "model.version", "1", `m.cue:2:17: field model.version is a reference to v; ctgit rewrites only a string or number literal`},
		{"cue type", "m.cue", "model: version: string\n", "model.version", "1", `m.cue:1:17: field model.version is a reference to string; ctgit rewrites only a string or number literal`},
		{"cue interpolation", "m.cue", "m: 4\nmodel: version: \"1.\\(m).0\"\n", "model.version", "1", `m.cue:2:17: field model.version is an interpolation; ctgit rewrites only a string or number literal`},
		{"cue disjunction", "m.cue", "model: version: *\"1.4.0\" | \"1.3.0\"\n", "model.version", "1", `m.cue:1:17: field model.version is a disjunction; ctgit rewrites only a string or number literal`},
		{"cue unification", "m.cue", "model: version: =~\"^1\" & \"1.4.0\"\n", "model.version", "1", `m.cue:1:17: field model.version is a unification (&); ctgit rewrites only a string or number literal`},
		{"cue twice", "m.cue", "model: version: \"1.4.0\"\nmodel: {\n  version: \"1.4.0\"\n}\n", "model.version", "1", `m.cue:3:3: field model.version is declared 2 times (first at line 1); ctgit rewrites a field declared once`},
		{"cue through scalar", "m.cue", "model: \"x\"\n", "model.version", "1", `m.cue:1:8: cannot follow model.version through model: it is the literal "x", not a struct literal`},
		{"cue bool", "m.cue", "model: enabled: true\n", "model.enabled", "false", `m.cue:1:17: field model.enabled is the literal true; ctgit rewrites only a string or number literal`},
		{"cue multiline", "m.cue", "v: \"\"\"\n\t1.4.0\n\t\"\"\"\n", "v", "1", `m.cue:1:4: field v is a multi-line string; ctgit rewrites only a single-line string`},
		{"cue number gets string", "m.cue", "rev: 41\n", "rev", "1.5.0", `m.cue:1:6: cannot set rev to "1.5.0": the field is a number and "1.5.0" is not a CUE number`},
		{"cue index range", "m.cue", "l: [1, 2]\n", "l[2]", "3", `m.cue:1:4: cannot index l[2]: the list has 2 elements`},
		{"cue syntax", "m.cue", "model: {\n", "model", "1", `m.cue:1:10: invalid CUE: expected '}', found 'EOF'`},
		{"yaml missing", "k.yaml", "spec:\n  predictor:\n    model: {}\n", "spec.predictor.model.storageUri", "x", `k.yaml:3:5: field spec.predictor.model.storageUri not found: spec.predictor.model has no field "storageUri"`},
		{"yaml mapping", "k.yaml", "spec:\n  predictor:\n    model:\n      x: 1\n", "spec.predictor.model", "x", `k.yaml:4:7: field spec.predictor.model is a mapping; ctgit rewrites only a string or number scalar`},
		{"yaml alias", "k.yaml", "base: &v 1.4.0\nmodel:\n  version: *v\n", "model.version", "x", `k.yaml:3:12: field model.version is an alias (*v); rewrite the anchored value (&v) instead`},
		{"yaml anchor", "k.yaml", "base: &v 1.4.0\nmodel:\n  version: *v\n", "base", "x", `k.yaml:1:7: field base is anchored (&v) and may be aliased elsewhere; ctgit rewrites only a plain scalar`},
		{"yaml tagged", "k.yaml", "version: !!str 1.4\n", "version", "x", `k.yaml:1:10: field version has an explicit tag !!str; ctgit rewrites only an untagged scalar`},
		{"yaml block", "k.yaml", "version: |\n  1.4.0\n", "version", "x", `k.yaml:1:10: field version is a block scalar (| or >); ctgit rewrites only a single-line scalar`},
		{"yaml null", "k.yaml", "version:\n", "version", "x", `k.yaml:1:9: field version is null (); ctgit rewrites only a string or number scalar`},
		{"yaml multiline plain", "k.yaml", "version: 1.4.0\n  still\n", "version", "x", `k.yaml:1:10: field version spans several lines; ctgit rewrites only a single-line scalar`},
		{"yaml two docs", "k.yaml", "a: 1\n---\na: 2\n", "a", "3", `k.yaml:3:4: field a is in 2 documents (first at line 1); ctgit rewrites a field found in one document`},
		{"yaml dup key", "k.yaml", "a: 1\na: 2\n", "a", "3", `k.yaml:2:1: key "a" appears twice in the same mapping (first at line 1)`},
		{"yaml number gets string", "k.yaml", "replicas: 3\n", "replicas", "three", `k.yaml:1:11: cannot set replicas to "three": the field is a number and "three" is not a YAML number`},
		{"yaml not a sequence", "k.yaml", "containers: {a: 1}\n", "containers[0]", "x", `k.yaml:1:13: cannot index containers with [0]: it is a mapping, not a sequence`},
		{"yaml syntax", "k.yaml", "a: b: c\n", "a", "x", `k.yaml: invalid YAML: mapping values are not allowed in this context`},
		{"yaml syntax line", "k.yaml", "a: x\nb: [\n", "a", "x", `k.yaml:2:1: invalid YAML: did not find expected node content`},
		{"yaml index range", "k.yaml", "l:\n  - a\n", "l[1]", "x", `k.yaml:2:3: cannot index l with [1]: the sequence has 1 items`},
		{"yaml empty", "k.yaml", "# nothing\n", "a", "x", `k.yaml:1:1: field a not found: the file has no YAML document`},
		{"bad extension", "m.toml", "a = 1", "a", "x", `m.toml: cannot rewrite a field in this file: want a .cue, .yaml, .yml or .json file`},
		{"json missing", "d.json", "{\n  \"spec\": {\"a\": 1}\n}\n", "spec.b", "x", `d.json:2:3: field spec.b not found: spec has no field "b"`},
		{"json missing top", "d.json", "{\"a\": 1}", "b", "x", `d.json:1:1: field b not found: the document has no field "b"`},
		{"json object", "d.json", "{\"a\": {\"b\": 1}}", "a", "x", `d.json:1:7: field a is an object; ctgit rewrites only a string or number`},
		{"json null", "d.json", "{\"a\": null}", "a", "x", `d.json:1:7: field a is null; ctgit rewrites only a string or number`},
		{"json bool", "d.json", "{\"a\": true}", "a", "x", `d.json:1:7: field a is true; ctgit rewrites only a string or number`},
		{"json dup key", "d.json", "{\"a\": 1,\n \"a\": 2}", "a", "3", `d.json:2:2: key "a" appears twice in the same object (first at line 1)`},
		{"json through scalar", "d.json", "{\"a\": \"s\"}", "a.b", "x", `d.json:1:7: cannot follow a.b through a: it is the string "s", not an object`},
		{"json not array", "d.json", "{\"a\": {}}", "a[0]", "x", `d.json:1:7: cannot index a with [0]: it is an object, not an array`},
		{"json index range", "d.json", "{\"l\": {\"m\": [1]}}", "l.m[1]", "x", `d.json:1:13: cannot index l.m with [1]: the array has 1 items`},
		{"json number gets string", "d.json", "{\"n\": 3}", "n", "three", `d.json:1:7: cannot set n to "three": the field is a number and "three" is not a JSON number`},
		{"json syntax", "d.json", "{\n  \"a\": 1,\n}", "a", "x", `d.json:3:1: invalid JSON: invalid character '}' looking for beginning of object key string`},
		{"json two values", "d.json", "{\"a\": 1}\n{}", "a", "x", `d.json:2:1: invalid JSON: invalid character '{' after top-level value`},
		{"tag no tag", "k.yaml", "image: registry.example:5000/fraud\n", "image:tag", "1", `k.yaml:1:8: field image:tag is "registry.example:5000/fraud", an image reference without a tag; write one (NAME:TAG) for ctgit to replace`},
		{"tag digest", "k.yaml", "image: fraud:1.4@sha256:abcd\n", "image:tag", "1", `k.yaml:1:8: field image:tag is "fraud:1.4@sha256:abcd", pinned by a digest (sha256:abcd); a tag rewrite would leave the digest choosing the old image: drop the digest or rewrite the whole field`},
		{"tag number", "k.yaml", "image: 3\n", "image:tag", "1", `k.yaml:1:8: field image:tag is a number, not an image reference`},
		{"tag bad new", "m.cue", "image: \"fraud:1.4\"\n", "image:tag", "1.5/x", `m.cue:1:8: cannot set image:tag to "1.5/x": "1.5/x" is not a valid image tag (letters, digits, _ . -, at most 128, not starting with . or -)`},
		{"bad suffix", "m.cue", "a: 1", "a:digest", "x", `invalid field path "a:digest": ":digest" after key "a": the one suffix a path may end with is ":tag"`},
		{"bad path", "m.cue", "a: 1", "a..b", "x", `invalid field path "a..b": empty key`},
		{"bad index", "m.cue", "a: 1", "a[x]", "x", `invalid field path "a[x]": index "x" is not a non-negative integer`},
		{"bad quoted key", "m.cue", "a: 1", `a."b`, "x", `invalid field path "a.\"b": unterminated quoted key`},
		{"bad after index", "m.cue", "a: 1", `a[0]b`, "x", `invalid field path "a[0]b": unexpected "b" after key "a"`},
		{"quoted key missing", "k.yaml", "metadata:\n  annotations:\n    x: y\n", `metadata.annotations."ctgit.dev/v"`, "x", `k.yaml:2:3: field metadata.annotations."ctgit.dev/v" not found: metadata.annotations has no field "ctgit.dev/v"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := Set(tc.file, []byte(tc.src), tc.path, tc.value)
			if err == nil {
				t.Fatalf("Set succeeded:\n%s", out)
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n got %s\nwant %s", err, tc.want)
			}
			if code := fault.KindOf(err); code != fault.BadInput {
				t.Errorf("exit code %d, want %d", code, fault.BadInput)
			}
			var pe *Error
			if strings.Contains(tc.want, ".cue:") || strings.Contains(tc.want, ".json:") || strings.Contains(tc.want, ".yaml:") && !strings.HasPrefix(tc.want, "k.yaml: ") {
				if !errors.As(err, &pe) || pe.Line == 0 {
					t.Errorf("error carries no position: %#v", err)
				}
			}
		})
	}
}

// FuzzSet checks, on arbitrary files, that a successful Set changes only the
// value's bytes and reads back, and that Lookup never panics.
func FuzzSet(f *testing.F) {
	for _, name := range []string{"cue/braces.cue", "cue/nested.cue", "yaml/kserve.yaml", "yaml/multidoc.yaml", "yaml/quoting.yaml"} {
		src, err := os.ReadFile(filepath.Join("testdata/original", name))
		if err != nil {
			f.Fatal(err)
		}
		ext := filepath.Ext(name)
		f.Add(ext == ".cue", src, "model.version", "1.5.0")
		f.Add(ext == ".cue", src, "spec.predictor.model.storageUri", "a'b\"c")
	}
	f.Add(false, []byte("a: 'x'\nb: \"y\"\n"), "b", "new\nline")
	f.Add(true, []byte("a: #\"x\"#\n"), "a", "\"#")
	f.Fuzz(func(t *testing.T, isCUE bool, src []byte, path, value string) {
		name := "f.yaml"
		if isCUE {
			name = "f.cue"
		}
		fl, err := Lookup(name, src, path)
		if err != nil {
			return
		}
		out, old, err := Set(name, src, path, value)
		if err != nil {
			return
		}
		if old != fl.Value {
			t.Fatalf("old = %q, Lookup said %q", old, fl.Value)
		}
		if got, err := Get(name, out, path); err != nil || got != value {
			t.Fatalf("Get after Set = %q, %v; want %q", got, err, value)
		}
		if old == value {
			if !bytes.Equal(out, src) {
				t.Fatal("no-op Set changed the file")
			}
			return
		}
		if !bytes.Equal(out[:fl.start], src[:fl.start]) || !bytes.HasSuffix(out, src[fl.end:]) {
			t.Fatal("bytes outside the value's span changed")
		}
	})
}

// yaml.v3 counts columns in characters; a non-ASCII key before the value
// must not shift the splice.
func TestYAMLNonASCIIColumns(t *testing.T) {
	src := []byte("modèle: {versión: 'ü1.4', x: é}\n")
	out, old, err := Set("m.yaml", src, "modèle.versión", "1.5")
	if err != nil {
		t.Fatal(err)
	}
	if want := "modèle: {versión: '1.5', x: é}\n"; string(out) != want || old != "ü1.4" {
		t.Errorf("got %q (old %q), want %q", out, old, want)
	}
}

// FuzzSetJSON is FuzzSet for JSON files, with image-tag paths among the
// seeds: a successful Set changes only the value's bytes and reads back.
func FuzzSetJSON(f *testing.F) {
	for _, name := range []string{"json/deployment.json", "json/compact.json"} {
		src, err := os.ReadFile(filepath.Join("testdata/original", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src, "model.version", "1.5.0")
		f.Add(src, "spec.template.spec.containers[1].image:tag", "v2")
		f.Add(src, `metadata.annotations."ctgit.dev/version"`, "a\"b\\c\u2028")
	}
	f.Fuzz(func(t *testing.T, src []byte, path, value string) {
		fl, err := Lookup("f.json", src, path)
		if err != nil {
			return
		}
		out, old, err := Set("f.json", src, path, value)
		if err != nil {
			return
		}
		if old != fl.Value {
			t.Fatalf("old = %q, Lookup said %q", old, fl.Value)
		}
		if got, err := Get("f.json", out, path); err != nil || got != value {
			t.Fatalf("Get after Set = %q, %v; want %q", got, err, value)
		}
		if old != value && (!bytes.Equal(out[:fl.start], src[:fl.start]) || !bytes.HasSuffix(out, src[fl.end:])) {
			t.Fatal("bytes outside the value's span changed")
		}
	})
}
