package grafana

import (
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestProvisioningFolder writes odd folder names into the provisioning
// file: it must stay valid YAML whose folder, after Grafana's
// environment-variable pass ("$$" is a literal "$"), is the name as
// written.
func TestProvisioningFolder(t *testing.T) {
	// recommendations-drift has no spec name, fraud-detection is named
	// payments-risk.
	for specName, example := range map[string]string{"": "recommendations-drift", "payments-risk": "fraud-detection"} {
		golden, err := os.ReadFile("../../testdata/golden/" + example + "/grafana/provisioning/dashboards.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if b, err := provisioningFile(specName, "vigil"); err != nil || string(b) != string(golden) {
			t.Errorf("spec name %q, default folder: %v\n%s\nwant\n%s", specName, err, b, golden)
		}
	}
	for _, folder := range []string{"-", "{{ $value }}", "$HOME", "${GF_FOLDER}", "a: b", "# x", "'q' \"d\"", "ML models", "null", "é 日本", "a\nb"} {
		b, err := provisioningFile("", folder)
		if err != nil {
			t.Fatalf("%q: %v", folder, err)
		}
		var p provisioning
		if err := yaml.Unmarshal(b, &p); err != nil {
			t.Fatalf("%q: not YAML: %v\n%s", folder, err, b)
		}
		if len(p.Providers) != 1 {
			t.Fatalf("%q: %d providers", folder, len(p.Providers))
		}
		if got := strings.ReplaceAll(p.Providers[0].Folder, "$$", "$"); got != folder {
			t.Errorf("folder %q reads back as %q", folder, got)
		}
	}
}
