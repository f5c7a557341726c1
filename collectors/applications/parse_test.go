package applications

import (
	"errors"
	"strings"
	"testing"

	"github.com/demarc/demarc/internal/pkgver"
)

var junk = []string{"", "\n", "\x00\x01\x02\xff\xfe", strings.Repeat("A", 2<<20), "PHP", "nginx version:", "Ver  for", "Server version: Apache/"}

func isBad(err error) bool {
	return errors.Is(err, ErrUnrecognized) || errors.Is(err, pkgver.ErrInvalid)
}

func TestParsers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		parse func(string) (BinaryVersion, error)
		in    string
		want  BinaryVersion
	}{
		{"php", ParsePHPVersion, "PHP 8.3.14 (cli) (built: Nov 19 2024 15:14:35) (NTS)\nCopyright (c) The PHP Group\n", BinaryVersion{"php", "8.3.14", "8.3.14"}},
		{"php ubuntu", ParsePHPVersion, "PHP 8.1.2-1ubuntu2.19 (cli) (built: Sep 30 2024 16:25:25) (NTS)", BinaryVersion{"php", "8.1.2", "8.1.2-1ubuntu2.19"}},
		{"php 5.6", ParsePHPVersion, "PHP 5.6.40 (cli) (built: Jan 12 2019 13:11:08)\nCopyright (c) 1997-2016 The PHP Group", BinaryVersion{"php", "5.6.40", "5.6.40"}},
		{"php rc", ParsePHPVersion, "PHP 8.4.0RC1 (cli) (built: Sep 24 2024 12:00:00) (NTS)", BinaryVersion{"php", "8.4.0RC1", "8.4.0RC1"}},
		{"nginx", ParseNginxVersion, "nginx version: nginx/1.22.1\n", BinaryVersion{"nginx", "1.22.1", "1.22.1"}},
		{"openresty", ParseNginxVersion, "nginx version: openresty/1.21.4.1\n", BinaryVersion{"nginx", "1.21.4.1", "1.21.4.1"}},
		{"mariadb", ParseMysqldVersion, "mysqld  Ver 10.11.6-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)", BinaryVersion{"mariadb", "10.11.6", "10.11.6-MariaDB-0+deb12u1"}},
		{"mariadbd 11", ParseMysqldVersion, "mariadbd  Ver 11.4.2-MariaDB for Linux on x86_64 (MariaDB Server)", BinaryVersion{"mariadb", "11.4.2", "11.4.2-MariaDB"}},
		{"mysql", ParseMysqldVersion, "/usr/sbin/mysqld  Ver 8.0.39-0ubuntu0.22.04.1 for Linux on x86_64 ((Ubuntu))", BinaryVersion{"mysql", "8.0.39", "8.0.39-0ubuntu0.22.04.1"}},
		{"mysql 5.7", ParseMysqldVersion, "mysqld  Ver 5.7.44 for Linux on x86_64 (MySQL Community Server (GPL))", BinaryVersion{"mysql", "5.7.44", "5.7.44"}},
		{"postgres", ParsePostgresVersion, "postgres (PostgreSQL) 15.10 (Debian 15.10-0+deb12u1)", BinaryVersion{"postgresql", "15.10", "15.10"}},
		{"httpd", ParseApacheVersion, "Server version: Apache/2.4.57 (Red Hat Enterprise Linux)\nServer built:   Aug  5 2024 00:00:00", BinaryVersion{"apache-http-server", "2.4.57", "2.4.57"}},
		{"sshd", ParseSSHVersion, "OpenSSH_9.6p1 Ubuntu-3ubuntu13.5, OpenSSL 3.0.13 30 Jan 2024", BinaryVersion{"openssh", "9.6p1", "9.6p1"}},
		{"old sshd", ParseSSHVersion, "sshd: illegal option -- V\nOpenSSH_7.4p1, OpenSSL 1.0.2k-fips  26 Jan 2017\nusage: sshd [-46DdeiqTt]", BinaryVersion{"openssh", "7.4p1", "7.4p1"}},
	} {
		got, err := tc.parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
}

func TestParsersReject(t *testing.T) {
	bad := map[string][]string{
		"php":      {"PHP 8.x (cli)", "PHP 9999999999999999999.1 (cli)", "PHP 8.3.14"},
		"nginx":    {"nginx version: nginx/", "nginx version: nginx/1.x"},
		"mysqld":   {"mysqld  Ver 11.x for Linux", "Ver"},
		"postgres": {"postgres (PostgreSQL) x.y", "psql (PostgreSQL) 15.10"},
		"apache":   {"Server version: Apache/2.x (Unix)"},
		"sshd":     {"OpenSSH_x.yp1", "OpenSSH_9999999999999999999p1, OpenSSL"},
	}
	parsers := map[string]func(string) (BinaryVersion, error){
		"php": ParsePHPVersion, "nginx": ParseNginxVersion, "mysqld": ParseMysqldVersion,
		"postgres": ParsePostgresVersion, "apache": ParseApacheVersion, "sshd": ParseSSHVersion,
	}
	for name, parse := range parsers {
		for _, in := range append(junk, bad[name]...) {
			if _, err := parse(in); !isBad(err) {
				t.Errorf("%s(%.40q) = %v; want rejected", name, in, err)
			}
		}
	}
}

func fuzzParser(f *testing.F, parse func(string) (BinaryVersion, error), seeds ...string) {
	for _, s := range append(seeds, "", "\xff", "11.x") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := parse(s); err == nil && !pkgver.Valid(v.Version) {
			t.Fatalf("invalid version %q accepted from %q", v.Version, s)
		}
	})
}

func FuzzParsePHPVersion(f *testing.F) {
	fuzzParser(f, ParsePHPVersion, "PHP 8.3.14 (cli) (built: Nov 19 2024 15:14:35) (NTS)")
}

func FuzzParseNginxVersion(f *testing.F) {
	fuzzParser(f, ParseNginxVersion, "nginx version: nginx/1.22.1")
}

func FuzzParseMysqldVersion(f *testing.F) {
	fuzzParser(f, ParseMysqldVersion, "mysqld  Ver 10.11.6-MariaDB-0+deb12u1 for debian-linux-gnu")
}

func FuzzParsePostgresVersion(f *testing.F) {
	fuzzParser(f, ParsePostgresVersion, "postgres (PostgreSQL) 15.10 (Debian 15.10-0+deb12u1)")
}

func FuzzParseApacheVersion(f *testing.F) {
	fuzzParser(f, ParseApacheVersion, "Server version: Apache/2.4.62 (Debian)")
}

func FuzzParseSSHVersion(f *testing.F) {
	fuzzParser(f, ParseSSHVersion, "OpenSSH_9.6p1 Ubuntu-3ubuntu13.5, OpenSSL 3.0.13 30 Jan 2024")
}
