package rules

import (
	"testing"

	"github.com/demarc/demarc/report"
)

func TestDistroPackaged(t *testing.T) {
	tests := []struct {
		product, instance, pkg, pv string
		want                       bool
	}{
		{"php", "system", "php8.1-cli", "8.1.2-1ubuntu2.18", true},
		{"php", "system-8.2", "php8.2-cli", "8.2.29-1~deb12u1", true},
		{"php", "system", "php-cli", "5.4.16-48.el7", true},
		{"php", "system", "php-cli", "8.0.30-1.el9_2", true},
		{"php", "system", "php83", "8.3.14-r0", true},
		{"php", "system", "php8.1-cli", "8.1.31-1+ubuntu22.04.1+deb.sury.org+1", false},
		{"php", "system", "php7.4-cli", "7.4.33-1+0~20230214.105+debian12~1.gbp3c4e1a", false},
		{"php", "system", "php-cli", "8.3.14-1.el9.remi", false},
		{"php", "ea-php74", "ea-php74", "7.4.33-14.el8", false},
		{"php", "alt-php56", "alt-php56", "5.6.40-70.el8", false},
		{"php", "system", "", "", false},
		{"mariadb", "", "mariadb-server", "1:10.11.19-0+deb12u1", true},
		{"mariadb", "", "mariadb-server", "1:10.11.6+maria~deb12", false},
		{"mysql", "", "mysql-server", "8.0.39-0ubuntu0.22.04.1", true},
		{"mysql", "", "mysql-server", "8.0.36-1ubuntu22.04", false},
		{"mysql", "", "mysql-community-server", "8.0.36-1.el9", false},
		{"postgresql", "", "postgresql-16", "16.4-1.pgdg120+2", false},
		{"postgresql", "", "postgresql-15", "15.20-0+deb12u1", true},
		{"nginx", "", "nginx", "1.26.2-1~bookworm", false},
		{"nginx", "", "nginx", "1.26.2-1.el9.ngx", false},
		{"nginx", "", "nginx", "1.22.1-9", true},
		{"apache-http-server", "", "httpd", "2.4.62-1.el9_5.2", true},
		// AlmaLinux and CloudLinux module builds, Amazon Linux revisions.
		{"mariadb", "", "mariadb-server", "3:10.11.10-1.module_el8.10.0+3938+4d4a4c5e", true},
		{"apache-http-server", "", "httpd", "2.4.37-65.module_el8.10.0+3874+8ba7e8e4.1", true},
		{"apache-http-server", "", "httpd", "2.4.62-1.amzn2.0.2", true},
		{"php", "system", "php8.4-cli", "8.4.13-1.amzn2023.0.1", true},
		// Vendors' builds with distribution-like revisions.
		{"mariadb", "", "MariaDB-server", "10.6.20-1.el8", false},
		{"mariadb", "", "MariaDB-server", "10.6.20-1.el7.centos", false},
		{"nginx", "", "sw-nginx", "1.26.2-ubuntu.22.04.240829.1449", false},
		{"apache-http-server", "", "ea-apache24", "2.4.62-1.1.1.cpanel", false},
		{"mysql", "", "percona-server-server", "8.0.39-30-1.el9", false},
	}
	x := &evaluation{}
	for _, tt := range tests {
		c := comp(report.LayerApplications, tt.product, "1", "instance", tt.instance, "package", tt.pkg, "package_version", tt.pv)
		if got := x.distroPackaged(c); got != tt.want {
			t.Errorf("%s %s %q: %v", tt.product, tt.instance, tt.pv, got)
		}
	}
}
