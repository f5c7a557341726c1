package osinfo

import (
	"slices"
	"testing"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/collectortest"
)

func TestReadChannels(t *testing.T) {
	const lists = "var/lib/apt/lists/"
	for _, c := range []struct {
		name  string
		id    string
		files map[string]string
		want  []string
		known bool
	}{
		{"attached, both", "ubuntu", map[string]string{
			lists + "archive.ubuntu.com_ubuntu_dists_bionic_InRelease":                  "x",
			lists + "esm.ubuntu.com_infra_ubuntu_dists_bionic-infra-security_InRelease": "x",
			lists + "esm.ubuntu.com_apps_ubuntu_dists_bionic-apps-updates_InRelease":    "x",
			lists + "esm.ubuntu.com_apps_ubuntu_dists_bionic-apps-security_InRelease":   "x",
		}, []string{"esm-apps", "esm-infra"}, true},
		{"not attached", "ubuntu", map[string]string{lists + "archive.ubuntu.com_ubuntu_dists_bionic_InRelease": "x"}, nil, true},
		// A Packages file alone is not a fetched release file.
		{"no release files", "ubuntu", map[string]string{lists + "esm.ubuntu.com_infra_ubuntu_dists_bionic-infra-security_main_binary-amd64_Packages": "x"}, nil, false},
		{"another OS", "debian", map[string]string{lists + "esm.ubuntu.com_infra_ubuntu_dists_bionic-infra-security_InRelease": "x"}, nil, false},
	} {
		got, known := readChannels(collectortest.Root(t, c.files), c.id, &collectors.Recorder{})
		if !slices.Equal(got, c.want) || known != c.known {
			t.Errorf("%s: got %q %v, want %q %v", c.name, got, known, c.want, c.known)
		}
	}
}
