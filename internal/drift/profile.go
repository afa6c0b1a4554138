package drift

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/table"
)

// A reference profile keeps what a comparison needs from a reference data
// set, so that a comparison against the same reference reads only the
// current data. It holds the reference's columns as the reader parsed
// them (each cell as the kernels read it: compact decimals at their scale,
// floats, or text codes and their texts), its header and its number of
// rows, so the tests see the same values and give the same results, bit
// for bit, as after a read. Parsing is what it saves; the kernels still
// sort and count both sides.
//
// The file is self-describing and checked:
//
//	magic "CTGPROF\x00", uint32 format version
//	one section per column: table.AppendColumn's bytes
//	footer: what it was built from (key, reference digest, build, read
//	        format), the reference's rows and header, and per column its
//	        name, offset, length, CRC-32C and bytes per cell
//	uint32 footer length, uint32 footer CRC-32C, magic
//
// Every section is checked against its CRC when read; a profile that fails
// any check is not used, and the comparison reads the reference instead
// and writes a new one.

// profileFormat is the version of the file layout; a profile of another
// version is rebuilt.
const profileFormat = 1

var profileMagic = []byte("CTGPROF\x00")

// profileExt ends the name of a profile file in its directory.
const profileExt = ".ctprof"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ProfileSpec asks a comparison to use and keep a reference profile.
type ProfileSpec struct {
	// Dir holds the profiles, one file per key; created on first write.
	Dir string
	// ReferenceDigest is the content digest of the reference data
	// ("sha256:…"): the profile is used only for this content.
	ReferenceDigest string
	// Build identifies the program that parses the data (see
	// BuildIdentity): a profile parsed by another build is not used,
	// since its reader may parse differently.
	Build string
}

// ProfileUse says whether a comparison's reference came from a profile.
// It is part of the drift report.
type ProfileUse struct {
	// Key is the profile's key: the digest of everything it depends on.
	Key string `json:"key"`
	// ReferenceDigest is the content digest of the reference data.
	ReferenceDigest string `json:"referenceDigest"`
	// Hit is true when the reference's values came from the profile and
	// the reference data was not parsed.
	Hit bool `json:"hit"`
	// Rebuilt says, when Hit is false, why the reference was read: there
	// was no profile yet, or it was damaged, of another format, or lacked
	// columns; the profile was then written anew.
	Rebuilt string `json:"rebuilt,omitempty"`
	// NotWritten says why a profile could not be stored (the comparison
	// itself succeeded); empty when it was.
	NotWritten string `json:"notWritten,omitempty"`
}

// NoProfileYet is ProfileUse.Rebuilt when there was no profile to use.
const NoProfileYet = "no profile yet"

// String says in a line where the reference came from, for text output.
func (u *ProfileUse) String() string {
	s := "reference profile " + digest.Short(u.Key) + ": "
	if u.Hit {
		s += "used; the reference data was not parsed"
	} else {
		s += "built (" + u.Rebuilt + ")"
	}
	if u.NotWritten != "" {
		s += "; not stored: " + u.NotWritten
	}
	return s
}

// Key is the profile key of spec for data read as format ("csv",
// "parquet"): a digest of the profile format, the reference's content
// digest, the build and the format. Policies do not enter it: a profile
// holds parsed columns, whatever the tests, and the columns a policy
// chooses are checked against the profile's when it is read.
func (s ProfileSpec) Key(format string) string {
	h := sha256.New()
	fmt.Fprintf(h, "ctgit reference profile %d\x00%s\x00%s\x00%s\x00", profileFormat, s.ReferenceDigest, s.Build, format)
	return digest.Prefix + hex.EncodeToString(h.Sum(nil))
}

func (s ProfileSpec) path(key string) string {
	return filepath.Join(s.Dir, strings.TrimPrefix(key, digest.Prefix)+profileExt)
}

// BuildIdentity is the digest of the running program's executable, kept
// in memo by file identity so it is hashed once per build: a profile is
// parsed data, and another build may parse otherwise.
func BuildIdentity(memo *digest.Memo) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the running program: %w", err)
	}
	d, _, err := memo.File(exe)
	if err != nil {
		return "", fmt.Errorf("hashing the running program: %w", err)
	}
	return d, nil
}

// profileMeta is a profile's footer.
type profileMeta struct {
	key, refDigest, build, format string
	rows                          int
	header                        []string
	cols                          []profileColumn
}

// profileColumn locates one column's section.
type profileColumn struct {
	name           string
	offset, length int64
	crc            uint32
	cellBytes      int64 // bytes a parsed cell takes in memory
}

// profile is an opened profile file.
type profile struct {
	f    *os.File
	meta profileMeta
}

// errProfile is the error of a profile that fails a check.
var errProfile = errors.New("damaged profile")

// openProfile opens and checks the footer of the profile at path for key.
// A missing file is fs.ErrNotExist; one that fails a check wraps
// errProfile.
func openProfile(path, key string) (*profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	p, err := readProfileFooter(f, key)
	if err != nil {
		f.Close()
		return nil, err
	}
	return p, nil
}

func readProfileFooter(f *os.File, key string) (*profile, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	head := make([]byte, len(profileMagic)+4)
	tail := make([]byte, 8+len(profileMagic))
	if size < int64(len(head)+len(tail)) {
		return nil, fmt.Errorf("%w: truncated (%d bytes)", errProfile, size)
	}
	if _, err := f.ReadAt(head, 0); err != nil {
		return nil, err
	}
	if _, err := f.ReadAt(tail, size-int64(len(tail))); err != nil {
		return nil, err
	}
	if !bytes.Equal(head[:len(profileMagic)], profileMagic) || !bytes.Equal(tail[8:], profileMagic) {
		return nil, fmt.Errorf("%w: not a profile, or truncated", errProfile)
	}
	if v := binary.LittleEndian.Uint32(head[len(profileMagic):]); v != profileFormat {
		return nil, fmt.Errorf("%w: format %d, this ctgit writes %d", errProfile, v, profileFormat)
	}
	n := int64(binary.LittleEndian.Uint32(tail))
	if n > size-int64(len(head)+len(tail)) {
		return nil, fmt.Errorf("%w: truncated footer", errProfile)
	}
	foot := make([]byte, n)
	if _, err := f.ReadAt(foot, size-int64(len(tail))-n); err != nil {
		return nil, err
	}
	if crc32.Checksum(foot, castagnoli) != binary.LittleEndian.Uint32(tail[4:]) {
		return nil, fmt.Errorf("%w: footer checksum mismatch", errProfile)
	}
	m, err := decodeMeta(foot)
	if err != nil {
		return nil, err
	}
	if m.key != key {
		return nil, fmt.Errorf("%w: built for key %s", errProfile, digest.Short(m.key))
	}
	end := size - int64(len(tail)) - n
	for _, c := range m.cols {
		if c.offset < int64(len(head)) || c.length < 0 || c.offset+c.length > end {
			return nil, fmt.Errorf("%w: column %q out of the file", errProfile, c.name)
		}
	}
	return &profile{f: f, meta: m}, nil
}

// column returns the named column's section, checked and decoded.
func (p *profile) column(name string) (*table.Column, error) {
	for _, c := range p.meta.cols {
		if c.name != name {
			continue
		}
		b := make([]byte, c.length)
		if _, err := p.f.ReadAt(b, c.offset); err != nil {
			return nil, fmt.Errorf("%w: column %q: %v", errProfile, name, err)
		}
		if crc32.Checksum(b, castagnoli) != c.crc {
			return nil, fmt.Errorf("%w: column %q: checksum mismatch", errProfile, name)
		}
		col, err := table.DecodeColumn(b)
		if err != nil || col.Name != name || col.Len() != p.meta.rows {
			return nil, fmt.Errorf("%w: column %q does not decode", errProfile, name)
		}
		return col, nil
	}
	return nil, fmt.Errorf("%w: no column %q", errProfile, name)
}

// has reports whether the profile holds every named column.
func (p *profile) has(names []string) (missing []string) {
	held := map[string]bool{}
	for _, c := range p.meta.cols {
		held[c.name] = true
	}
	for _, n := range names {
		if !held[n] {
			missing = append(missing, n)
		}
	}
	return missing
}

func (p *profile) cellBytes() map[string]int64 {
	m := make(map[string]int64, len(p.meta.cols))
	for _, c := range p.meta.cols {
		m[c.name] = c.cellBytes
	}
	return m
}

// table reads the named columns into a table named path.
func (p *profile) table(path string, names []string) (*table.Table, error) {
	t := &table.Table{Path: path, Rows: p.meta.rows}
	for _, n := range names {
		c, err := p.column(n)
		if err != nil {
			return nil, err
		}
		t.Columns = append(t.Columns, c)
	}
	return t, nil
}

func (p *profile) Close() error { return p.f.Close() }

// profileWriter writes a profile into a temporary file in its directory,
// a column at a time, and puts it in place only when told the comparison
// succeeded, so a profile is complete or absent.
type profileWriter struct {
	f    *os.File
	made string // the directory, when the writer made it
	off  int64
	meta profileMeta
	buf  []byte
	err  error
}

func newProfileWriter(dir string, meta profileMeta) (*profileWriter, error) {
	made := ""
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		made = dir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, ".building-*")
	if err != nil {
		return nil, err
	}
	w := &profileWriter{f: f, meta: meta, made: made}
	head := binary.LittleEndian.AppendUint32(append([]byte(nil), profileMagic...), profileFormat)
	w.write(head)
	return w, w.err
}

func (w *profileWriter) write(b []byte) {
	if w.err != nil {
		return
	}
	n, err := w.f.Write(b)
	w.off += int64(n)
	w.err = err
}

// add appends the columns of t, with the bytes a cell of each takes.
func (w *profileWriter) add(t *table.Table) error {
	for _, c := range t.Columns {
		w.buf = table.AppendColumn(w.buf[:0], c)
		w.meta.cols = append(w.meta.cols, profileColumn{
			name: c.Name, offset: w.off, length: int64(len(w.buf)),
			crc: crc32.Checksum(w.buf, castagnoli), cellBytes: cellBytes(c),
		})
		w.write(w.buf)
	}
	return w.err
}

// commit writes the footer and renames the file into place at path.
func (w *profileWriter) commit(path string) error {
	foot := encodeMeta(w.meta)
	w.write(foot)
	tail := binary.LittleEndian.AppendUint32(nil, uint32(len(foot)))
	tail = binary.LittleEndian.AppendUint32(tail, crc32.Checksum(foot, castagnoli))
	w.write(append(tail, profileMagic...))
	if w.err == nil {
		w.err = w.f.Sync()
	}
	if err := w.f.Close(); w.err == nil {
		w.err = err
	}
	if w.err == nil {
		w.err = os.Rename(w.f.Name(), path)
	}
	if w.err == nil {
		w.err = fsutil.SyncDir(filepath.Dir(path))
	}
	if w.err != nil {
		os.Remove(w.f.Name())
	}
	return w.err
}

// abort removes the unfinished file, and the directory if the writer
// made it, so that a comparison that fails leaves nothing.
func (w *profileWriter) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
	if w.made != "" {
		os.Remove(w.made)
	}
}

// cellBytes is what a parsed cell of c takes in memory, for the memory
// budget's column groups.
func cellBytes(c *table.Column) int64 {
	if d, _ := c.Decimals(); d != nil || (c.Floats() == nil && c.Len() > 0) {
		return 4
	}
	return 8
}

func encodeMeta(m profileMeta) []byte {
	var b []byte
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	str(m.key)
	str(m.refDigest)
	str(m.build)
	str(m.format)
	b = binary.AppendUvarint(b, uint64(m.rows))
	b = binary.AppendUvarint(b, uint64(len(m.header)))
	for _, h := range m.header {
		str(h)
	}
	b = binary.AppendUvarint(b, uint64(len(m.cols)))
	for _, c := range m.cols {
		str(c.name)
		b = binary.AppendUvarint(b, uint64(c.offset))
		b = binary.AppendUvarint(b, uint64(c.length))
		b = binary.LittleEndian.AppendUint32(b, c.crc)
		b = binary.AppendUvarint(b, uint64(c.cellBytes))
	}
	return b
}

func decodeMeta(b []byte) (profileMeta, error) {
	var m profileMeta
	bad := false
	num := func() uint64 {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			bad, b = true, nil
			return 0
		}
		b = b[k:]
		return v
	}
	str := func() string {
		n := num()
		if n > uint64(len(b)) {
			bad, b = true, nil
			return ""
		}
		s := string(b[:n])
		b = b[n:]
		return s
	}
	m.key, m.refDigest, m.build, m.format = str(), str(), str(), str()
	m.rows = int(num())
	for n := num(); n > 0 && !bad; n-- {
		m.header = append(m.header, str())
	}
	for n := num(); n > 0 && !bad; n-- {
		c := profileColumn{name: str(), offset: int64(num()), length: int64(num())}
		if len(b) < 4 {
			bad = true
			break
		}
		c.crc = binary.LittleEndian.Uint32(b)
		b = b[4:]
		c.cellBytes = int64(num())
		m.cols = append(m.cols, c)
	}
	if bad || len(b) != 0 || m.rows < 0 {
		return m, fmt.Errorf("%w: footer does not decode", errProfile)
	}
	return m, nil
}

// touch marks a profile used now, so that pruning the cache keeps the
// profiles in use.
func touch(path string) {
	now := time.Now()
	os.Chtimes(path, now, now)
}
