package applications

import (
	"bufio"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/demarc/demarc/internal/pkgver"
)

// ErrUnrecognized is returned (wrapped) when a command's output holds no
// version in the expected format.
var ErrUnrecognized = errors.New("unrecognized format")

// maxLine bounds the lines a parser looks at.
const maxLine = 64 * 1024

func unrecognized(s string) error {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return fmt.Errorf("%w: %q", ErrUnrecognized, s)
}

// firstMatch returns the submatches of re on the first line of out that
// matches it.
func firstMatch(re *regexp.Regexp, out string) []string {
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 4096), maxLine)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			return m
		}
	}
	return nil
}

// BinaryVersion is what a server binary says about itself.
type BinaryVersion struct {
	// Product is the product id ("mysql" or "mariadb" for mysqld).
	Product string
	// Version is the upstream version.
	Version string
	// Raw is the version token as printed, distribution suffix included
	// ("8.1.2-1ubuntu2.19"), kept as package_version when it differs.
	Raw string
}

func fromToken(product, raw string) (BinaryVersion, error) {
	v, err := pkgver.FromPackage(raw)
	if err != nil {
		return BinaryVersion{}, err
	}
	return BinaryVersion{Product: product, Version: v, Raw: raw}, nil
}

var phpLine = regexp.MustCompile(`^PHP ([0-9]\S*) \((?:cli|cgi-fcgi|fpm-fcgi|litespeed)\)`)

// ParsePHPVersion parses `php -v` ("PHP 8.3.14 (cli) (built: Nov 19 2024
// 15:14:35) (NTS)").
func ParsePHPVersion(out string) (BinaryVersion, error) {
	m := firstMatch(phpLine, out)
	if m == nil {
		return BinaryVersion{}, unrecognized(out)
	}
	return fromToken("php", m[1])
}

var nginxLine = regexp.MustCompile(`nginx version: (?:nginx|openresty|tengine|angie)/(\S+)`)

// ParseNginxVersion parses `nginx -v`, which writes "nginx version:
// nginx/1.22.1" to stderr.
func ParseNginxVersion(out string) (BinaryVersion, error) {
	m := firstMatch(nginxLine, out)
	if m == nil {
		return BinaryVersion{}, unrecognized(out)
	}
	return fromToken("nginx", m[1])
}

var mysqldLine = regexp.MustCompile(`\bVer ([0-9]\S*) (?:for|-)`)

// ParseMysqldVersion parses `mysqld --version` and `mariadbd --version`
// ("mysqld  Ver 10.11.6-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64
// (Debian 12)", "/usr/sbin/mysqld  Ver 8.0.39-0ubuntu0.22.04.1 for Linux on
// x86_64 ((Ubuntu))"); MariaDB says so in the version or the comment.
func ParseMysqldVersion(out string) (BinaryVersion, error) {
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 4096), maxLine)
	for sc.Scan() {
		l := sc.Text()
		m := mysqldLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		product := "mysql"
		if strings.Contains(l, "MariaDB") || strings.HasPrefix(strings.TrimSpace(l), "mariadbd") {
			product = "mariadb"
		}
		return fromToken(product, m[1])
	}
	return BinaryVersion{}, unrecognized(out)
}

var postgresLine = regexp.MustCompile(`^postgres \(PostgreSQL\) ([0-9]\S*)`)

// ParsePostgresVersion parses `postgres --version` ("postgres
// (PostgreSQL) 15.10 (Debian 15.10-0+deb12u1)").
func ParsePostgresVersion(out string) (BinaryVersion, error) {
	m := firstMatch(postgresLine, out)
	if m == nil {
		return BinaryVersion{}, unrecognized(out)
	}
	return fromToken("postgresql", m[1])
}

var apacheLine = regexp.MustCompile(`^Server version: Apache/([0-9]\S*)`)

// ParseApacheVersion parses `httpd -v` / `apache2 -v` ("Server version:
// Apache/2.4.62 (Debian)").
func ParseApacheVersion(out string) (BinaryVersion, error) {
	m := firstMatch(apacheLine, out)
	if m == nil {
		return BinaryVersion{}, unrecognized(out)
	}
	return fromToken("apache-http-server", m[1])
}

var sshLine = regexp.MustCompile(`\bOpenSSH_([0-9][^\s,]*)`)

// ParseSSHVersion parses `sshd -V` ("OpenSSH_9.6p1 Ubuntu-3ubuntu13.5,
// OpenSSL 3.0.13 30 Jan 2024"). Versions before 9.x reject -V but print
// the same line above their usage text, which is accepted too.
func ParseSSHVersion(out string) (BinaryVersion, error) {
	m := firstMatch(sshLine, out)
	if m == nil {
		return BinaryVersion{}, unrecognized(out)
	}
	v, err := pkgver.Check(m[1])
	if err != nil {
		return BinaryVersion{}, err
	}
	return BinaryVersion{Product: "openssh", Version: v, Raw: m[1]}, nil
}
