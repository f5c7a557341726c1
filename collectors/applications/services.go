package applications

import (
	"regexp"
	"strings"

	"github.com/demarc/demarc/internal/pkgdb"
	"github.com/demarc/demarc/report"
)

// service is a product found by package name, else by its binary. Only
// server packages count: RPM's "mariadb" and "openssh" are the client and
// common packages.
type service struct {
	product string
	// packages are tried in order; the first installed one answers.
	packages []string
	// binaries are version commands tried in order when no package
	// answered, with the parser of their output.
	binaries [][]string
	parse    func(string) (BinaryVersion, error)
}

var (
	mariadb = service{product: "mariadb",
		packages: []string{"mariadb-server", "MariaDB-server", "mariadb-server-core"}}
	mysql = service{product: "mysql",
		packages: []string{"mysql-server", "mysql-community-server", "mysql-server-core", "percona-server-server"}}
	nginx = service{product: "nginx",
		packages: []string{"nginx", "nginx-core", "nginx-full", "nginx-light", "nginx-extras", "ea-nginx", "sw-nginx"},
		binaries: [][]string{{"nginx", "-v"}}, parse: ParseNginxVersion}
	apache = service{product: "apache-http-server",
		packages: []string{"apache2", "httpd", "ea-apache24", "apache2-bin"},
		binaries: [][]string{{"httpd", "-v"}, {"apache2", "-v"}}, parse: ParseApacheVersion}
	openssh = service{product: "openssh",
		packages: []string{"openssh-server"},
		binaries: [][]string{{"sshd", "-V"}}, parse: ParseSSHVersion}
)

// versioned matches versioned package names of a product
// ("mariadb-server-10.3", "mysql-server-8.0") tried after the exact names.
var versioned = map[string]*regexp.Regexp{
	"mariadb": regexp.MustCompile(`^mariadb-server-[0-9]+\.[0-9]+$`),
	"mysql":   regexp.MustCompile(`^mysql-server-[0-9]+\.[0-9]+$`),
}

// find returns the product's component from the package database.
func (s *state) find(svc service) (report.Component, bool, bool) {
	for _, name := range svc.packages {
		if p, ok := s.Pkg(name); ok {
			comp, ok := s.PackageComponent(svc.product, p)
			return comp, ok, true
		}
	}
	if re := versioned[svc.product]; re != nil && s.Packages() != nil {
		prefix, _, _ := strings.Cut(svc.packages[0], "-")
		for _, p := range s.Packages().WithPrefix(prefix) {
			if re.MatchString(p.Name) {
				comp, ok := s.PackageComponent(svc.product, p)
				return comp, ok, true
			}
		}
	}
	return report.Component{}, false, false
}

// simple reports a product: package database first, binaries second.
func (s *state) simple(svc service) {
	comp, ok, listed := s.find(svc)
	if !listed {
		for _, argv := range svc.binaries {
			if comp, ok = s.fromBinary(svc.parse, argv...); ok {
				break
			}
		}
	}
	if ok {
		s.Add(comp)
	}
}

func (s *state) webServers() { s.simple(nginx); s.simple(apache) }

func (s *state) openssh() { s.simple(openssh) }

// databases reports MySQL and MariaDB. Their binaries share a name, so
// `mariadbd|mysqld --version` runs once, when the package database lists
// neither, and its output says which it is.
func (s *state) databases() {
	found := false
	for _, svc := range []service{mariadb, mysql} {
		comp, ok, listed := s.find(svc)
		if !listed && svc.product == "mariadb" {
			comp, ok, listed = s.suseMariaDB()
		}
		found = found || listed
		if ok {
			s.Add(comp)
		}
	}
	if found {
		return
	}
	for _, bin := range []string{"mariadbd", "mysqld"} {
		if comp, ok := s.fromBinary(ParseMysqldVersion, bin, "--version"); ok {
			s.Add(comp)
			return
		}
	}
}

// suseMariaDB finds SUSE's MariaDB server, which SUSE names "mariadb"
// with its client in "mariadb-client"; on the RHEL family "mariadb" is the
// client itself (no "mariadb-client" exists there), so it only counts
// beside one.
func (s *state) suseMariaDB() (report.Component, bool, bool) {
	p, ok := s.Pkg("mariadb")
	if _, client := s.Pkg("mariadb-client"); !ok || !client {
		return report.Component{}, false, false
	}
	comp, ok := s.PackageComponent("mariadb", p)
	return comp, ok, true
}

var (
	debPostgres  = regexp.MustCompile(`^postgresql-([0-9]{1,3})$`)
	pgdgPostgres = regexp.MustCompile(`^postgresql([0-9]{1,3})-server$`)
	// pgGlobs find PostgreSQL's server binaries (Debian's per-major
	// directories, PGDG's on RPM hosts).
	pgGlobs  = []string{"/usr/lib/postgresql/*/bin/postgres", "/usr/pgsql-*/bin/postgres"}
	pgBinary = regexp.MustCompile(`^/usr/(?:lib/postgresql/([0-9]{1,3})/bin|pgsql-([0-9]{1,3})/bin)/postgres$`)
)

// postgresql reports every PostgreSQL server: Debian's postgresql-NN
// (clusters of several majors side by side), PGDG's postgresqlNN-server,
// the distribution's postgresql-server; else each server binary found.
// details.instance is the package name, or "postgresql-NN" for a binary.
func (s *state) postgresql() {
	var pkgs []pkgdb.Package
	if s.Packages() != nil {
		for _, p := range s.Packages().WithPrefix("postgresql") {
			if debPostgres.MatchString(p.Name) || pgdgPostgres.MatchString(p.Name) || p.Name == "postgresql-server" {
				pkgs = append(pkgs, p)
			}
		}
	}
	for _, p := range pkgs {
		if comp, ok := s.PackageComponent("postgresql", p); ok {
			comp.Details["instance"] = p.Name
			s.Add(comp)
		}
	}
	if len(pkgs) > 0 {
		return
	}
	var bins []string
	for _, g := range pgGlobs {
		paths, _ := s.c.deps.Root.Glob(g)
		bins = append(bins, paths...)
	}
	if len(bins) == 0 {
		bins = []string{"postgres"}
	}
	for _, bin := range bins {
		comp, ok := s.fromBinary(ParsePostgresVersion, bin, "--version")
		if !ok {
			continue
		}
		comp.Details["instance"] = "postgresql"
		if m := pgBinary.FindStringSubmatch(bin); m != nil {
			comp.Details["instance"] = "postgresql-" + m[1] + m[2]
		}
		s.Add(comp)
	}
}
