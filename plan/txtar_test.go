package plan

import (
	"bytes"
	"os"
	"strings"
)

// A minimal txtar reader and writer (the format of golang.org/x/tools/txtar). go-internal's
// txtar package now forwards to x/tools, which go.sum does not list; the format is small
// enough not to need it.

type txtarFile struct {
	Name string
	Data []byte
}

type txtarArchive struct {
	Comment []byte
	Files   []txtarFile
}

func txtarParseFile(name string) (*txtarArchive, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return txtarParse(b), nil
}

// txtarMarker returns the file name if l is a "-- NAME --" line.
func txtarMarker(l string) (string, bool) {
	l = strings.TrimRight(l, "\r")
	if !strings.HasPrefix(l, "-- ") || !strings.HasSuffix(l, " --") || len(l) < 7 {
		return "", false
	}
	return strings.TrimSpace(l[3 : len(l)-3]), true
}

func txtarParse(b []byte) *txtarArchive {
	a := &txtarArchive{}
	cur := &a.Comment
	for len(b) > 0 {
		l, rest, _ := bytes.Cut(b, []byte("\n"))
		if name, ok := txtarMarker(string(l)); ok {
			a.Files = append(a.Files, txtarFile{Name: name})
			cur = &a.Files[len(a.Files)-1].Data
		} else {
			*cur = append(*cur, l...)
			*cur = append(*cur, '\n')
		}
		b = rest
	}
	return a
}

func txtarFormat(a *txtarArchive) []byte {
	var b bytes.Buffer
	b.Write(fixNL(a.Comment))
	for _, f := range a.Files {
		b.WriteString("-- " + f.Name + " --\n")
		b.Write(fixNL(f.Data))
	}
	return b.Bytes()
}

func fixNL(b []byte) []byte {
	if len(b) == 0 || b[len(b)-1] == '\n' {
		return b
	}
	return append(b, '\n')
}
