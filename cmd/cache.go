package cmd

import (
	"path/filepath"
	"runtime"

	"github.com/spf13/pflag"

	"github.com/iamsync/iamsync/live"
)

// cacheFlags choose the local cache of policies' rules that plan and apply read through
// (live/rulecache.go). audit and export never use it.
type cacheFlags struct {
	refresh bool   // read every rule from the API, and rewrite the cache
	dir     string // cache directory ("" = IAMSYNC_CACHE_DIR, else the user cache directory)
}

func (c *cacheFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&c.refresh, "refresh", false, "read every policy's rules from the API instead of the local rule cache (and rewrite the cache)")
	fs.StringVar(&c.dir, "cache-dir", "", "`directory` of the local rule cache, safe to delete (default: $IAMSYNC_CACHE_DIR, else the user cache directory + /iamsync)")
}

// ruleCache is the cache to read through; nil (no cache) when no directory can be found.
func (c *cacheFlags) ruleCache(env Env) *live.RuleCache {
	dir := c.dir
	if dir == "" {
		dir = env.Getenv("IAMSYNC_CACHE_DIR")
	}
	if dir == "" {
		base := userCacheDir(env.Getenv)
		if base == "" {
			return nil
		}
		dir = filepath.Join(base, "iamsync")
	}
	return &live.RuleCache{Dir: resolvePath(env, dir), Refresh: c.refresh}
}

// userCacheDir is os.UserCacheDir read through env.Getenv (so tests and in-process runs
// choose it): $XDG_CACHE_HOME or $HOME/.cache on Unix, $HOME/Library/Caches on macOS,
// %LocalAppData% on Windows; "" when the variable it needs is unset or relative.
func userCacheDir(getenv func(string) string) string {
	var dir string
	switch runtime.GOOS {
	case "windows":
		dir = getenv("LocalAppData")
	case "darwin", "ios":
		if home := getenv("HOME"); home != "" {
			dir = filepath.Join(home, "Library", "Caches")
		}
	default:
		dir = getenv("XDG_CACHE_HOME")
		if dir == "" {
			if home := getenv("HOME"); home != "" {
				dir = filepath.Join(home, ".cache")
			}
		}
	}
	if !filepath.IsAbs(dir) {
		return ""
	}
	return dir
}
