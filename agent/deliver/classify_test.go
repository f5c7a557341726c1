package deliver

import "testing"

func TestAboutCredential(t *testing.T) {
	cases := []struct {
		status int
		body   string
		want   bool
	}{
		{401, `{"error":"unauthenticated","message":"invalid or revoked token"}`, true},
		{401, `{"error":"invalid or revoked token"}`, true},
		{401, "<html>proxy says no</html>", true},
		{403, `{"error":"forbidden_role","message":"this token's role may not do this"}`, true},
		{403, `{"error":"this token's role may not do this"}`, true},
		{403, `{"error":"tenant","message":"report names another tenant than the token's"}`, false},
		{403, `{"error":"foreign_host"}`, false},
		{403, `{"error":"host_id belongs to another tenant"}`, false},
		{403, "<html>Forbidden</html>", false},
		{400, `{"error":"forbidden_role"}`, false},
	}
	for _, tc := range cases {
		if got := AboutCredential(tc.status, parseAnswer([]byte(tc.body)).code); got != tc.want {
			t.Errorf("AboutCredential(%d, %s) = %v, want %v", tc.status, tc.body, got, tc.want)
		}
	}
}

func TestParseAnswer(t *testing.T) {
	cases := []struct{ body, code, reason string }{
		{`{"error":"this token's role may not do this","code":"forbidden_role","request_id":"r-1"}`, "forbidden_role", "this token's role may not do this"},
		{`{"error":"forbidden_role","message":"this token's role may not do this"}`, "forbidden_role", "forbidden_role: this token's role may not do this"},
		{`{"error":"this token's role may not do this","request_id":"r-1"}`, "forbidden_role", "this token's role may not do this"},
		{`{"error":"host.host_id is empty"}`, "", "host.host_id is empty"},
		{`{"error":"Bad_Code"}`, "", "Bad_Code"},
		{"", "", "(no explanation)"},
		{"\x00\x01 too\nbad", "", "too bad"},
		{`{"message":"no error field"}`, "", `{"message":"no error field"}`},
		{`{"error":" "}`, "", `{"error":" "}`}, // found by FuzzReason: a blank error is no reason
		{`{"error":"\u0000","message":"m"}`, "", `{"error":"\u0000","message":"m"}`},
	}
	for _, tc := range cases {
		a := parseAnswer([]byte(tc.body))
		if a.code != tc.code || a.reason != tc.reason {
			t.Errorf("parseAnswer(%q) = %+v, want code %q reason %q", tc.body, a, tc.code, tc.reason)
		}
	}
}
