package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckAuth checks that vigil check sends the credentials from the
// files: a server that accepts only them answers (an empty server, so
// every metric is missing: exit 1); without them or with wrong ones it
// refuses (exit 2).
func TestCheckAuth(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, basic := r.BasicAuth()
		if r.Header.Get("Authorization") != "Bearer s3cret" && !(basic && user == "ops" && pass == "pa:ss") {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/metadata"):
			w.Write([]byte(`{"status":"success","data":{}}`))
		default:
			w.Write([]byte(`{"status":"success","data":[]}`))
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, bad := write("token", "s3cret\n"), write("bad", "nope")
	pw := write("pw", "pa:ss")
	spec := "../../examples/fraud-detection"
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"bearer", []string{"--bearer-token-file", good}, 1},
		{"wrong bearer", []string{"--bearer-token-file", bad}, 2},
		{"basic", []string{"--basic-auth-user", "ops", "--basic-auth-password-file", pw}, 1},
		{"wrong user", []string{"--basic-auth-user", "root", "--basic-auth-password-file", pw}, 2},
		{"none", nil, 2},
	} {
		var out, errb bytes.Buffer
		args := append([]string{"check", "--prometheus", srv.URL, spec}, c.args...)
		code := run(context.Background(), args, &out, &errb)
		if code != c.code {
			t.Errorf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", c.name, code, c.code, out.String(), errb.String())
		}
		if c.code == 1 && !strings.Contains(out.String(), "missing-metric: metric model_requests_total") {
			t.Errorf("%s: stdout does not name the missing request counter:\n%s", c.name, out.String())
		}
		if c.code == 2 && !strings.Contains(errb.String(), "401") {
			t.Errorf("%s: stderr does not say the server refused:\n%s", c.name, errb.String())
		}
	}
}
