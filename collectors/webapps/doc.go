// Package webapps finds the web applications customers install in their
// docroots — WordPress, Joomla and Drupal — and reports one component per
// site (layer third_party_apps, product wordpress, joomla or drupal,
// details path = the site's directory, locale when the site says).
//
// Where it looks: the docroot patterns of collectors.webapps.roots
// (default /home/*/public_html, /home/*/domains/*/public_html,
// /var/www/vhosts/*/httpdocs, /var/www/html), expanded through the host
// root, and their subdirectories down to max_depth (default 3): addon
// domains and sites in subdirectories (/blog, /wp) are found too.
//
// What it reads, per directory: one listing, then only the marker files
// whose first path component is in that listing, and of those only the
// head (8 KiB for WordPress, 32 KiB otherwise):
//
//   - WordPress: wp-includes/version.php, $wp_version and
//     $wp_local_package matched at the start of a line. Never executed.
//   - Joomla: administrator/manifests/files/joomla.xml <version>, else the
//     MAJOR/MINOR/PATCH/EXTRA_VERSION constants of libraries/src/Version.php.
//   - Drupal: core/lib/Drupal.php const VERSION (also under web/ and
//     docroot/ in composer layouts, reported at the project directory),
//     else Drupal 7's includes/bootstrap.inc define('VERSION', ...).
//
// No other file is opened: the walk lists directories and stats a few
// marker paths, so a docroot with 100,000 uploads costs one listing.
//
// Bounds: symlinked directories are never followed (no escape from the
// tree, no loop); a directory seen twice (overlapping patterns, bind
// mounts) is examined once; other filesystems mounted inside a docroot are
// not entered; hidden directories, cgi-bin, node_modules, vendor and each
// found site's own directories (wp-content, administrator, core...) are not
// walked. The walk is breadth first over all docroots, so a walk cut short
// has still seen every account's main site. It stops at max_sites (default
// 2000), at the time budget (timeout, default 10 s, or nine tenths of what
// is left of the context's deadline if that is sooner), and examines at
// most 10,000 entries of any one directory; each of these, when it cuts
// the walk short, adds a note saying which bound and how far the walk got.
// Depth is the scope of the search, not a cut: sites deeper than max_depth
// are not looked for, and that is not noted on every run.
//
// Paths: every listing and read goes through hostfs.Root, so absolute
// links resolve inside the root and a directory swapped for a symlink
// during the walk (a running container, a mounted VM disk) cannot lead
// outside it; a docroot may be a symlink, directories below it are
// listed without following one. A marker that is a FIFO or device is
// refused by hostfs without blocking.
//
// Privileges: read access to the docroots; on shared hosting account homes
// are private, so an unprivileged scan sees few sites (a note counts the
// directories that could not be listed).
//
// Not detected: no pattern matched, or no docroot holds a known version
// file. A version file that is not PHP, holds no valid version or cannot
// be read gives a note naming it; the site is then not reported.
package webapps
