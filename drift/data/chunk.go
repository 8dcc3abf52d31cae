package data

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"sync"
)

// chunkSize is the size of the chunks of records a CSV file is cut into:
// large enough that a chunk's fixed costs (a csv.Reader, a batch's
// columns) are small next to its records, small enough that the chunks
// in flight (two per worker) hold little memory. (A variable so that
// tests can cut small files into many chunks.)
var chunkSize = 1 << 20

// chunk is a run of whole CSV records: data starts at a record's first
// byte and ends after a record's line break (or at the end of the file),
// and lines is the number of line breaks before it in the file, so that
// line n of the chunk is line lines+n of the file.
type chunk struct {
	data  []byte
	lines int
	buf   *[]byte // returned to chunkPool by release
}

var chunkPool = sync.Pool{New: func() any { b := make([]byte, 0, chunkSize+chunkSize/4); return &b }}

// release returns the chunk's buffer for reuse; data is invalid after.
func (c chunk) release() {
	if c.buf != nil && cap(*c.buf) <= 4*chunkSize {
		chunkPool.Put(c.buf)
	}
}

// shift moves the line numbers of a csv.ParseError from the chunk's to
// the file's.
func (c chunk) shift(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		shifted := *pe
		shifted.StartLine += c.lines
		shifted.Line += c.lines
		return &shifted
	}
	return err
}

// chunker cuts a CSV file's records into chunks. A line break ends a
// record unless it lies inside a quoted field, which is the case exactly
// when an odd number of quotes precede it in the chunk: in CSV that
// encoding/csv accepts (LazyQuotes off), quotes only open and close
// quoted fields or appear doubled inside them, so their parity is the
// in-quotes state. On a file encoding/csv rejects, the cut may fall
// inside a record, but only after the first malformed quote, where the
// chunk's csv.Reader reports the same error the file's reader would;
// chunks after it are never used (the first error in file order wins).
type chunker struct {
	r     io.Reader
	lines int
	rest  []byte // read past the last cut
	eof   bool
}

func newChunker(r io.Reader, lines int) *chunker {
	return &chunker{r: r, lines: lines}
}

// next returns the next chunk, io.EOF after the last, or a read error.
func (c *chunker) next() (chunk, int, error) {
	if c.eof && len(c.rest) == 0 {
		return chunk{}, 0, io.EOF
	}
	bp := chunkPool.Get().(*[]byte)
	buf := append((*bp)[:0], c.rest...)
	want := chunkSize
	for {
		for !c.eof && len(buf) < want {
			if len(buf) == cap(buf) {
				buf = append(buf, 0)[:len(buf)]
			}
			n, err := c.r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if err == io.EOF {
				c.eof = true
			} else if err != nil {
				return chunk{}, 0, err
			}
		}
		cut := len(buf)
		if !c.eof {
			cut = lastRecordEnd(buf)
		}
		if cut > 0 {
			c.rest = append(c.rest[:0], buf[cut:]...)
			*bp = buf
			ch := chunk{data: buf[:cut], lines: c.lines, buf: bp}
			c.lines += bytes.Count(ch.data, []byte{'\n'})
			return ch, ch.lines, nil
		}
		if c.eof {
			*bp = buf
			return chunk{}, 0, io.EOF // only an empty rest was left
		}
		want = 2 * len(buf) // one record longer than the buffer: read on
	}
}

// lastRecordEnd is the offset after the last line break of b outside
// quotes (b starting outside quotes), or 0.
func lastRecordEnd(b []byte) int {
	if bytes.IndexByte(b, '"') < 0 {
		return bytes.LastIndexByte(b, '\n') + 1
	}
	end, quoted := 0, false
	for i, x := range b {
		switch x {
		case '"':
			quoted = !quoted
		case '\n':
			if !quoted {
				end = i + 1
			}
		}
	}
	return end
}
