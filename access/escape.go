package access

import "github.com/iamsync/iamsync/escape"

// The escaping every renderer shares (package escape), under the names this package uses.
var (
	printable = escape.Printable
	codeSpan  = escape.CodeSpan
	mdEscape  = escape.Markdown
	htmlText  = escape.HTML
	cell      = escape.TableCell
)
