package cmd

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/iamsync/iamsync/audit"
	"github.com/iamsync/iamsync/model"
)

// Recertification evidence from git. A grant is recertified by a commit that moves its
// reviewed_until, so the last recertification is the commit that last changed the line the date
// is written on: git blame of that line (its author and author date). Each manifest file is
// blamed once per audit, with a time limit; anything git cannot answer leaves the grant without
// evidence and the report says why (audit's reviews_note), never fails the audit.

// blameTimeout bounds one file's blame: a huge history must not hold an audit up.
const blameTimeout = 30 * time.Second

// gitRecertified returns audit's Recertified lookup for manifests under env.Dir, and a note
// when git cannot answer for them (not installed, not a repository).
func gitRecertified(ctx context.Context, env Env, files []string) (func(model.Pos) *audit.Recertification, string) {
	if len(files) == 0 {
		return nil, ""
	}
	if _, err := exec.LookPath("git"); err != nil {
		return nil, "git is not installed: the last recertification of each grant is unknown"
	}
	dir := resolvePath(env, files[0])
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		dir = filepath.Dir(dir)
	}
	if exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--is-inside-work-tree").Run() != nil {
		return nil, "the manifests are not in a git repository: the last recertification of each grant is unknown (it is the commit that last moved its reviewed_until)"
	}
	blamed := map[string]map[int]*audit.Recertification{}
	return func(pos model.Pos) *audit.Recertification {
		lines, ok := blamed[pos.File]
		if !ok {
			lines = blameFile(ctx, resolvePath(env, pos.File))
			blamed[pos.File] = lines
		}
		return lines[pos.Line]
	}, ""
}

// blameFile blames every line of path; nil when git cannot (an untracked file, say).
func blameFile(ctx context.Context, path string) map[int]*audit.Recertification {
	ctx, cancel := context.WithTimeout(ctx, blameTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", "-C", filepath.Dir(path), "blame", "--line-porcelain", "--", filepath.Base(path))
	out, err := cmd.Output()
	if err != nil {
		return nil
	}
	return parseBlame(out)
}

// parseBlame reads git blame --line-porcelain: for each line a header "SHA ORIG FINAL [N]",
// the commit's headers (author, author-mail, author-time, …), then the line itself after a
// tab. The date is the author date, in UTC.
func parseBlame(out []byte) map[int]*audit.Recertification {
	lines := map[int]*audit.Recertification{}
	var cur *audit.Recertification
	var final int
	var unix int64
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "\t"):
			if cur != nil {
				cur.Date = time.Unix(unix, 0).UTC()
				lines[final] = cur
			}
			cur = nil
		case cur == nil:
			f := strings.Fields(l)
			if len(f) < 3 || len(f[0]) < 40 {
				continue
			}
			n, err := strconv.Atoi(f[2])
			if err != nil {
				continue
			}
			final, unix = n, 0
			cur = &audit.Recertification{Commit: f[0]}
			if strings.Trim(f[0], "0") == "" {
				cur.Commit, cur.Uncommitted = "", true
			}
		default:
			k, v, _ := strings.Cut(l, " ")
			switch k {
			case "author":
				cur.Author = v
			case "author-mail":
				cur.Email = strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
			case "author-time":
				unix, _ = strconv.ParseInt(v, 10, 64)
			}
		}
	}
	return lines
}
