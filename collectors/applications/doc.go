// Package applications reports the server software stack a hosting
// service supplies: PHP (every instance side by side), MySQL, MariaDB,
// PostgreSQL, nginx, Apache httpd and OpenSSH.
//
// The package database is read first (the shared pkgdb read of the scan;
// dpkg status, apk, or rpm): the component's version is the upstream
// version ("1:8.2.2+ds-0ubuntu1.16" → "8.2.2") and details.package_version
// the distribution's, which carries backported fixes. Only for a product
// the package database does not list, and only on a live root, the
// binary answers: `php -v`, `nginx -v` (stderr), `mariadbd|mysqld
// --version`, `postgres --version`, `httpd -v` / `apache2 -v`, `sshd -V`.
//
// PHP instances (details.instance):
//   - ea-phpXY: cPanel EasyApache 4, packages ea-phpXY-php-cli… and
//     /opt/cpanel/ea-phpXY/root/usr/bin/php;
//   - alt-phpXY: CloudLinux PHP Selector, alt-phpXY-cli… and
//     /opt/alt/phpXY/usr/bin/php;
//   - plesk-phpXY: Plesk, plesk-phpXY-cli… and /opt/plesk/php/X.Y/bin/php;
//   - remi-phpXY: Remi's SCL phpXY-php-cli… and /opt/remi/phpXY/root;
//   - system: the distribution's phpX.Y-cli (Debian, Ubuntu) or php-cli
//     (RPM); "system-X.Y" for each when several branches are installed.
//
// An instance found only by its directory under a mounted root has an
// empty version and its branch (details.branch) from its name. PostgreSQL
// reports one component per server package (details.instance is the
// package name: postgresql-15, postgresql16-server, postgresql-server).
//
// Files: the package database, the PHP binary paths above,
// /usr/lib/postgresql/*/bin/postgres, /usr/pgsql-*/bin/postgres.
// Privileges: none. Not detected: none of these installed, an empty
// result.
package applications
