package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/vigil-dev/vigil/semdiff"
)

// compileRevision compiles the spec as it is at git revision rev: the
// revision's tree is extracted (git archive) into a temporary directory,
// removed afterwards, and the spec paths are mapped into it relative to
// the repository root.
func compileRevision(g *globals, rev string, args []string, stdout, stderr io.Writer) (semdiff.Side, error) {
	if rev == "" || strings.HasPrefix(rev, "-") {
		return semdiff.Side{}, usageErr("--base %q: not a git revision", rev)
	}
	cwd, err := workingDir()
	if err != nil {
		return semdiff.Side{}, &exitError{exitUsage, err}
	}
	top, err := git(cwd, nil, "rev-parse", "--show-toplevel")
	if err != nil {
		return semdiff.Side{}, usageErr("--base needs a git repository, and %s is not inside one (%v); use --base-dir to compare with a directory", cwd, err)
	}
	if top, err = filepath.EvalSymlinks(strings.TrimSpace(top)); err != nil {
		return semdiff.Side{}, &exitError{exitUsage, err}
	}
	commit, err := git(cwd, nil, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		return semdiff.Side{}, usageErr("--base %s: unknown git revision", rev)
	}
	tmp, err := os.MkdirTemp("", "vigil-diff-")
	if err != nil {
		return semdiff.Side{}, &exitError{exitUsage, err}
	}
	defer os.RemoveAll(tmp)
	var archive bytes.Buffer
	if _, err := git(top, &archive, "archive", "--format=tar", strings.TrimSpace(commit)); err != nil {
		return semdiff.Side{}, usageErr("--base %s: %v", rev, err)
	}
	if err := untar(&archive, tmp); err != nil {
		return semdiff.Side{}, usageErr("--base %s: extracting the tree: %v", rev, err)
	}
	return compileMirror(g, top, tmp, args, "--base "+rev, stdout, stderr)
}

// git runs git in dir. Its standard output goes to out when out is set,
// else it is returned; a failure returns git's standard error.
func git(dir string, out io.Writer, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if out != nil {
		cmd.Stdout = out
	}
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if msg := strings.TrimSpace(stderr.String()); msg != "" {
				return "", errors.New(msg)
			}
		}
		return "", fmt.Errorf("git %s: %w", args[0], err)
	}
	return stdout.String(), nil
}

// untar extracts a tar stream from git archive into dir: directories,
// regular files and symbolic links, nothing outside dir.
func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.FromSlash(h.Name)
		if !filepath.IsLocal(name) {
			if h.Typeflag == tar.TypeXGlobalHeader {
				continue
			}
			return fmt.Errorf("unsafe path %q in archive", h.Name)
		}
		p := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			err = writeFrom(p, tr, os.FileMode(h.Mode).Perm()|0o600)
		case tar.TypeSymlink:
			if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
				err = os.Symlink(h.Linkname, p)
			}
		}
		if err != nil {
			return err
		}
	}
}

func writeFrom(p string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
