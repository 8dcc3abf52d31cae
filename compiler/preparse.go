package compiler

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
)

// preparser parses a spec's .cue files on several goroutines for
// cue/load, which otherwise parses them one after another while holding
// its file cache's lock. It is installed as load.Config.ParseFile.
//
// cue/load parses each file once per parser configuration (an
// imports-only pass, then the full parse) and in a fixed order. When it
// asks for a second file with the same full-parse configuration, the
// preparser starts workers that read and parse every remaining file of
// the spec with that configuration; later requests take the ready
// result. Partial parses (package clause or imports only) cost less than
// reading the file again, so they are left to cue/load. A
// result is used only when the bytes the workers read are exactly those
// cue/load passes in, so the syntax trees and syntax errors are the same
// as parsing in sequence; anything else (another file, other bytes, a
// configuration seen once) is parsed on the spot.
type preparser struct {
	names []string       // absolute file names, in load order
	index map[string]int // name -> position in names

	mu      sync.Mutex
	batches map[parser.Config]*parseBatch
	stopped atomic.Bool
	wg      sync.WaitGroup
}

// parseBatch is the concurrent parse of every file for one parser
// configuration.
type parseBatch struct {
	cfg     parser.Config
	started bool
	next    atomic.Int64 // next entry for a worker to consider
	entries []parseEntry
}

// parseEntry is one file's parse. Whoever claims it (a worker or a
// request that finds it unclaimed) parses the file and closes done; a
// worker's result (ok) goes to the first request that takes it.
type parseEntry struct {
	claimed atomic.Bool
	taken   atomic.Bool
	done    chan struct{}
	src     []byte
	file    *ast.File
	err     error
	ok      bool // src was read and file, err hold its parse
}

// newPreparser returns a preparser for the given .cue files (absolute
// paths), or nil when there are too few for concurrency to help.
func newPreparser(files []string) *preparser {
	if len(files) < 2 || runtime.GOMAXPROCS(0) < 2 {
		return nil
	}
	p := &preparser{names: files, index: make(map[string]int, len(files)), batches: map[parser.Config]*parseBatch{}}
	for i, f := range files {
		p.index[f] = i
	}
	return p
}

// cueFilesIn lists the .cue files that cue/load reads from a package
// directory: regular files not starting with "." or "_", by name.
func cueFilesIn(dir string) []string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") || filepath.Ext(n) != ".cue" {
			continue
		}
		out = append(out, filepath.Join(dir, n))
	}
	return out
}

// parseFile implements load.Config.ParseFile.
func (p *preparser) parseFile(name string, src any, cfg parser.Config) (*ast.File, error) {
	b, isBytes := src.([]byte)
	i, known := p.index[name]
	if !isBytes || !known || cfg.Mode&(parser.PackageClauseOnly|parser.ImportsOnly) != 0 || p.stopped.Load() {
		return parser.ParseFile(name, src, cfg)
	}
	p.mu.Lock()
	bt := p.batches[cfg]
	first := bt == nil
	if first {
		// The first request with this configuration: it may be the
		// only one, so parse it here and start no workers yet.
		bt = &parseBatch{cfg: cfg, entries: make([]parseEntry, len(p.names))}
		for j := range bt.entries {
			bt.entries[j].done = make(chan struct{})
		}
		p.batches[cfg] = bt
	}
	e := &bt.entries[i]
	mine := e.claimed.CompareAndSwap(false, true)
	if !first && !bt.started {
		bt.started = true
		p.start(bt)
	}
	p.mu.Unlock()

	if mine {
		close(e.done) // nothing to take: a repeated request parses too
		return parser.ParseFile(name, src, cfg)
	}
	<-e.done
	if !e.ok || e.taken.Swap(true) {
		return parser.ParseFile(name, src, cfg)
	}
	f, err, read := e.file, e.err, e.src
	e.src, e.file, e.err = nil, nil, nil
	if !bytes.Equal(read, b) {
		return parser.ParseFile(name, src, cfg)
	}
	return f, err
}

// start runs the workers of bt. p.mu is held.
func (p *preparser) start(bt *parseBatch) {
	n := min(runtime.GOMAXPROCS(0), len(p.names))
	p.wg.Add(n)
	for range n {
		go func() {
			defer p.wg.Done()
			for !p.stopped.Load() {
				j := int(bt.next.Add(1) - 1)
				if j >= len(bt.entries) {
					return
				}
				e := &bt.entries[j]
				if !e.claimed.CompareAndSwap(false, true) {
					continue
				}
				if src, err := os.ReadFile(p.names[j]); err == nil {
					e.src = src
					e.file, e.err = parser.ParseFile(p.names[j], src, bt.cfg)
					e.ok = true
				}
				close(e.done)
			}
		}()
	}
}

// stop ends the workers and waits for them. Requests after stop parse
// on the spot.
func (p *preparser) stop() {
	if p == nil {
		return
	}
	p.stopped.Store(true)
	p.wg.Wait()
}
