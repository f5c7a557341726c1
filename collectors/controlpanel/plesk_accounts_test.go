package controlpanel

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/collectortest"
	"github.com/demarc/demarc/report"
)

func TestParsePleskVhost(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     PleskVhost
	}{
		{"generated", "<VirtualHost 203.0.113.10:7080 >\n\tServerName \"a.example\"\n\tDocumentRoot \"/var/www/vhosts/a.example/httpdocs\"\n" +
			"\t<IfModule mod_suexec.c>\n\t\tSuexecUserGroup \"a.example_bc8fzauq68v\" \"psacln\"\n\t</IfModule>\n",
			PleskVhost{DocumentRoot: "/var/www/vhosts/a.example/httpdocs", User: "a.example_bc8fzauq68v"}},
		{"unquoted, tabs, case", "documentroot\t/var/www/vhosts/a.example//public/\nSUEXECUSERGROUP   alice psacln\n",
			PleskVhost{DocumentRoot: "/var/www/vhosts/a.example/public", User: "alice"}},
		{"first wins", "DocumentRoot /srv/one\nDocumentRoot /srv/two\nSuexecUserGroup u1 g\nSuexecUserGroup u2 g\n",
			PleskVhost{DocumentRoot: "/srv/one", User: "u1"}},
		{"a quoted user with a space is refused", "SuexecUserGroup \"bad user\" psacln\n", PleskVhost{}},
		{"unclosed quote", "DocumentRoot \"/var/www/vhosts/a.example\nSuexecUserGroup \"alice psacln\n", PleskVhost{}},
		{"relative root and junk user", "DocumentRoot relative/dir\nSuexecUserGroup $(id) psacln\n", PleskVhost{}},
		{"directive without argument", "DocumentRoot\nSuexecUserGroup \"\" psacln\n", PleskVhost{}},
		{"other directives only", "ServerName \"a.example\"\nCustomLog /var/www/vhosts/system/a.example/logs/access_log plesklog\n", PleskVhost{}},
		{"binary", "\x00\x01\xff", PleskVhost{}},
		{"empty", "", PleskVhost{}},
	} {
		if got := ParsePleskVhost([]byte(c.in)); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestParsePleskPool(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     PleskPool
	}{
		{"generated", "; ATTENTION!\n;\n[a.example]\n; Don't override following options\nprefix = /var/www/vhosts/system/$pool\nuser = alice\ngroup = psacln\nlisten = php-fpm.sock\n",
			PleskPool{Name: "a.example", User: "alice"}},
		{"no user", "[a.example]\nprefix = /var/www/vhosts/system/$pool\ngroup = psacln\n", PleskPool{Name: "a.example"}},
		{"quoted, spaced", "  [xn--bcher-kva.example]  \n  user=\"bob\"  \n", PleskPool{Name: "xn--bcher-kva.example", User: "bob"}},
		{"only the first section", "[a.example]\ngroup = psacln\n[b.example]\nuser = mallory\n", PleskPool{Name: "a.example"}},
		{"keys before a section are not the pool's", "user = mallory\n[a.example]\n", PleskPool{Name: "a.example"}},
		{"not a domain pool", "[www]\nuser = www-data\n", PleskPool{User: "www-data"}},
		{"commented and prefixed keys", "[a.example]\n;user = mallory\nlisten.owner = root\nusers = x\nuser = $pool\n", PleskPool{Name: "a.example"}},
		{"unclosed section", "[a.example\nuser = alice\n", PleskPool{User: "alice"}},
		{"binary", "\x00\x01\xff", PleskPool{}},
		{"empty", "", PleskPool{}},
	} {
		if got := ParsePleskPool([]byte(c.in)); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func FuzzParsePleskFiles(f *testing.F) {
	f.Add([]byte("[a.example]\nuser = alice\nDocumentRoot \"/var/www/vhosts/a.example/httpdocs\"\nSuexecUserGroup \"alice\" \"psacln\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v := ParsePleskVhost(b)
		if v.DocumentRoot != "" && v.DocumentRoot[0] != '/' {
			t.Fatalf("relative document root %q", v.DocumentRoot)
		}
		for _, u := range []string{v.User, ParsePleskPool(b).User} {
			if u != "" && !pleskUserRE.MatchString(u) {
				t.Fatalf("bad user %q", u)
			}
		}
		if n := ParsePleskPool(b).Name; n != "" && !pleskDomainRE.MatchString(n) {
			t.Fatalf("bad pool name %q", n)
		}
	})
}

// writePleskDomain writes a domain's Apache configuration (naming user)
// and its pool in Plesk's PHP 8.3 under root.
func writePleskDomain(t *testing.T, root, domain, user string) {
	t.Helper()
	files := map[string]string{
		"var/www/vhosts/system/" + domain + "/conf/httpd.conf": fmt.Sprintf("DocumentRoot \"/var/www/vhosts/%s/httpdocs\"\nSuexecUserGroup \"%s\" \"psacln\"\n", domain, user),
		"opt/plesk/php/8.3/etc/php-fpm.d/" + domain + ".conf":  fmt.Sprintf("[%s]\nuser = %s\n", domain, user),
	}
	for p, s := range files {
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPleskAccountDomainBound: a subscription with more domains than
// report.MaxAccountDomains is listed with the first MaxAccountDomains, by
// name, and a note; another subscription on the server is unaffected.
func TestPleskAccountDomainBound(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	root := filepath.Join(dir, "rootfs")
	for i := 0; i <= report.MaxAccountDomains; i++ {
		writePleskDomain(t, root, fmt.Sprintf("d%04d.example.com", i), "big")
	}
	writePleskDomain(t, root, "small.example.net", "small")
	c, _ := newCase(t, dir)
	a := &collectors.Recorder{}
	accts := c.pleskAccounts(a)
	if len(accts) != 2 || accts[0].User != "big" || accts[1].User != "small" {
		t.Fatalf("accounts %+v", accts)
	}
	big := accts[0].Domains
	if len(big) != report.MaxAccountDomains || big[0].Name != "d0000.example.com" || big[len(big)-1].Name != "d0999.example.com" {
		t.Errorf("big: %d domains, %s…%s", len(big), big[0].Name, big[len(big)-1].Name)
	}
	if big[0].PHP != "plesk-php83" || big[0].DocumentRoot != "/var/www/vhosts/d0000.example.com/httpdocs" {
		t.Errorf("big's first domain %+v", big[0])
	}
	if len(accts[1].Domains) != 1 {
		t.Errorf("small: %+v", accts[1].Domains)
	}
	notes := strings.Join(a.Result().Notes, "\n")
	if !strings.Contains(notes, fmt.Sprintf("Plesk system user big: more than %d domains", report.MaxAccountDomains)) {
		t.Errorf("no bound note in %q", notes)
	}
}

// TestSubdirsBound: the listing of per-domain (or per-account)
// directories stops at its bound with a note, skipping files and hidden
// directories; an absent directory is nothing, silently.
func TestSubdirsBound(t *testing.T) {
	t.Parallel()
	root := collectortest.Root(t, map[string]string{
		"var/www/vhosts/system/a.example/conf/httpd.conf": "", "var/www/vhosts/system/b.example/conf/httpd.conf": "",
		"var/www/vhosts/system/c.example/conf/httpd.conf": "", "var/www/vhosts/system/d.example/conf/httpd.conf": "",
		"var/www/vhosts/system/.skel/x": "", "var/www/vhosts/system/0file": "",
	})
	c := New(collectors.Deps{Root: root})
	a := &collectors.Recorder{}
	got := c.subdirs(a, pleskVhostsSystem, 3, "domains")
	if strings.Join(got, " ") != "a.example b.example c.example" {
		t.Errorf("got %q", got)
	}
	if n := a.Result().Notes; len(n) != 1 || !strings.Contains(n[0], "more than 3 domains") {
		t.Errorf("notes %q", n)
	}
	a = &collectors.Recorder{}
	if got := c.subdirs(a, "/var/www/vhosts/absent", 3, "domains"); got != nil || len(a.Result().Notes) != 0 {
		t.Errorf("absent dir: %q, notes %q", got, a.Result().Notes)
	}
}
