package collectors

import (
	"reflect"
	"testing"

	"github.com/demarc/demarc/report"
)

// TestMergeHostVirtualization: a later collector with evidence decides
// system and role as a whole, bare metal included (CloudLinux's empty
// /proc/vz fooling gopsutil); one without evidence only fills blanks.
func TestMergeHostVirtualization(t *testing.T) {
	var dst report.Host
	MergeHost(&dst, &report.Host{Virtualization: report.Virtualization{System: "openvz", Role: "guest", Evidence: []string{"gopsutil: system=openvz role=guest"}}})
	MergeHost(&dst, &report.Host{Virtualization: report.Virtualization{Evidence: []string{"/proc/lve present"}}})
	if v := dst.Virtualization; v.System != "" || v.Role != "" || len(v.Evidence) != 2 {
		t.Fatalf("after refinement: %+v", v)
	}
	MergeHost(&dst, &report.Host{Virtualization: report.Virtualization{System: "kvm"}})
	MergeHost(&dst, &report.Host{Hostname: "h"})
	if v := dst.Virtualization; v.System != "kvm" || v.Role != "" || len(v.Evidence) != 2 {
		t.Fatalf("without evidence: %+v", v)
	}
}

// TestMergeHostKeepsEveryField: every field a collector sets on the host
// survives the merge into an empty host. A field added to report.Host
// (or its OS, Kernel, Virtualization) that MergeHost forgets fails here.
func TestMergeHostKeepsEveryField(t *testing.T) {
	var src report.Host
	fill(t, reflect.ValueOf(&src).Elem(), "host")
	var dst report.Host
	MergeHost(&dst, &src)
	if !reflect.DeepEqual(dst, src) {
		t.Fatalf("merged host lost fields:\n got %+v\nwant %+v", dst, src)
	}
}

// fill sets every field of v to a non-zero value.
func fill(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fill(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), path)
	case reflect.String:
		v.SetString(path)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(t, s.Index(0), path+"[]")
		v.Set(s)
	default:
		t.Fatalf("%s: fill does not know %s", path, v.Kind())
	}
}
