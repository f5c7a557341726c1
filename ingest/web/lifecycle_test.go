package web_test

import (
	"html"
	"strings"
	"testing"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/rules/lifecycle"
)

// TestOverviewLifecycleDate: the overview says which lifecycle data the
// server judges with: built in until an import, then the import's data
// date, when and by whom (escaped).
func TestOverviewLifecycleDate(t *testing.T) {
	e := newEnv(t, 3, 2)
	c := e.session(e.tok["viewerA"])
	d, err := lifecycle.Default()
	if err != nil {
		t.Fatal(err)
	}
	_, body := e.get(c, "/")
	if want := "Lifecycle data as of " + d.SnapshotDate.String() + ", built in"; !strings.Contains(body, want) {
		t.Errorf("overview lacks %q", want)
	}
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	v := store.LifecycleVersion{Version: 1, ImportedAt: at, ImportedBy: "<b>admin</b>", DataDate: "2026-11-28", SHA256: "ab", Gzip: []byte{1}}
	if err := e.st.PutLifecycle(t.Context(), v); err != nil {
		t.Fatal(err)
	}
	_, body = e.get(c, "/")
	if want := "Lifecycle data as of 2026-11-28, imported 2026-12-02 by " + html.EscapeString("<b>admin</b>"); !strings.Contains(body, want) {
		t.Errorf("overview lacks %q", want)
	}
}
