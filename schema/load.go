package schema

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/iamsync/iamsync/filetype"
	"github.com/iamsync/iamsync/model"
)

// Loader loads manifest sets. The zero value uses the process directory, the current time and
// DefaultLimits.
type Loader struct {
	// Dir resolves relative paths; "" is the process working directory. Diagnostics show paths
	// as they were given, not resolved.
	Dir string
	// Now is the reference time of the expiry-in-the-past check; zero means time.Now().
	Now time.Time
	// Limits bound the input; zero fields take DefaultLimits' values.
	Limits Limits

	online *setUses // LoadOnline's collection of the permission sets named
}

// File is one manifest file in memory.
type File struct {
	Name string // as shown in diagnostics
	Data []byte
}

// Load loads the manifest set at paths (files or directory trees) with a zero Loader.
// The Org is nil when the diagnostics hold an error.
func Load(paths []string) (*model.Org, Diagnostics) {
	var l Loader
	return l.Load(paths)
}

// LoadBytes loads a set made of one in-memory file, named name in diagnostics.
func LoadBytes(name string, data []byte) (*model.Org, Diagnostics) {
	var l Loader
	return l.LoadFiles([]File{{Name: name, Data: data}})
}

func (l *Loader) limits() Limits {
	lim := l.Limits
	d := DefaultLimits
	if lim.MaxFileSize <= 0 {
		lim.MaxFileSize = d.MaxFileSize
	}
	if lim.MaxSetSize <= 0 {
		lim.MaxSetSize = d.MaxSetSize
	}
	if lim.MaxFiles <= 0 {
		lim.MaxFiles = d.MaxFiles
	}
	if lim.MaxNodes <= 0 {
		lim.MaxNodes = d.MaxNodes
	}
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = d.MaxDepth
	}
	if lim.MaxDiags <= 0 {
		lim.MaxDiags = d.MaxDiags
	}
	return lim
}

func (l *Loader) resolve(p string) string {
	if l.Dir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(l.Dir, p)
}

// Files expands paths into the manifest files of the set, in load order: a file is taken as
// given (whatever its extension); a directory contributes every *.yaml and *.yml file below
// it, skipping hidden entries (.git), sorted by path so that every run reads the same order.
// A path given twice, or a file also found in a given directory, is read once.
//
// Manifests are read only from regular files. A FIFO would block the read until some other
// process writes to it (forever, for one planted in a shared checkout), and a device may never
// end: one found in a directory is skipped with a warning (E108) and one named on the command
// line is an error, since a shell glob (manifests/*.yaml) names whatever is there too. A
// symlink to a regular file is followed (stacks share files that way); symlinked
// directories are not descended (filepath.WalkDir does not follow them), so a link cannot
// make the walk loop or leave the tree.
func (l *Loader) Files(paths []string) ([]string, Diagnostics) {
	var out []string
	var ds Diagnostics
	seen := map[string]bool{}
	addFile := func(shown string) {
		abs, err := filepath.Abs(l.resolve(shown))
		if err != nil {
			abs = shown
		}
		if !seen[abs] {
			seen[abs] = true
			out = append(out, shown)
		}
	}
	fail := func(p, msg, hint string) {
		ds = append(ds, Diagnostic{Pos: model.Pos{File: p}, Code: "E100", Severity: SeverityError, Msg: msg, Hint: hint})
	}
	for _, p := range paths {
		info, err := os.Stat(l.resolve(p))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				fail(p, "no such file or directory", "check the path; manifests are files or directories of *.yaml files")
			} else {
				fail(p, err.Error(), "")
			}
			continue
		}
		if !info.IsDir() {
			if !info.Mode().IsRegular() {
				ds = append(ds, Diagnostic{Pos: model.Pos{File: p}, Code: "E108", Severity: SeverityError,
					Msg:  fmt.Sprintf("it is %s, not a regular file: iamsync reads manifests only from regular files", filetype.Of(info.Mode())),
					Hint: "name the manifest files themselves (write generated manifests to a file first); remove it if you did not put it there"})
				continue
			}
			addFile(p)
			continue
		}
		var found []string
		err = filepath.WalkDir(l.resolve(p), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if path != l.resolve(p) && strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
				return nil
			}
			rel, err := filepath.Rel(l.resolve(p), path)
			if err != nil {
				return err
			}
			mode := d.Type()
			if mode&fs.ModeSymlink != 0 {
				// A broken link is kept: reading it reports it (E100).
				if target, err := os.Stat(path); err == nil {
					mode = target.Mode().Type()
				}
			}
			if !mode.IsRegular() && mode&fs.ModeSymlink == 0 && !mode.IsDir() {
				shown := filepath.Join(p, rel)
				ds = append(ds, Diagnostic{Pos: model.Pos{File: shown}, Code: "E108", Severity: SeverityWarning,
					Msg:  fmt.Sprintf("skipped: it is %s, not a regular file", filetype.Of(mode)),
					Hint: "remove it if you did not put it there; manifests are regular files"})
				return nil
			}
			found = append(found, filepath.Join(p, rel))
			return nil
		})
		if err != nil {
			fail(p, err.Error(), "")
			continue
		}
		if len(found) == 0 {
			fail(p, "no *.yaml or *.yml file in this directory", "give the directory that holds the manifests, or the files themselves")
			continue
		}
		slices.SortFunc(found, func(a, b string) int { return strings.Compare(filepath.ToSlash(a), filepath.ToSlash(b)) })
		for _, f := range found {
			addFile(f)
		}
	}
	if len(paths) == 0 {
		fail(".", "no manifest path given", "name the manifest files or directories")
	}
	return out, sortDiagnostics(ds)
}

// Load reads the manifest set at paths and returns its desired state. The Org is nil when the
// diagnostics hold an error; every error found is reported, not only the first.
func (l *Loader) Load(paths []string) (*model.Org, Diagnostics) {
	lim := l.limits()
	names, ds := l.Files(paths)
	if len(names) > lim.MaxFiles {
		ds = append(ds, Diagnostic{Pos: model.Pos{File: names[lim.MaxFiles]}, Code: "E104", Severity: SeverityError,
			Msg: fmt.Sprintf("the set has %d files, more than the limit of %d", len(names), lim.MaxFiles), Hint: "merge files, or load fewer directories"})
		return nil, sortDiagnostics(ds)
	}
	var files []File
	var total int64
	for _, n := range names {
		data, err := readLimited(l.resolve(n), lim.MaxFileSize)
		if err != nil {
			ds = append(ds, Diagnostic{Pos: model.Pos{File: n, Line: 1, Col: 1}, Code: "E100", Severity: SeverityError, Msg: err.Error(), Hint: ""})
			continue
		}
		total += int64(len(data))
		if total > lim.MaxSetSize {
			ds = append(ds, Diagnostic{Pos: model.Pos{File: n, Line: 1, Col: 1}, Code: "E104", Severity: SeverityError,
				Msg: fmt.Sprintf("the set is larger than the limit of %d bytes", lim.MaxSetSize), Hint: "load fewer files"})
			return nil, sortDiagnostics(ds)
		}
		files = append(files, File{Name: n, Data: data})
	}
	if len(files) == 0 && ds.HasErrors() {
		return nil, l.cap(sortDiagnostics(ds)) // already explained; "no file to load" would repeat it
	}
	org, more := l.loadFiles(files)
	ds = append(ds, more...)
	if ds.HasErrors() {
		return nil, l.cap(sortDiagnostics(ds))
	}
	return org, sortDiagnostics(ds)
}

// readLimited reads a file, refusing to read more than limit+1 bytes: the size check needs no
// more, and a multi-gigabyte file (or /dev/zero) must not be read whole.
//
// The file was a regular one when Files listed it, but may have been replaced since: it is
// opened without blocking (openNonBlocking; a FIFO's open would otherwise wait for a writer)
// and its own Stat is checked before a byte is read.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s, not a regular file: iamsync reads manifests only from files", path, filetype.Of(info.Mode()))
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	return data, nil
}

// LoadFiles loads a set of in-memory files, in the order given.
func (l *Loader) LoadFiles(files []File) (*model.Org, Diagnostics) {
	org, ds := l.loadFiles(files)
	if ds.HasErrors() {
		return nil, l.cap(ds)
	}
	return org, ds
}

// loadFiles is LoadFiles without the cap on diagnostics, which Load applies once to the whole.
func (l *Loader) loadFiles(files []File) (*model.Org, Diagnostics) {
	lim := l.limits()
	now := l.Now
	if now.IsZero() {
		now = time.Now()
	}
	var ds Diagnostics
	if len(files) == 0 {
		return nil, Diagnostics{{Code: "E100", Severity: SeverityError, Msg: "no manifest file to load", Hint: "name the manifest files or directories"}}
	}
	srcs := newSources()
	org := &model.Org{}
	var parsed []*file
	var heads []header
	incomplete := false
	for _, fl := range files {
		f, pds := parseFile(fl.Name, fl.Data, lim)
		ds = append(ds, pds...)
		if f == nil {
			incomplete = true
			continue
		}
		f.deferCatalog = l.online != nil
		ds = append(ds, schemaDiagnostics(f)...)
		d := decodeFile(f, srcs)
		parsed = append(parsed, f)
		heads = append(heads, d.header)
		for r := range d.org.Resources() {
			k := r.Key().Kind
			if sk := schemaKinds[k]; sk.once {
				var first model.Resource
				for f := range org.ResourcesOf(k) {
					first = f
				}
				if first != nil {
					ds = append(ds, Diagnostic{Pos: r.Metadata().Pos, Path: sk.section, Key: r.Key(), Code: "E302", Severity: SeverityError,
						Msg:  fmt.Sprintf("%s are already declared at %s", sk.section, first.Metadata().Pos),
						Hint: fmt.Sprintf("the organization has one set of %s: declare them once", k.Plural())})
					continue
				}
			}
			org.Add(r)
		}
	}
	ds = append(ds, agree(parsed, heads, org)...)
	ds = append(ds, agreeReview(parsed, heads, org)...)
	ds = append(ds, agreeUsersFrom(parsed, heads, org)...)
	c := &checker{org: org, srcs: srcs, now: now, incomplete: incomplete, online: l.online}
	c.run()
	ds = append(ds, c.ds...)
	ds = sortDiagnostics(ds)
	if ds.HasErrors() {
		return nil, ds
	}
	org.Normalize()
	return org, ds
}

// cap keeps the first MaxDiags diagnostics and says how many were left out: a generated file with
// thousands of errors needs fixing at its source, not a thousand-line report.
func (l *Loader) cap(ds Diagnostics) Diagnostics {
	lim := l.limits()
	if len(ds) <= lim.MaxDiags {
		return ds
	}
	last := ds[lim.MaxDiags-1]
	out := append(ds[:lim.MaxDiags:lim.MaxDiags], Diagnostic{Pos: last.Pos, Code: "E199", Severity: SeverityError,
		Msg: fmt.Sprintf("too many errors: %d more not shown", len(ds)-lim.MaxDiags), Hint: "fix the errors above and run again"})
	return out
}

// agree checks that all files describe the same set: one version, one stack, one organization.
// The first file stating a value is the reference; each disagreeing file is reported at its value.
func agree(files []*file, heads []header, org *model.Org) []Diagnostic {
	var ds []Diagnostic
	type ref struct {
		val string
		f   *file
	}
	var stack, orgID ref
	check := func(cur *ref, val string, f *file, ptr, what string) {
		if val == "" || f.isBad(ptr) {
			return
		}
		if cur.f == nil {
			*cur = ref{val, f}
			return
		}
		if !strings.EqualFold(cur.val, val) {
			ds = append(ds, Diagnostic{Pos: f.pos(ptr), Path: f.path(ptr), Code: "E301", Severity: SeverityError,
				Msg:  fmt.Sprintf("%s %q differs from %q in %s", what, val, cur.val, cur.f.pos(ptr)),
				Hint: fmt.Sprintf("all files of a manifest set share one %s; load different stacks separately", what)})
		}
	}
	for i, f := range files {
		check(&stack, heads[i].stack, f, "/stack", "stack")
		check(&orgID, heads[i].orgID, f, "/organization_id", "organization_id")
	}
	org.Stack = stack.val
	org.OrganizationID = strings.ToLower(orgID.val)
	return ds
}
