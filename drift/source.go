package drift

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/drift/data"
)

// source is one sample (reference or current): every file its path or
// glob matches. Parquet files are read one column at a time, when a
// feature needs it, so memory holds the columns being tested rather than
// the whole sample; CSV and JSON Lines files are row-oriented and are
// read once, all wanted columns together, when the source opens.
type source struct {
	files []sourceFile
	sel   data.Selection
	// binnedFrom holds, for each current column kept as bin counts, the
	// reference column its edges were cut from (see openSources).
	binnedFrom map[string]*data.Column
}

// sourceFile is one file of a source.
type sourceFile struct {
	path string
	// Exactly one of parquet (lazy) and cols (read) is set.
	parquet *data.ParquetFile
	osFile  *os.File
	cols    map[string]*data.Column
	sel     data.Selection
}

// errNoFiles is returned when a source's path matches no file.
var errNoFiles = errors.New("no files match")

// openSource opens every file of s (relative paths are relative to
// baseDir), selecting the rows of the window (all rows when w is nil).
// want lists the columns the row-oriented formats read and how they keep
// them (values or counts).
func openSource(s config.Source, baseDir string, want map[string]data.Spec, w *data.Window) (*source, error) {
	pattern := s.Path
	if !filepath.IsAbs(pattern) {
		pattern = filepath.Join(baseDir, pattern)
	}
	paths, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Path, err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w %s", errNoFiles, s.Path)
	}
	sort.Strings(paths)
	src := &source{}
	for _, p := range paths {
		f, err := openFile(p, s.Format, want, w)
		if err != nil {
			src.close()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		src.files = append(src.files, f)
		sel := f.selection()
		src.sel.Rows += sel.Rows
		src.sel.Skipped += sel.Skipped
		src.sel.SkippedGroups += sel.SkippedGroups
	}
	return src, nil
}

// format is the file format of path: the configured one, or by extension
// for auto.
func format(path, configured string) string {
	if configured != "" && configured != "auto" {
		return configured
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet":
		return "parquet"
	case ".jsonl", ".ndjson":
		return "jsonl"
	}
	return "csv"
}

func openFile(path, configured string, want map[string]data.Spec, w *data.Window) (sourceFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return sourceFile{}, err
	}
	sf := sourceFile{path: path}
	switch format(path, configured) {
	case "parquet":
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return sf, err
		}
		p, err := data.OpenParquet(f, st.Size(), w)
		if err != nil {
			f.Close()
			return sf, err
		}
		sf.parquet, sf.osFile = p, f
		return sf, nil
	case "jsonl":
		sf.cols, sf.sel, err = data.ReadJSONLSpecs(f, want, w)
	default:
		// A column missing from the header fails only the features that
		// read it, as with Parquet, not the whole file.
		var present map[string]data.Spec
		if present, err = presentColumns(f, want); err == nil {
			sf.cols, sf.sel, err = data.ReadCSVSpecs(f, present, w)
		}
	}
	f.Close()
	return sf, err
}

// presentColumns returns the wanted columns a CSV file's header has, and
// rewinds the file.
func presentColumns(f *os.File, want map[string]data.Spec) (map[string]data.Spec, error) {
	header, err := csv.NewReader(bufio.NewReader(f)).Read()
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	present := map[string]data.Spec{}
	for _, h := range header {
		if k, ok := want[h]; ok {
			present[h] = k
		}
	}
	return present, nil
}

func (f sourceFile) selection() data.Selection {
	if f.parquet != nil {
		return f.parquet.Selection()
	}
	return f.sel
}

// column returns a column of the whole source (all files, in path order).
// It is safe for concurrent use; the columns of row-oriented files are
// shared and must not be modified.
func (s *source) column(name string, k data.Kind) (*data.Column, error) {
	if len(s.files) == 1 {
		return s.files[0].column(name, k)
	}
	cols := make([]*data.Column, len(s.files))
	for i, f := range s.files {
		c, err := f.column(name, k)
		if err != nil {
			return nil, err
		}
		cols[i] = c
	}
	return data.Merge(k, cols), nil
}

func (f sourceFile) column(name string, k data.Kind) (*data.Column, error) {
	if f.parquet != nil {
		c, err := f.parquet.ColumnSpec(name, data.Spec{Kind: k, Count: k == data.Categorical})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.path, err)
		}
		return c, nil
	}
	c, ok := f.cols[name]
	if !ok {
		return nil, fmt.Errorf("%s: column %q is not in the file", f.path, name)
	}
	return c, nil
}

// close closes the open Parquet files.
func (s *source) close() {
	for _, f := range s.files {
		if f.osFile != nil {
			f.osFile.Close()
		}
	}
}
