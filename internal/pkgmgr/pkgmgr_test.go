package pkgmgr

import "testing"

// TestDetect: the first manager whose markers all exist is the host's,
// whatever else the root has.
func TestDetect(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		files []string
		want  string
	}{
		{"debian", []string{"/var/lib/dpkg/status", "/etc/apt"}, "apt"},
		{"debian with rpm and yum.conf", []string{"/var/lib/dpkg/status", "/etc/apt", "/etc/yum.conf", "/etc/dnf"}, "apt"},
		{"dpkg status without apt", []string{"/var/lib/dpkg/status", "/etc/yum.conf"}, "yum"},
		{"el9 with the compatibility yum.conf", []string{"/etc/dnf", "/etc/yum.conf"}, "dnf"},
		{"centos 7", []string{"/etc/yum.conf"}, "yum"},
		{"suse", []string{"/etc/zypp"}, "zypper"},
		{"alpine", []string{"/lib/apk/db/installed"}, "apk"},
		{"nothing", []string{"/etc/os-release"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			has := map[string]bool{}
			for _, f := range tt.files {
				has[f] = true
			}
			m, ok := Detect(func(p string) bool { return has[p] })
			if m.Name != tt.want || ok != (tt.want != "") {
				t.Errorf("Detect = %q, %v; want %q", m.Name, ok, tt.want)
			}
		})
	}
}

// TestDescriptorsComplete: every descriptor says everything the collector
// and the rules read from it, and names are unique.
func TestDescriptorsComplete(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, m := range Managers {
		if seen[m.Name] {
			t.Errorf("%s described twice", m.Name)
		}
		seen[m.Name] = true
		if m.Name == "" || m.Binary == "" || len(m.Markers) == 0 || len(m.Metadata) == 0 ||
			m.Upgrade == "" || m.Refresh == "" {
			t.Errorf("%s: incomplete descriptor %+v", m.Name, m)
		}
		if got, ok := Get(m.Name); !ok || got.Name != m.Name {
			t.Errorf("Get(%q) = %+v, %v", m.Name, got, ok)
		}
	}
	if _, ok := Get("pacman"); ok {
		t.Error("Get found an undescribed manager")
	}
}
