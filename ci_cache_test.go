package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The rule cache in CI (issue 18): the Action restores it before the plan and saves it after,
// the setup action (apply jobs) restores it and saves it when the job succeeds, both in the
// directory iamsync is pointed at through IAMSYNC_CACHE_DIR, keyed by the organization.

// locateCache runs the "Locate the rule cache" step of path for org and returns the cache
// directory it exported, its outputs, and whether the directory exists.
func locateCache(t *testing.T, path, org string) (exported string, outs map[string]string) {
	t.Helper()
	c := newCIEnv(t, "SCW_DEFAULT_ORGANIZATION_ID="+org)
	genv := filepath.Join(t.TempDir(), "env")
	c.env = append(c.env, "GITHUB_ENV="+genv)
	res := runStep(t, c, readAction(t, path).step(t, "Locate the rule cache"))
	if res.code != 0 {
		t.Fatalf("%s: locate step failed:\n%s", path, res.stderr)
	}
	data, err := os.ReadFile(genv)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "IAMSYNC_CACHE_DIR="); ok {
			exported = v
		}
	}
	outs = c.outputs(t)
	if exported == "" || exported != outs["dir"] || !strings.HasPrefix(exported, c.temp) {
		t.Fatalf("%s: IAMSYNC_CACHE_DIR=%q, output dir=%q (runner temp %s)", path, exported, outs["dir"], c.temp)
	}
	if st, err := os.Stat(exported); err != nil || !st.IsDir() {
		t.Fatalf("%s: the cache directory %s was not made: %v", path, exported, err)
	}
	return exported, outs
}

func TestActionsKeepTheRuleCache(t *testing.T) {
	for _, path := range []string{"action.yml", "setup/action.yml"} {
		t.Run(path, func(t *testing.T) {
			a := readAction(t, path)
			if a.Inputs["rule-cache"].Default != "true" {
				t.Errorf("rule-cache defaults to %q, want true", a.Inputs["rule-cache"].Default)
			}
			_, one := locateCache(t, path, "11111111-1111-4111-8111-111111111111")
			_, same := locateCache(t, path, "11111111-1111-4111-8111-111111111111")
			_, other := locateCache(t, path, "22222222-2222-4222-8222-222222222222")
			if one["key"] == "" || one["key"] != same["key"] || one["key"] == other["key"] {
				t.Errorf("cache keys: %q, %q for the same organization, %q for another", one["key"], same["key"], other["key"])
			}
			if strings.Contains(one["key"], "1111") {
				t.Errorf("the key %q shows the organization ID; it is hashed", one["key"])
			}
			index := map[string]int{}
			for i, s := range a.Runs.Steps {
				index[s.Name] = i
			}
			dir, key := "${{ steps.cache.outputs.dir }}", "${{ steps.cache.outputs.key }}"
			check := func(name, uses string, restores bool) step {
				s := a.step(t, name)
				if !strings.HasPrefix(s.Uses, uses+"@") || s.With["path"] != dir || !strings.HasPrefix(s.With["key"], key+"-") {
					t.Errorf("step %q: %+v", name, s)
				}
				if restores && s.With["restore-keys"] != key+"-" {
					t.Errorf("step %q restores from %q, want the newest cache of the organization", name, s.With["restore-keys"])
				}
				return s
			}
			if path == "setup/action.yml" {
				// actions/cache restores now and saves in its post step, after the apply.
				check("Rule cache", "actions/cache", true)
				return
			}
			restore := check("Restore the rule cache", "actions/cache/restore", true)
			save := check("Save the rule cache", "actions/cache/save", false)
			if restore.With["key"] != save.With["key"] {
				t.Errorf("restore key %q, save key %q", restore.With["key"], save.With["key"])
			}
			if !(index["Locate the rule cache"] < index["Restore the rule cache"] && index["Restore the rule cache"] < index["Validate, plan and audit"] &&
				index["Validate, plan and audit"] < index["Save the rule cache"]) {
				t.Errorf("steps out of order: %v", index)
			}
			if !strings.HasPrefix(save.If, "always() && ") {
				t.Errorf("the cache is saved only when the plan succeeded (if %q): a failed plan's reads would be lost", save.If)
			}
		})
	}
}

func TestGitLabKeepsTheRuleCache(t *testing.T) {
	data, err := os.ReadFile("ci/gitlab/iamsync.gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]struct {
		Variables map[string]string `yaml:"variables"`
		Cache     struct {
			Key       string   `yaml:"key"`
			Paths     []string `yaml:"paths"`
			When      string   `yaml:"when"`
			Unprotect bool     `yaml:"unprotect"`
		} `yaml:"cache"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	base := raw[".iamsync"]
	dir, ok := strings.CutPrefix(base.Variables["IAMSYNC_CACHE_DIR"], "$CI_PROJECT_DIR/")
	if !ok {
		t.Fatalf("IAMSYNC_CACHE_DIR = %q: GitLab caches only paths inside the project directory", base.Variables["IAMSYNC_CACHE_DIR"])
	}
	c := base.Cache
	if len(c.Paths) != 1 || strings.TrimSuffix(c.Paths[0], "/") != dir {
		t.Errorf("cache paths %q, want the directory IAMSYNC_CACHE_DIR names (%s)", c.Paths, dir)
	}
	if !strings.Contains(c.Key, "$IAMSYNC_ORGANIZATION_ID") || c.When != "always" {
		t.Errorf("cache key %q (want one per organization), when %q (want always: a failed plan's reads still count)", c.Key, c.When)
	}
	if c.Unprotect {
		t.Error("cache: unprotect would let a merge request write the cache the apply job trusts")
	}
	for _, job := range []string{"iamsync-plan", "iamsync-apply"} {
		if raw[job].Cache.Key != "" {
			t.Errorf("%s overrides the cache of .iamsync", job)
		}
	}
	// The artifacts never include the cache (it would outlive the job as a download).
	for _, p := range readGitLab(t)["iamsync-plan"].Artifacts.Paths {
		if strings.HasPrefix(p, dir) {
			t.Errorf("artifact path %s is the cache", p)
		}
	}
}
