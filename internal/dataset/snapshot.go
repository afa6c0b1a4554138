package dataset

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Object is one file of a dataset.
type Object struct {
	// Key is the object's path under the dataset's root (the location's
	// prefix): "dt=2026-11-29/part-0001.parquet"; for a location naming
	// one file, its base name.
	Key string `json:"key"`
	// URL is where it is read from: a repository path, or a store URL.
	URL string `json:"url"`
	// Size is its size in bytes.
	Size int64 `json:"size"`
	// ID is its content identity: "sha256:<hex>" (a local file's content,
	// or a Git LFS oid), "md5:<hex>" (DVC), "etag:<value>" (S3, Azure,
	// https), "generation:<n>" (GCS); "" when the store gives none.
	ID string `json:"id"`
	// MD5 is the hex MD5 of the content, when the store keeps one apart
	// from the identity (an Azure blob's Content-MD5): a download is
	// checked against it.
	MD5 string `json:"md5,omitempty"`
	// Version is the store's version of the object, when it keeps
	// versions (an S3 version id), for reading this exact object later.
	Version string `json:"version,omitempty"`
	// Modified is when the store last changed it, where it says.
	Modified time.Time `json:"modified,omitzero"`
	// Partition holds the hive-style columns of its path ("dt=2026-11-29").
	Partition []Partition `json:"partition,omitempty"`
}

// Partition is one hive-style path element, column=value.
type Partition struct {
	Column string `json:"column"`
	Value  string `json:"value"`
}

// Snapshot is a dataset at one moment: the objects it consists of, in key
// order, and their digest.
type Snapshot struct {
	// Source is the location as the pipeline wrote it.
	Source string `json:"source"`
	// Window says which partitions a window kept ("dt: last 7d,
	// 2026-11-23 … 2026-11-29"); "" without a window.
	Window string `json:"window,omitempty"`
	// Digest identifies the snapshot: for one repository file, that
	// file's sha256; otherwise a sha256 over every object's key, size and
	// identity.
	Digest string `json:"digest"`
	// Size is the bytes of all objects.
	Size int64 `json:"size"`
	// Objects are in key order.
	Objects []Object `json:"objects"`

	// identity, when set, is the digest a tracker gives the whole
	// dataset (a DVC-tracked directory's md5), used instead of one made
	// from its objects.
	identity string
}

// seal sorts the objects and computes the digest and size.
func (s *Snapshot) seal() {
	sort.Slice(s.Objects, func(i, j int) bool { return s.Objects[i].Key < s.Objects[j].Key })
	s.Size = 0
	for _, o := range s.Objects {
		s.Size += o.Size
	}
	if s.identity != "" {
		s.Digest = s.identity
		return
	}
	if len(s.Objects) == 1 && !strings.Contains(s.Source, "://") && s.Objects[0].ID != "" && s.Objects[0].URL == s.Source {
		// One repository file: its own identity (its sha256, as before
		// datasets had many parts, so existing step caches stay valid; a
		// Git LFS oid; a DVC md5).
		s.Digest = s.Objects[0].ID
		return
	}
	h := sha256.New()
	fmt.Fprintf(h, "ctgit dataset v1\n")
	for _, o := range s.Objects {
		fmt.Fprintf(h, "%s\t%d\t%s\t%s\n", o.Key, o.Size, o.ID, o.Version)
	}
	s.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Partitions are the hive partition columns of the snapshot's objects, in
// path order; every object has the same ones (Resolve checks).
func (s *Snapshot) Partitions() []string {
	if len(s.Objects) == 0 {
		return nil
	}
	var cols []string
	for _, p := range s.Objects[0].Partition {
		cols = append(cols, p.Column)
	}
	return cols
}

// partitionsOf parses the hive-style elements (column=value) of a key's
// directories.
func partitionsOf(key string) []Partition {
	dirs := strings.Split(key, "/")
	var ps []Partition
	for _, d := range dirs[:len(dirs)-1] {
		col, val, ok := strings.Cut(d, "=")
		if !ok || col == "" {
			continue
		}
		ps = append(ps, Partition{Column: col, Value: unescapeHive(val)})
	}
	return ps
}

// unescapeHive undoes Hive's %XX escaping of partition values
// (dt=2026-11-29%2012%3A00 is "2026-11-29 12:00").
func unescapeHive(v string) string {
	if !strings.Contains(v, "%") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) {
			if x, err := hex.DecodeString(v[i+1 : i+3]); err == nil {
				b.WriteByte(x[0])
				i += 2
				continue
			}
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// Arrived returns the objects of s that prev does not have with the same
// identity: new objects, and objects whose content changed.
func Arrived(prev, s *Snapshot) []Object {
	seen := map[string]string{}
	if prev != nil {
		for _, o := range prev.Objects {
			seen[o.Key] = o.ID + "\x00" + o.Version + "\x00" + fmt.Sprint(o.Size)
		}
	}
	var out []Object
	for _, o := range s.Objects {
		if seen[o.Key] != o.ID+"\x00"+o.Version+"\x00"+fmt.Sprint(o.Size) {
			out = append(out, o)
		}
	}
	return out
}

// Describe says in a few words which objects these are, by partition
// where they have one: "3 new objects: dt=2026-11-28 … dt=2026-11-30".
func Describe(objs []Object) string {
	if len(objs) == 0 {
		return "no objects"
	}
	noun := "objects"
	if len(objs) == 1 {
		noun = "object"
	}
	var parts []string
	seen := map[string]bool{}
	for _, o := range objs {
		var kv []string
		for _, p := range o.Partition {
			kv = append(kv, p.Column+"="+p.Value)
		}
		k := strings.Join(kv, "/")
		if k != "" && !seen[k] {
			seen[k] = true
			parts = append(parts, k)
		}
	}
	sort.Strings(parts)
	switch {
	case len(parts) == 0:
		if len(objs) <= 3 {
			keys := make([]string, len(objs))
			for i, o := range objs {
				keys[i] = o.Key
			}
			return fmt.Sprintf("%d %s: %s", len(objs), noun, strings.Join(keys, ", "))
		}
		return fmt.Sprintf("%d %s", len(objs), noun)
	case len(parts) <= 3:
		return fmt.Sprintf("%d %s: %s", len(objs), noun, strings.Join(parts, ", "))
	default:
		return fmt.Sprintf("%d %s: %s … %s", len(objs), noun, parts[0], parts[len(parts)-1])
	}
}

// Summary says what happened to objs: "3 objects arrived (dt=2026-11-28 …
// dt=2026-11-30)" for what "arrived".
func Summary(objs []Object, what string) string {
	n, where, _ := strings.Cut(Describe(objs), ": ")
	if where != "" {
		return n + " " + what + " (" + where + ")"
	}
	return n + " " + what
}

// FromManifest is the snapshot of objects a run record's manifest lists:
// the same objects, read again by their URLs and identities.
func FromManifest(source string, objs []Object) *Snapshot {
	s := &Snapshot{Source: source, Objects: append([]Object(nil), objs...)}
	s.seal()
	return s
}
