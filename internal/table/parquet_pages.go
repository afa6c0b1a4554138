package table

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"github.com/pierrec/lz4/v4"
)

// Most bytes one compressed byte can stand for in a valid block: LZ4 spells
// a match of 255 more bytes in one byte; a Snappy copy of at most 64 bytes
// takes at least 3.
const (
	lz4MaxRatio    = 255
	snappyMaxRatio = 22
)

// zstdMaxWindow bounds the history a Zstandard page may ask the check to
// hold, whatever its header says: writers use far smaller windows for
// pages of a few megabytes.
const zstdMaxWindow = 64 << 20

// checkPages reads the page headers of the column chunks of the leaf
// column leaf, in every row group, before parquet-go decodes any of
// them, and refuses a file whose pages are not what their headers say:
// a page that runs past its column chunk or the file, or a compressed page
// that does not decompress to exactly the size its header states.
//
// parquet-go trusts those headers: it allocates the uncompressed size a
// header states, and its LZ4_RAW codec doubles its buffer for as long as a
// block fails to decompress, which a corrupt block always does. Checked
// here, no corrupt file makes it allocate more than its pages really hold.
// The compressed payloads are decompressed twice (here into a counter,
// then by parquet-go); uncompressed files are only walked header by
// header.
func checkPages(r io.ReaderAt, pf *parquet.File, leaf int) error {
	for g, rg := range pf.Metadata().RowGroups {
		if leaf < 0 || leaf >= len(rg.Columns) {
			return fmt.Errorf("row group %d has no column chunk for column %d", g, leaf)
		}
		if err := checkChunk(r, pf.Size(), &rg.Columns[leaf].MetaData); err != nil {
			return fmt.Errorf("row group %d: %w", g, err)
		}
	}
	return nil
}

// checkChunk walks the pages of one column chunk as parquet-go does: from
// the dictionary page (else the first data page) to the end of the bytes
// the chunk's metadata gives it.
func checkChunk(r io.ReaderAt, size int64, md *format.ColumnMetaData) error {
	start := md.DataPageOffset
	if md.DictionaryPageOffset != 0 {
		start = md.DictionaryPageOffset
	}
	if start < 0 || md.TotalCompressedSize < 0 || start > size || md.TotalCompressedSize > size-start {
		return fmt.Errorf("column chunk of %d bytes at offset %d lies outside the file of %d bytes", md.TotalCompressedSize, start, size)
	}
	switch md.Codec {
	case format.Uncompressed, format.Snappy, format.Gzip, format.Brotli, format.Zstd, format.Lz4Raw:
	case format.Lz4:
		return errors.New("compressed with the deprecated LZ4 codec (Hadoop framing), which ctgit does not read: write the file with LZ4_RAW, ZSTD, Snappy or GZIP")
	default:
		return fmt.Errorf("compressed with %s, which ctgit does not read: write the file with ZSTD, Snappy, GZIP or LZ4_RAW", md.Codec)
	}
	counted := &countingReader{r: io.NewSectionReader(r, start, md.TotalCompressedSize)}
	buffered := bufio.NewReaderSize(counted, 4096)
	decoder := thrift.NewDecoder(new(thrift.CompactProtocol).NewReader(buffered))
	var payload, scratch []byte
	for page := 0; ; page++ {
		var h format.PageHeader
		if err := decoder.Decode(&h); err != nil {
			if errors.Is(err, io.EOF) && counted.n-int64(buffered.Buffered()) == md.TotalCompressedSize {
				return nil
			}
			return fmt.Errorf("page %d: reading its header: %w", page, err)
		}
		left := md.TotalCompressedSize - (counted.n - int64(buffered.Buffered()))
		if h.CompressedPageSize < 0 || h.UncompressedPageSize < 0 || int64(h.CompressedPageSize) > left {
			return fmt.Errorf("page %d: its header states %d bytes, %d uncompressed, with %d bytes left in the column chunk",
				page, h.CompressedPageSize, h.UncompressedPageSize, left)
		}
		if md.Codec == format.Uncompressed {
			if _, err := buffered.Discard(int(h.CompressedPageSize)); err != nil {
				return fmt.Errorf("page %d: %w", page, err)
			}
			continue
		}
		payload = slicesGrow(payload, int(h.CompressedPageSize))
		if _, err := io.ReadFull(buffered, payload); err != nil {
			return fmt.Errorf("page %d: %w", page, err)
		}
		data, want := payload, int64(h.UncompressedPageSize)
		if v2 := h.DataPageHeaderV2; v2.Valid {
			// Levels precede the values uncompressed; the values may be
			// stored uncompressed too.
			levels := int64(v2.V.RepetitionLevelsByteLength) + int64(v2.V.DefinitionLevelsByteLength)
			if v2.V.RepetitionLevelsByteLength < 0 || v2.V.DefinitionLevelsByteLength < 0 || levels > int64(len(data)) || levels > want {
				return fmt.Errorf("page %d: its levels of %d bytes do not fit in the page", page, levels)
			}
			if v2.V.IsCompressed.Valid && !v2.V.IsCompressed.V {
				continue
			}
			data, want = data[levels:], want-levels
		}
		var err error
		if scratch, err = checkDecompressed(md.Codec, data, want, scratch); err != nil {
			return fmt.Errorf("page %d: corrupt %s data: %w", page, md.Codec, err)
		}
	}
}

// checkDecompressed reports whether src, compressed with codec,
// decompresses to exactly want bytes, holding at most want bytes (and a
// codec's window) while finding out. Snappy and LZ4_RAW decompress into
// scratch, returned grown for the next page.
func checkDecompressed(codec format.CompressionCodec, src []byte, want int64, scratch []byte) ([]byte, error) {
	got, err := decompressedSize(codec, src, want, &scratch)
	if err != nil {
		return scratch, err
	}
	if got != want {
		return scratch, fmt.Errorf("decompresses to %d bytes, its header says %d", got, want)
	}
	return scratch, nil
}

// decompressedSize is how many bytes src decompresses to, at most want+1.
func decompressedSize(codec format.CompressionCodec, src []byte, want int64, scratch *[]byte) (int64, error) {
	var got int64
	switch codec {
	case format.Snappy:
		n, err := snappy.DecodedLen(src)
		if err != nil {
			return 0, err
		}
		if int64(n) > snappyMaxRatio*int64(len(src))+64 {
			return 0, fmt.Errorf("%d bytes cannot decompress to %d", len(src), n)
		}
		// Decode checks that the block fills exactly the length it states.
		*scratch = slicesGrow(*scratch, n)
		out, err := snappy.Decode(*scratch, src)
		if err != nil {
			return 0, err
		}
		got = int64(len(out))
	case format.Lz4Raw:
		if want > lz4MaxRatio*int64(len(src))+64 {
			return 0, fmt.Errorf("%d bytes cannot decompress to %d", len(src), want)
		}
		*scratch = slicesGrow(*scratch, int(want))
		n, err := lz4.UncompressBlock(src, *scratch)
		if err != nil {
			return 0, err
		}
		got = int64(n)
	case format.Gzip:
		zr, err := gzip.NewReader(bytes.NewReader(src))
		if err != nil {
			return 0, err
		}
		return io.Copy(io.Discard, io.LimitReader(zr, want+1))
	case format.Brotli:
		return io.Copy(io.Discard, io.LimitReader(brotli.NewReader(bytes.NewReader(src)), want+1))
	case format.Zstd:
		zr, err := zstd.NewReader(bytes.NewReader(src), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(max(uint64(want)+1, zstdMaxWindow)))
		if err != nil {
			return 0, err
		}
		defer zr.Close()
		return io.Copy(io.Discard, io.LimitReader(zr, want+1))
	}
	return got, nil
}

// slicesGrow returns b resized to n bytes, reusing its array when it can.
func slicesGrow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
