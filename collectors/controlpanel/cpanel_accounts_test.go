package controlpanel

import "testing"

func TestParseCPanelUserdata(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     CPanelDomain
	}{
		{"full", "---\ndocumentroot: /home/bob/public_html\nowner: root\nphpversion: ea-php74\nservername: example.com\nuser: bob\n",
			CPanelDomain{ServerName: "example.com", DocumentRoot: "/home/bob/public_html", User: "bob", Owner: "root", PHP: "ea-php74"}},
		{"quoted and cleaned", "documentroot: '/home/bob//public_html/'\nservername: \"example.com\"\n",
			CPanelDomain{ServerName: "example.com", DocumentRoot: "/home/bob/public_html"}},
		{"nested keys are not top level", "scriptalias:\n  - path: /home/x/cgi-bin\n    documentroot: /etc\nservername: a.example\n",
			CPanelDomain{ServerName: "a.example"}},
		{"implausible values dropped", "documentroot: relative/dir\nphpversion: ea-php74; rm -rf /\nservername: bad name\n", CPanelDomain{}},
		{"first value wins", "servername: a.example\nservername: b.example\n", CPanelDomain{ServerName: "a.example"}},
		{"not yaml", "\x00\x01\xff", CPanelDomain{}},
		{"empty", "", CPanelDomain{}},
	} {
		if got := ParseCPanelUserdata([]byte(c.in)); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestIsDomainFile(t *testing.T) {
	for name, want := range map[string]bool{
		"example.com": true, "addon.example.net": true,
		"example.com_SSL": false, "example.com.cache": false, "example.com.php-fpm.yaml": false,
		"main": false, "cache": false, "main.cache": false, ".hidden.example": false, "nodots": false,
	} {
		if got := isDomainFile(name); got != want {
			t.Errorf("isDomainFile(%q) = %v, want %v", name, got, want)
		}
	}
}

func FuzzParseCPanelUserdata(f *testing.F) {
	f.Add([]byte("documentroot: /home/bob/public_html\nphpversion: ea-php74\nservername: example.com\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := ParseCPanelUserdata(b)
		if d.DocumentRoot != "" && d.DocumentRoot[0] != '/' {
			t.Fatalf("relative document root %q", d.DocumentRoot)
		}
		if d.PHP != "" && !phpInstanceRE.MatchString(d.PHP) {
			t.Fatalf("bad php %q", d.PHP)
		}
	})
}
