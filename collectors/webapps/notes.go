package webapps

import (
	"fmt"
	"time"

	"github.com/demarc/demarc/internal/words"
)

// finalNotes says what the reader of the report needs to know about the
// walk: which bound cut it short and how far it got, what could not be
// listed, and the sites that could not be read.
func (w *walker) finalNotes() []string {
	var notes []string
	if n := w.cutNote(); n != "" {
		notes = append(notes, n)
	}
	if w.capped > 0 {
		notes = append(notes, fmt.Sprintf(
			"%d director%s held more than %d entries; only the first %d (by directory order) of each were examined, e.g. %s",
			w.capped, words.Pick(w.capped, "y", "ies"), w.maxDirEntries, w.maxDirEntries, w.cappedExample))
	}
	if w.unlisted > 0 {
		notes = append(notes, fmt.Sprintf("%d director%s could not be listed, e.g. %s (%s)",
			w.unlisted, words.Pick(w.unlisted, "y", "ies"), w.unlistedExample, w.unlistedWhy))
	}
	notes = append(notes, w.siteNotes...)
	if w.siteNotesMore > 0 {
		notes = append(notes, fmt.Sprintf("%d more site(s) could not be read (notes capped at %d)", w.siteNotesMore, maxSiteNotes))
	}
	return notes
}

func (w *walker) cutNote() string {
	var what, raise string
	switch w.cut {
	case boundNone:
		return ""
	case boundMaxSites:
		what, raise = fmt.Sprintf("the max_sites bound (%d sites)", w.maxSites), "collectors.webapps.max_sites"
	case boundTime:
		what, raise = fmt.Sprintf("the time budget (%s)", w.budget.Round(time.Millisecond)), "collectors.webapps.timeout"
	case boundContext:
		what, raise = "the scan's deadline", "collectors.timeout"
	}
	var how string
	if w.cutDepth == 0 {
		how = fmt.Sprintf("only %d of %d docroots were examined", w.docrootsDone, w.docrootCount)
	} else {
		how = fmt.Sprintf("all %d docroots were examined to depth %d of %d, depth %d only in part",
			w.docrootCount, w.cutDepth-1, w.maxDepth, w.cutDepth)
	}
	return fmt.Sprintf("web application search stopped at %s after %d directories: %s; %d site(s) found so far (raise %s to see the rest)",
		what, w.dirs, how, len(w.sites), raise)
}
