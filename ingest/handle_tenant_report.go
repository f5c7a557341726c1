package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/report"
)

// TenantReport streams the open findings of the hosts in sc (narrowed to
// tenant unless ""): the customer's own first ("yours to fix"), then the
// provider's with their SLA clocks, each with its acknowledgement, as
// Markdown (md) or one JSON object, a page of findings at a time.
func (s *Server) TenantReport(w http.ResponseWriter, r *http.Request, sc store.Scope, tenant string, md bool) {
	ctx := r.Context()
	now := s.cfg.Now().UTC()
	who := tenant
	if who == "" {
		who = sc.Tenant()
	}
	name := "demarc-report"
	if who != "" {
		name += "-" + who
	}
	if md {
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.md"`)
	} else {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	bw := bufio.NewWriterSize(w, 32<<10)
	acks, err := s.LiveAcks(ctx, sc)
	if err != nil {
		s.readError(w, r, err)
		return
	}
	if md {
		title := "every tenant"
		if who != "" {
			title = "tenant " + who
		}
		fmt.Fprintf(bw, "# Open findings, %s\n\nAt %s.\n", mdText(title), now.Format("2006-01-02 15:04 UTC"))
	} else {
		head, _ := json.Marshal(map[string]any{"tenant": who, "at": now})
		bw.Write(head[:len(head)-1])
	}
	parts := []struct {
		party      report.Responsible
		key, title string
		head       string
	}{
		{report.ResponsibleCustomer, "yours_to_fix", "Yours to fix", "| Host | Severity | Finding | Installed | Latest | What to do | SLA due | Accepted |\n|---|---|---|---|---|---|---|---|\n"},
		{report.ResponsibleProvider, "provider", "The provider's open items", "| Host | Severity | Finding | Installed | Latest | What the provider does | SLA due | Accepted |\n|---|---|---|---|---|---|---|---|\n"},
	}
	for _, part := range parts {
		n := 0
		if md {
			fmt.Fprintf(bw, "\n## %s\n\n", part.title)
		} else {
			fmt.Fprintf(bw, `,%q:[`, part.key)
		}
		pg := store.Page{Limit: store.MaxLimit}
		for {
			res, err := s.store.Findings(ctx, sc, store.FindingFilter{Responsible: part.party, Tenant: tenant, Sort: "severity"}, pg)
			if err != nil {
				// Mid-stream: the answer is cut short; say so in the body.
				s.logFor(r).Error().Err(err).Msg("tenant report failed")
				fmt.Fprintf(bw, "\n\nERROR: the report is incomplete: storage unavailable\n")
				bw.Flush()
				return
			}
			s.slaPolicy().Annotate(now, res.Findings)
			acks.Mark(res.Findings)
			for i := range res.Findings {
				f := &res.Findings[i]
				if md {
					if n == 0 {
						bw.WriteString(part.head)
					}
					due, acc := "", ""
					if f.SLADue != nil {
						due = f.SLADue.Format(time.DateOnly) + " (" + f.SLAState + ")"
					}
					if f.Ack != nil {
						acc = f.Ack.Badge()
					}
					fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", mdText(f.Hostname), f.Severity, mdText(f.Product+" "+strings.ReplaceAll(string(f.Kind), "_", " ")),
						mdText(f.Installed), mdText(f.Latest), mdText(f.Remediation), due, mdText(acc))
				} else {
					if n > 0 {
						bw.WriteByte(',')
					}
					b, err := json.Marshal(f)
					if err != nil {
						s.logFor(r).Error().Err(err).Msg("tenant report: encode")
						return
					}
					bw.Write(b)
				}
				n++
			}
			if res.Next == "" {
				break
			}
			pg.Cursor = res.Next
			bw.Flush()
		}
		if md && n == 0 {
			bw.WriteString("None.\n")
		}
		if !md {
			bw.WriteByte(']')
		}
	}
	if !md {
		bw.WriteString("}\n")
	}
	bw.Flush()
}

// mdText is s as the text of one Markdown table cell: one line, pipes
// and markup escaped.
func mdText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	r := strings.NewReplacer(`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`)
	return r.Replace(s)
}

// tenantReport is GET /api/v1/report?format=md|json[&tenant=]: the open
// findings of the hosts in scope, the customer's first (TenantReport).
func (s *Server) tenantReport(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	q := &query{v: r.URL.Query()}
	tenant := q.enum("tenant", ValidTenant)
	md := q.enum("format", oneOf("json", "md")) == "md"
	if q.err != nil {
		s.readError(w, r, q.err)
		return
	}
	s.TenantReport(w, r, p.Scope(), tenant, md)
}
