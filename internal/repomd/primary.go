package repomd

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"strconv"
)

// maxPackageElement bounds one <package> element of primary.xml (its file
// list is only /etc, */bin/* and the like: kilobytes, rarely a MiB).
const maxPackageElement = 64 << 20

// parsePrimary reads primary.xml's packages (source packages skipped)
// element by element: each <package>…</package> is cut out of the stream
// (text cannot hold a literal "<package" or "</package>": it is escaped)
// and its name, arch, version and rpm:obsoletes entries read by hand,
// which is an order of magnitude faster than encoding/xml on a
// repository of tens of thousands of packages. An element the hand reader
// does not know the shape of (a comment, CDATA, another namespace prefix
// for obsoletes, a missing field) is decoded by encoding/xml instead, so
// the answer is parsePrimaryXML's.
//
// The document must open with <metadata> within its first 4 KiB, and when
// that tag says packages="N" there must be N package elements.
func parsePrimary(r io.Reader, repo string) ([]Available, error) {
	head := &headBuffer{max: 4096}
	sc := bufio.NewScanner(io.TeeReader(r, head))
	sc.Buffer(make([]byte, 256<<10), maxPackageElement)
	sc.Split(splitPackages)
	var out []Available
	elements := 0
	for sc.Scan() {
		elements++
		el := sc.Bytes()
		a, ok, known := readPackage(el, repo)
		if !known {
			var p primaryPkg
			if err := xml.Unmarshal(el, &p); err != nil {
				return nil, fmt.Errorf("%w: primary: %v", ErrMalformed, err)
			}
			var err error
			if a, ok, err = p.available(repo); err != nil {
				return nil, err
			}
		}
		if ok {
			out = append(out, a)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: primary: %v", ErrMalformed, err)
	}
	attrs, ok := tagAttrs(head.b, "<metadata ")
	if !ok {
		return nil, fmt.Errorf("%w: primary: no <metadata> element", ErrMalformed)
	}
	if n := attrs["packages"]; n != "" && n != strconv.Itoa(elements) {
		return nil, fmt.Errorf("%w: primary: %d package elements, the document says %s", ErrMalformed, elements, n)
	}
	return out, nil
}

// headBuffer keeps the first max bytes written to it.
type headBuffer struct {
	b   []byte
	max int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.max - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

var (
	pkgOpen  = []byte("<package")
	pkgClose = []byte("</package>")
)

// splitPackages is a bufio.SplitFunc yielding each <package …>…</package>
// element; what lies between them is skipped. An unterminated element at
// the end is an error.
func splitPackages(data []byte, atEOF bool) (int, []byte, error) {
	off := 0
	for {
		i := bytes.Index(data[off:], pkgOpen)
		if i < 0 {
			if atEOF {
				return len(data), nil, nil
			}
			return max(len(data)-len(pkgOpen)+1, off), nil, nil
		}
		start := off + i
		j := start + len(pkgOpen)
		if j >= len(data) {
			if atEOF {
				return 0, nil, fmt.Errorf("unterminated <package> element")
			}
			return start, nil, nil
		}
		if !isSpaceOrEnd(data[j]) { // <packages>, or another name starting so
			off = start + 1
			continue
		}
		k := bytes.Index(data[start:], pkgClose)
		if k < 0 {
			if atEOF {
				return 0, nil, fmt.Errorf("unterminated <package> element")
			}
			return start, nil, nil
		}
		end := start + k + len(pkgClose)
		return end, data[start:end], nil
	}
}

func isSpaceOrEnd(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '>' || c == '/'
}

// readPackage reads one element by hand; known is false when the element
// is not of the shape createrepo writes and encoding/xml must read it.
func readPackage(el []byte, repo string) (a Available, ok, known bool) {
	if bytes.Contains(el, []byte("<!")) || bytes.Contains(el, []byte("<?")) {
		return a, false, false
	}
	if bytes.Contains(el, []byte("obsoletes")) && !bytes.Contains(el, []byte("<rpm:obsoletes>")) {
		return a, false, false
	}
	for _, once := range [][]byte{[]byte("<name>"), []byte("<arch>"), []byte("<version "), []byte("obsoletes>"), []byte("<package ")} {
		if n := bytes.Count(el, once); n > 1 && !(string(once) == "obsoletes>" && n == 2) {
			return a, false, false // nested or repeated: encoding/xml decides which counts
		}
	}
	if bytes.Count(el, []byte("obsoletes>")) == 1 {
		return a, false, false
	}
	name, ok1 := elementText(el, "<name>", "</name>")
	arch, ok2 := elementText(el, "<arch>", "</arch>")
	attrs, ok3 := tagAttrs(el, "<version ")
	if !ok1 || !ok2 || !ok3 || name == "" || arch == "" || attrs["ver"] == "" || attrs["rel"] == "" {
		return a, false, false
	}
	if arch == "src" || arch == "nosrc" {
		return a, false, true
	}
	a = Available{Name: name, Arch: arch, EVR: evr(attrs["epoch"], attrs["ver"], attrs["rel"]), Repo: repo}
	if i := bytes.Index(el, []byte("<rpm:obsoletes>")); i >= 0 {
		rest := el[i:]
		j := bytes.Index(rest, []byte("</rpm:obsoletes>"))
		if j < 0 {
			return a, false, false
		}
		rest = rest[:j]
		for {
			k := bytes.Index(rest, []byte("<rpm:entry "))
			if k < 0 {
				break
			}
			e, ok := tagAttrs(rest[k:], "<rpm:entry ")
			if !ok || e["name"] == "" {
				return a, false, false
			}
			a.Obsoletes = append(a.Obsoletes, Dep{Name: e["name"], Flags: e["flags"], EVR: evr(e["epoch"], e["ver"], e["rel"])})
			rest = rest[k+1:]
		}
	}
	return a, true, true
}

// elementText is the text of the first <open>…</close>; false when absent
// or when it holds markup.
func elementText(el []byte, open, close string) (string, bool) {
	i := bytes.Index(el, []byte(open))
	if i < 0 {
		return "", false
	}
	rest := el[i+len(open):]
	j := bytes.Index(rest, []byte(close))
	if j < 0 || bytes.IndexByte(rest[:j], '<') >= 0 {
		return "", false
	}
	return unescape(rest[:j]), true
}

// tagAttrs reads the attributes of the first tag starting with open
// (name="value" or name='value', space separated, up to "/>" or ">");
// false for anything else.
func tagAttrs(el []byte, open string) (map[string]string, bool) {
	i := bytes.Index(el, []byte(open))
	if i < 0 {
		return nil, false
	}
	rest := el[i+len(open):]
	out := map[string]string{}
	for {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if bytes.HasPrefix(rest, []byte("/>")) || bytes.HasPrefix(rest, []byte(">")) {
			return out, true
		}
		eq := bytes.IndexByte(rest, '=')
		if eq <= 0 || eq+1 >= len(rest) {
			return nil, false
		}
		key := string(rest[:eq])
		if bytes.ContainsAny(rest[:eq], " \t\r\n<>/\"'") {
			return nil, false
		}
		q := rest[eq+1]
		if q != '"' && q != '\'' {
			return nil, false
		}
		end := bytes.IndexByte(rest[eq+2:], q)
		if end < 0 {
			return nil, false
		}
		val := rest[eq+2 : eq+2+end]
		if bytes.IndexByte(val, '<') >= 0 {
			return nil, false
		}
		if _, dup := out[key]; dup {
			return nil, false
		}
		out[key] = unescape(val)
		rest = rest[eq+2+end+1:]
	}
}

// unescape resolves XML's character references.
func unescape(b []byte) string {
	if bytes.IndexByte(b, '&') < 0 {
		return string(b)
	}
	return html.UnescapeString(string(b))
}
