package webapps

import (
	"path"
	"regexp"
	"strings"
)

// WordPress's extensions: plugins are directories (or single files) under
// wp-content/plugins whose main PHP file starts with a "Plugin Name:"
// header; themes are directories under wp-content/themes whose style.css
// starts with a "Theme Name:" header. "Version:" in the same header is the
// installed version. WordPress itself reads only the first 8 KiB of each
// file for these headers (get_file_data), so that is all that is read.
const (
	wpPlugins = "wp-content/plugins"
	wpThemes  = "wp-content/themes"
	// maxExtensions bounds the plugins and the themes listed per site;
	// maxPluginFiles the top-level PHP files examined in one plugin's
	// directory when its main file is not <slug>.php.
	maxExtensions  = 500
	maxPluginFiles = 20
)

// extension is one plugin or theme of a WordPress site.
type extension struct {
	kind                string // "wordpress-plugin" or "wordpress-theme"
	slug, name, version string
	source              string // the header's file
}

// wpExtensions lists the plugins and themes of the WordPress site at dir,
// with their versions; unreadable directories and files are noted.
func (w *walker) wpExtensions(dir string) []extension {
	var out []extension
	out = append(out, w.wpPluginList(dir)...)
	out = append(out, w.wpThemeList(dir)...)
	return out
}

func (w *walker) wpPluginList(site string) []extension {
	dir := path.Join(site, wpPlugins)
	l, err := w.root.ListDir(dir, maxExtensions+1, false)
	if err != nil {
		if !isAbsent(err) {
			w.siteNote("%s: cannot list (%s); plugins not listed", dir, describe(err))
		}
		return nil
	}
	var out []extension
	for _, e := range l.Entries {
		if len(out) == maxExtensions {
			w.siteNote("%s: more than %d plugins; the rest are not listed", dir, maxExtensions)
			break
		}
		n := e.Name()
		switch {
		case strings.HasPrefix(n, "."):
		case e.IsDir():
			if x, ok := w.wpPlugin(path.Join(dir, n), n); ok {
				out = append(out, x)
			}
		case e.Type().IsRegular() && strings.HasSuffix(n, ".php"): // a single-file plugin (hello.php)
			if x, ok := w.wpHeader(path.Join(dir, n), strings.TrimSuffix(n, ".php"), "wordpress-plugin", pluginNameRE); ok {
				out = append(out, x)
			}
		}
	}
	return out
}

// wpPlugin finds a plugin directory's main file: <slug>.php, else the first
// top-level PHP file with a plugin header.
func (w *walker) wpPlugin(dir, slug string) (extension, bool) {
	if x, ok := w.wpHeader(path.Join(dir, slug+".php"), slug, "wordpress-plugin", pluginNameRE); ok {
		return x, true
	}
	l, err := w.root.ListDir(dir, maxPluginFiles*4, false)
	if err != nil {
		return extension{}, false
	}
	tried := 0
	for _, e := range l.Entries {
		n := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(n, ".php") || n == slug+".php" {
			continue
		}
		if tried++; tried > maxPluginFiles {
			break
		}
		if x, ok := w.wpHeader(path.Join(dir, n), slug, "wordpress-plugin", pluginNameRE); ok {
			return x, true
		}
	}
	return extension{}, false
}

func (w *walker) wpThemeList(site string) []extension {
	dir := path.Join(site, wpThemes)
	l, err := w.root.ListDir(dir, maxExtensions+1, false)
	if err != nil {
		if !isAbsent(err) {
			w.siteNote("%s: cannot list (%s); themes not listed", dir, describe(err))
		}
		return nil
	}
	var out []extension
	for _, e := range l.Entries {
		if len(out) == maxExtensions {
			w.siteNote("%s: more than %d themes; the rest are not listed", dir, maxExtensions)
			break
		}
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if x, ok := w.wpHeader(path.Join(dir, e.Name(), "style.css"), e.Name(), "wordpress-theme", themeNameRE); ok {
			out = append(out, x)
		}
	}
	return out
}

// wpHeader reads the header of one plugin or theme file.
func (w *walker) wpHeader(file, slug, kind string, nameRE *regexp.Regexp) (extension, bool) {
	b, err := w.root.ReadHead(file, wpHead)
	if err != nil {
		if !isAbsent(err) {
			w.siteNote("%s: cannot read (%s)", file, describe(err))
		}
		return extension{}, false
	}
	name, version, ok := ParseWPHeader(b, nameRE)
	if !ok {
		return extension{}, false
	}
	return extension{kind: kind, slug: slug, name: name, version: version, source: file}, true
}

// The header fields, as WordPress's get_file_data matches them: at the
// start of a line after optional comment characters, case-insensitive.
var (
	pluginNameRE = wpHeaderRE("Plugin Name")
	themeNameRE  = wpHeaderRE("Theme Name")
	wpVersionHdr = wpHeaderRE("Version")
)

func wpHeaderRE(field string) *regexp.Regexp {
	return regexp.MustCompile(`(?mi)^(?:[ \t]*<\?php)?[ \t/*#@]*` + regexp.QuoteMeta(field) + `:(.*)$`)
}

// ParseWPHeader reads the name (nameRE's field) and Version of a plugin's
// or theme's file header; ok is false without a name. A version that is
// not a plausible one is left empty: the extension is still listed.
func ParseWPHeader(b []byte, nameRE *regexp.Regexp) (name, version string, ok bool) {
	m := nameRE.FindSubmatch(b)
	if m == nil {
		return "", "", false
	}
	name = headerValue(m[1])
	if name == "" {
		return "", "", false
	}
	if v := wpVersionHdr.FindSubmatch(b); v != nil {
		version = headerValue(v[1])
		if validVersion(version) != nil {
			version = ""
		}
	}
	return name, version, true
}

// headerValue trims a header value as WordPress does (a closing comment
// marker and white space), capped for display.
func headerValue(b []byte) string {
	v := strings.TrimSpace(string(b))
	if i := strings.Index(v, "*/"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	if len(v) > 128 {
		v = v[:128]
	}
	return strings.ToValidUTF8(v, "")
}
