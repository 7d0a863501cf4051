package cmd

import (
	"slices"
	"strings"
	"testing"

	"github.com/iamsync/iamsync/model"
)

// --rotate values are read against the manifests: what names nothing is refused, and
// scim_token/NAME is a SCIM token unless only an application named scim_token has that key.
func TestResolveRotate(t *testing.T) {
	d := &model.Org{
		APIKeys: []*model.APIKey{
			{Application: "ci", Name: "deploy"},
			{Application: "scim_token", Name: "legacy"},
			{Application: "scim_token", Name: "okta"},
		},
		SCIMTokens: []*model.SCIMToken{{Name: "okta"}},
	}
	for _, tc := range []struct {
		refs []string
		want []model.Key
		err  string
	}{
		{[]string{"ci/deploy"}, []model.Key{{Kind: model.KindAPIKey, Parent: "ci", Name: "deploy"}}, ""},
		{[]string{"scim_token/okta"}, []model.Key{{Kind: model.KindSCIMToken, Name: "okta"}}, ""},
		{[]string{"scim_token/legacy"}, []model.Key{{Kind: model.KindAPIKey, Parent: "scim_token", Name: "legacy"}}, ""},
		{[]string{"ci/deplyo"}, nil, `--rotate "ci/deplyo": the manifests declare no such API key`},
		{[]string{"scim_token/backup"}, nil, "no such SCIM token"},
		{[]string{"ci"}, nil, "expected APPLICATION/KEY"},
	} {
		got, err := resolveRotate(d, tc.refs)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: %v, want an error with %q", tc.refs, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, %v; want %v", tc.refs, got, err, tc.want)
		}
	}
}
