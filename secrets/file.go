package secrets

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Format is the secrets file's encoding, chosen by extension.
type Format int

// Formats: dotenv (NAME_ACCESS_KEY=…, NAME_SECRET_KEY=…), JSON and YAML ({NAME: {access_key, secret_key}}).
const (
	Dotenv Format = iota
	JSON
	YAML
)

// FormatOf picks the encoding from path's extension: .json, .yaml/.yml, anything else dotenv.
func FormatOf(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return JSON
	case ".yaml", ".yml":
		return YAML
	}
	return Dotenv
}

// File is a secrets file on disk. Writes merge new entries with those already there and
// replace the file atomically (temp file, fsync, rename, fsync of the directory), so a crash
// leaves either the old file or the new one, never a torn one. Reads include the secrets
// journal beside it (appender.go), where an Appender puts a run's later entries.
type File struct {
	Path   string
	Format Format
}

// Open describes the secrets file at path; nothing is read or created until Put.
func Open(path string) *File { return &File{Path: path, Format: FormatOf(path)} }

// Put stores creds under name (replacing an entry of that name) and writes the file.
func (f *File) Put(name string, creds Credentials) error {
	return f.PutAll(map[string]Credentials{name: creds})
}

// PutAll stores several entries in one atomic write (which also folds a secrets journal left
// beside the file, appender.go).
func (f *File) PutAll(entries map[string]Credentials) error {
	recs := make([]record, 0, len(entries))
	for name, c := range entries {
		recs = append(recs, recordOf(name, c))
	}
	return f.rewrite(recs)
}

// removeStaleTemps deletes the temp files a killed writer left (they may hold secrets). Callers
// serialise writers (apply holds Lock), so no other write is in flight.
func (f *File) removeStaleTemps() {
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(f.Path), "."+filepath.Base(f.Path)+".tmp-*"))
	for _, p := range stale {
		_ = os.Remove(p)
	}
}

// Get returns the entry stored under name, if any.
func (f *File) Get(name string) (Credentials, bool, error) {
	doc, err := f.read()
	if err != nil {
		return Credentials{}, false, err
	}
	c, ok := doc.get(name)
	return c, ok, nil
}

// document is the parsed file: dotenv keeps every KEY=VALUE pair (ours and anybody else's);
// JSON and YAML keep entries as objects with access_key and secret_key.
type document struct {
	flat    map[string]string            // dotenv
	entries map[string]map[string]string // JSON, YAML
}

func (d *document) set(name string, c Credentials) {
	if c.TokenID != "" {
		// A SCIM token's bearer.
		if d.flat != nil {
			d.flat[name+"_TOKEN_ID"] = c.TokenID
			d.flat[name+"_BEARER_TOKEN"] = c.BearerToken.Reveal()
			return
		}
		d.entries[name] = map[string]string{"token_id": c.TokenID, "bearer_token": c.BearerToken.Reveal()}
		return
	}
	if c.AccessKey == "" && c.Email != "" {
		// A member's login, under the same entry name as any other secret.
		if d.flat != nil {
			d.flat[name+"_EMAIL"] = c.Email
			d.flat[name+"_PASSWORD"] = c.Password.Reveal()
			return
		}
		d.entries[name] = map[string]string{"email": c.Email, "password": c.Password.Reveal()}
		return
	}
	if d.flat != nil {
		d.flat[name+"_ACCESS_KEY"] = c.AccessKey
		d.flat[name+"_SECRET_KEY"] = c.SecretKey.Reveal()
		return
	}
	d.entries[name] = map[string]string{"access_key": c.AccessKey, "secret_key": c.SecretKey.Reveal()}
}

func (d *document) get(name string) (Credentials, bool) {
	if d.flat != nil {
		ak, ok1 := d.flat[name+"_ACCESS_KEY"]
		sk, ok2 := d.flat[name+"_SECRET_KEY"]
		if ok1 && ok2 {
			return Credentials{AccessKey: ak, SecretKey: New(sk)}, true
		}
		if id, ok := d.flat[name+"_TOKEN_ID"]; ok {
			bearer, ok := d.flat[name+"_BEARER_TOKEN"]
			return Credentials{TokenID: id, BearerToken: New(bearer)}, ok
		}
		email, ok1 := d.flat[name+"_EMAIL"]
		pw, ok2 := d.flat[name+"_PASSWORD"]
		return Credentials{Email: email, Password: New(pw)}, ok1 && ok2
	}
	e, ok := d.entries[name]
	if !ok {
		return Credentials{}, false
	}
	return Credentials{AccessKey: e["access_key"], SecretKey: New(e["secret_key"]), Email: e["email"], Password: New(e["password"]),
		TokenID: e["token_id"], BearerToken: New(e["bearer_token"])}, true
}

func (f *File) read() (*document, error) {
	d := &document{}
	if f.Format == Dotenv {
		d.flat = map[string]string{}
	} else {
		d.entries = map[string]map[string]string{}
	}
	data, err := readPrivate(f.Path, true)
	if errors.Is(err, fs.ErrNotExist) {
		return d, f.readJournal(d)
	}
	var refused *UnsafeFileError
	if errors.As(err, &refused) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("read secrets file: %w", err)
	}
	// Parse errors name the file and line but never quote its content: it holds secrets.
	switch f.Format {
	case Dotenv:
		err = parseDotenv(data, d.flat)
	case JSON:
		if len(bytes.TrimSpace(data)) > 0 {
			err = json.Unmarshal(data, &d.entries)
		}
	case YAML:
		err = yaml.Unmarshal(data, &d.entries)
		if d.entries == nil {
			d.entries = map[string]map[string]string{}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("secrets file %s is not valid (%s); fix or move it, iamsync will not overwrite it", f.Path, scrub(err))
	}
	return d, f.readJournal(d)
}

// scrub keeps a parser's message but never the text it quotes from the file.
func scrub(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("JSON syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "expected an object of {access_key, secret_key} entries"
	}
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		if j := strings.IndexByte(msg[i:], ':'); j > 0 {
			return "YAML error at " + msg[i:i+j]
		}
	}
	return "cannot parse"
}

var dotenvKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)

func parseDotenv(data []byte, into map[string]string) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || !dotenvKey.MatchString(k) {
			return fmt.Errorf("line %d: expected NAME=VALUE", n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		}
		into[k] = v
	}
	return sc.Err()
}

func (d *document) encode(f Format) ([]byte, error) {
	switch f {
	case JSON:
		b, err := json.MarshalIndent(d.entries, "", "  ")
		return append(b, '\n'), err
	case YAML:
		return yaml.Marshal(d.entries)
	}
	var b bytes.Buffer
	b.WriteString("# Written by iamsync: API-key credentials, members' initial passwords and SCIM tokens. Keep this file out of git.\n")
	keys := make([]string, 0, len(d.flat))
	for k := range d.flat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := d.flat[k]
		if strings.ContainsAny(v, " \t#\"'$\\") {
			v = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
		}
		fmt.Fprintf(&b, "%s=%s\n", k, v)
	}
	return b.Bytes(), nil
}

// WriteAtomic replaces path with data: a temp file in the same directory is written, synced,
// chmodded, renamed over path, and the directory is synced, so readers and crashes see either
// the old content or the new one.
func WriteAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		// Without this the rename itself may not survive a power loss.
		_ = d.Sync()
		d.Close()
	}
	return nil
}
