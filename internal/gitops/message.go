package gitops

import (
	"fmt"
	"strings"
)

// Provenance is what a promotion commit records about where the model came
// from, as git trailers a reviewer and `ctgit status` can read back.
type Provenance struct {
	Run          string   // Ctgit-Run: the run record's id
	Pipeline     string   // Ctgit-Pipeline: the pipeline's name
	SourceCommit string   // Ctgit-Source-Commit: the commit the run trained from
	Data         []string // Ctgit-Data: one "ROLE PATH@DIGEST" per input data set, reference first
	Executor     string   // Ctgit-Executor: what ran the training, "local" or "dagger"
	Image        string   // Ctgit-Image: the image the training ran in (dagger), by digest
	Command      string   // Ctgit-Command: the program the local executor started, with its version
	Artifact     string   // Ctgit-Artifact: the model artifact, by digest
	Rollback     string   // Ctgit-Rollback: the version a rollback undid
}

// The trailer keys, in the order Message writes them.
const (
	TrailerRun          = "Ctgit-Run"
	TrailerPipeline     = "Ctgit-Pipeline"
	TrailerSourceCommit = "Ctgit-Source-Commit"
	TrailerData         = "Ctgit-Data"
	TrailerExecutor     = "Ctgit-Executor"
	TrailerImage        = "Ctgit-Image"
	TrailerCommand      = "Ctgit-Command"
	TrailerArtifact     = "Ctgit-Artifact"
	TrailerRollback     = "Ctgit-Rollback"
)

// Message builds a commit message: the subject, an optional body, and the
// provenance as trailers (empty fields are left out). It fails when a value
// spans lines, which would forge other trailers.
func Message(subject, body string, p Provenance) (string, error) {
	if subject == "" || strings.ContainsAny(subject, "\r\n") {
		return "", fmt.Errorf("commit subject %q must be one non-empty line", subject)
	}
	var b strings.Builder
	b.WriteString(subject)
	b.WriteString("\n")
	if body = strings.TrimSpace(body); body != "" {
		b.WriteString("\n" + body + "\n")
	}
	var trailers []string
	add := func(k, v string) error {
		if v == "" {
			return nil
		}
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("trailer %s value %q must be one line", k, v)
		}
		trailers = append(trailers, k+": "+v)
		return nil
	}
	for _, kv := range []struct{ k, v string }{
		{TrailerRun, p.Run}, {TrailerPipeline, p.Pipeline}, {TrailerSourceCommit, p.SourceCommit},
	} {
		if err := add(kv.k, kv.v); err != nil {
			return "", err
		}
	}
	for _, d := range p.Data {
		if err := add(TrailerData, d); err != nil {
			return "", err
		}
	}
	for _, kv := range []struct{ k, v string }{
		{TrailerExecutor, p.Executor}, {TrailerImage, p.Image}, {TrailerCommand, p.Command}, {TrailerArtifact, p.Artifact}, {TrailerRollback, p.Rollback},
	} {
		if err := add(kv.k, kv.v); err != nil {
			return "", err
		}
	}
	if len(trailers) > 0 {
		b.WriteString("\n" + strings.Join(trailers, "\n") + "\n")
	}
	return b.String(), nil
}

// Trailers returns the "Key: value" trailers of a commit message's last
// paragraph, keys in the order they first appear.
func Trailers(msg string) map[string][]string {
	paras := strings.Split(strings.TrimSpace(strings.ReplaceAll(msg, "\r\n", "\n")), "\n\n")
	if len(paras) < 2 {
		return nil
	}
	out := map[string][]string{}
	for _, line := range strings.Split(paras[len(paras)-1], "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil // not a trailer block
		}
		out[k] = append(out[k], strings.TrimSpace(v))
	}
	return out
}

// hasCtgitTrailer reports whether msg carries at least one Ctgit-* trailer.
func hasCtgitTrailer(msg string) bool {
	for k := range Trailers(msg) {
		if strings.HasPrefix(k, "Ctgit-") {
			return true
		}
	}
	return false
}
