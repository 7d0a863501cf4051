// Package comment keeps iamsync's one Markdown comment on a GitHub pull request or a GitLab
// merge request up to date: it composes the body within the forge's size limit, finds the
// comment carrying its hidden marker, and edits it in place or creates it. It uses only the
// standard library's HTTP client, and never puts the token anywhere but the request header.
package comment

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Forge is the comment API of one pull or merge request.
type Forge interface {
	// Name is the forge's name in messages: "GitHub" or "GitLab".
	Name() string
	// Limit is the largest body the forge accepts, in bytes.
	Limit() int
	// List returns the request's comments, oldest first, every page.
	List(ctx context.Context) ([]Comment, error)
	Create(ctx context.Context, body string) (Comment, error)
	Update(ctx context.Context, id, body string) (Comment, error)
}

// Comment is one comment (GitHub) or note (GitLab) as the forge returned it.
type Comment struct {
	ID   string
	Body string
	URL  string // for people, "" when the forge does not say
}

// Outcome says what Upsert did.
type Outcome int

const (
	Created Outcome = iota + 1
	Updated
	Unchanged // the comment already had this body: nothing was written
)

func (o Outcome) String() string {
	switch o {
	case Created:
		return "created"
	case Updated:
		return "updated"
	case Unchanged:
		return "unchanged"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Result is the outcome, the comment as it now is, and any other comments carrying the same
// marker (two runs that raced to create it), which Upsert leaves alone.
type Result struct {
	Outcome    Outcome
	Comment    Comment
	Duplicates []Comment
}

// Marker is the hidden first line that identifies iamsync's comment for id (the manifest set
// it is about, so two sets planned on one pull request keep two comments). It is an HTML
// comment, which both forges keep in the source and do not render.
func Marker(id string) string {
	// "--" would end the HTML comment early; keep ids to a safe alphabet.
	id = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._/+@", r) {
			return r
		}
		return '_'
	}, id)
	if id == "" {
		id = "default"
	}
	return "<!-- iamsync:comment id=" + id + " -->"
}

// owns reports whether body is the comment marker heads. Only the start counts, so a reply
// quoting the comment is never taken for it.
func owns(body, marker string) bool {
	return strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), marker)
}

// Upsert makes the comment headed by marker have body: it edits the oldest such comment in
// place, or creates one. body must start with marker.
func Upsert(ctx context.Context, f Forge, marker, body string) (Result, error) {
	if !owns(body, marker) {
		return Result{}, errors.New("the comment body does not start with its marker")
	}
	if len(body) > f.Limit() {
		return Result{}, fmt.Errorf("the comment is %d bytes, over %s's limit of %d", len(body), f.Name(), f.Limit())
	}
	res, found, err := find(ctx, f, marker)
	if err != nil {
		return Result{}, err
	}
	if !found {
		c, err := f.Create(ctx, body)
		if err == nil {
			res.Outcome, res.Comment = Created, c
			return res, nil
		}
		if !Retryable(err) {
			return Result{}, err
		}
		// The create may have happened with its answer lost: look again before creating a
		// second comment.
		if res, found, err = find(ctx, f, marker); err != nil {
			return Result{}, err
		}
		if !found {
			c, err := f.Create(ctx, body)
			if err != nil {
				return Result{}, err
			}
			res.Outcome, res.Comment = Created, c
			return res, nil
		}
	}
	if normalize(res.Comment.Body) == normalize(body) {
		res.Outcome = Unchanged
		return res, nil
	}
	c, err := f.Update(ctx, res.Comment.ID, body)
	if err != nil {
		return Result{}, err
	}
	if c.URL == "" {
		c.URL = res.Comment.URL
	}
	res.Outcome, res.Comment = Updated, c
	return res, nil
}

// find returns the oldest comment headed by marker in res.Comment, the others in Duplicates.
func find(ctx context.Context, f Forge, marker string) (res Result, found bool, err error) {
	all, err := f.List(ctx)
	if err != nil {
		return Result{}, false, err
	}
	for _, c := range all {
		if !owns(c.Body, marker) {
			continue
		}
		if !found {
			res.Comment, found = c, true
		} else {
			res.Duplicates = append(res.Duplicates, c)
		}
	}
	return res, found, nil
}

// normalize undoes what the forges do to a stored body (GitHub may answer with CRLF line
// endings), so an unchanged plan is recognised as such.
func normalize(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}
