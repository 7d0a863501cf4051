package secrets

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const canary = "6f1c2d3e-0000-4bad-beef-canary000001"

func TestValueRedactsEverywhere(t *testing.T) {
	v := New(canary)
	c := Credentials{AccessKey: "SCWABCDEFGHIJKLMNOPQ", SecretKey: v}
	outs := []string{
		fmt.Sprint(v), fmt.Sprintf("%v %+v %#v %s %q %x", v, v, v, v, v, v),
		fmt.Sprintf("%v %+v %#v", c, c, c), v.String(), v.GoString(),
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(b))
	for _, o := range outs {
		if strings.Contains(o, canary) {
			t.Errorf("secret leaked in %q", o)
		}
	}
	if v.Reveal() != canary {
		t.Errorf("Reveal() = %q", v.Reveal())
	}
}

func TestPutMergesAtomicallyWith0600(t *testing.T) {
	for _, ext := range []string{".env", ".json", ".yaml"} {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "iamsync.secrets"+ext)
			f := Open(path)
			if err := f.Put("FIRST", Credentials{AccessKey: "SCWAAAAAAAAAAAAAAAAA", SecretKey: New("secret-one")}); err != nil {
				t.Fatal(err)
			}
			if err := f.Put("SECOND", Credentials{AccessKey: "SCWBBBBBBBBBBBBBBBBB", SecretKey: New(canary)}); err != nil {
				t.Fatal(err)
			}
			// Replacing an entry keeps the others.
			if err := f.Put("FIRST", Credentials{AccessKey: "SCWCCCCCCCCCCCCCCCCC", SecretKey: New("secret-three")}); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("mode = %v, want 0600", st.Mode().Perm())
			}
			for name, want := range map[string]string{"FIRST": "secret-three", "SECOND": canary} {
				c, ok, err := Open(path).Get(name)
				if err != nil || !ok || c.SecretKey.Reveal() != want {
					t.Errorf("Get(%s) = %v %v %v, want secret %q", name, c.AccessKey, ok, err, want)
				}
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			if len(entries) != 1 {
				t.Errorf("temp files left behind: %v", entries)
			}
		})
	}
}

func TestDotenvKeepsForeignEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.env")
	if err := os.WriteFile(path, []byte("# mine\nexport OTHER=\"keep me\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Open(path).Put("K", Credentials{AccessKey: "SCWAAAAAAAAAAAAAAAAA", SecretKey: New("s")}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for _, want := range []string{`OTHER="keep me"`, "K_ACCESS_KEY=SCWAAAAAAAAAAAAAAAAA", "K_SECRET_KEY=s"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("file lacks %q:\n%s", want, data)
		}
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v after merge, want 0600", st.Mode().Perm())
	}
}

func TestCorruptFileIsNotOverwrittenAndNotQuoted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.json")
	bad := `{"A": {"secret_key": "` + canary + `"` // truncated
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	err := Open(path).Put("B", Credentials{AccessKey: "SCWAAAAAAAAAAAAAAAAA", SecretKey: New("s")})
	if err == nil {
		t.Fatal("Put on a corrupt file succeeded")
	}
	if strings.Contains(err.Error(), canary) {
		t.Errorf("error quotes the file's secret: %v", err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != bad {
		t.Errorf("corrupt file was changed")
	}
}

func TestWriteIntoMissingDirectoryFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", "x.env")
	if err := Open(path).Put("K", Credentials{AccessKey: "A", SecretKey: New(canary)}); err == nil {
		t.Fatal("want an error")
	} else if strings.Contains(err.Error(), canary) {
		t.Errorf("error leaks secret: %v", err)
	}
}
