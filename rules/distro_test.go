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
	}
	x := &evaluation{}
	for _, tt := range tests {
		c := comp(report.LayerApplications, tt.product, "1", "instance", tt.instance, "package", tt.pkg, "package_version", tt.pv)
		if got := x.distroPackaged(c); got != tt.want {
			t.Errorf("%s %s %q: %v", tt.product, tt.instance, tt.pv, got)
		}
	}
}
