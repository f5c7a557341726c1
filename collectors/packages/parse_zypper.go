package packages

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// zypperUpdate is one <update> element of zypper's XML output: a package
// (list-updates) or a patch (list-patches).
type zypperUpdate struct {
	Kind, Name, Edition, EditionOld, Arch string
	// Status, Category and Severity are set for patches.
	Status, Category, Severity string
	// Alias is the repository the update comes from.
	Alias string
}

// zypperOutput is what one `zypper --xmlout` command printed.
type zypperOutput struct {
	Updates []zypperUpdate
	// Errors holds the text of <message type="error"> elements.
	Errors []string
	// SawStatus is true when the output held an <update-status> element:
	// zypper got as far as listing.
	SawStatus bool
	// NoUpdateRepos is true when zypper said no repository publishes
	// patches (<appletinfo status="no-update-repositories"/>).
	NoUpdateRepos bool
}

// parseZypperXML parses the XML of `zypper --xmlout list-updates` and
// `list-patches`: the <update> elements of <update-list> and
// <blocked-update-list>, their <source alias>, and error messages. XML
// that does not parse is an error.
func parseZypperXML(b []byte) (*zypperOutput, error) {
	out := &zypperOutput{}
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	var cur *zypperUpdate
	inError := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnexpectedOutput, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "update-status":
				out.SawStatus = true
			case "update":
				cur = zypperUpdateOf(t.Attr)
			case "source":
				if cur != nil {
					cur.Alias = attr(t.Attr, "alias")
				}
			case "message":
				inError = attr(t.Attr, "type") == "error"
			case "appletinfo":
				out.NoUpdateRepos = out.NoUpdateRepos || attr(t.Attr, "status") == "no-update-repositories"
			}
		case xml.CharData:
			if inError {
				out.Errors = append(out.Errors, strings.TrimSpace(string(t)))
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "update":
				if cur != nil {
					out.Updates = append(out.Updates, *cur)
				}
				cur = nil
			case "message":
				inError = false
			}
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%w: unterminated <update>", ErrUnexpectedOutput)
	}
	return out, nil
}

func zypperUpdateOf(attrs []xml.Attr) *zypperUpdate {
	return &zypperUpdate{
		Kind: attr(attrs, "kind"), Name: attr(attrs, "name"), Edition: attr(attrs, "edition"),
		EditionOld: attr(attrs, "edition-old"), Arch: attr(attrs, "arch"),
		Status: attr(attrs, "status"), Category: attr(attrs, "category"), Severity: attr(attrs, "severity"),
	}
}

func attr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
