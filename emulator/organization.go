package emulator

import (
	"net/http"
)

// The organization as IAM sees it: GET /organizations/{id} and PATCH
// /organizations/{id}/login-methods, in the SDK's Organization shape (iam_sdk.go:3038) and
// UpdateOrganizationLoginMethodsRequest (3275, every field optional). Nothing is recorded.

type organization struct {
	Name           string `json:"name"`
	Alias          string `json:"alias"`
	LoginPassword  bool   `json:"login_password"`
	LoginMagicCode bool   `json:"login_magic_code"`
	LoginOAuth2    bool   `json:"login_oauth2"`
	LoginSAML      bool   `json:"login_saml"`
}

// defaultOrganization: password, magic code and OAuth2 logins on, SAML off. The first three
// are the console's sign-in choices for any new account (Scaleway docs: log in with a
// password, an e-mailed code, or a Google/GitHub/Microsoft account); SAML cannot be on before
// SAML is configured (below). The name is the emulator's; no alias is set (SetOrganizationAlias
// "will fail if an alias has already been defined", iam_sdk.go:5260, so new ones have none).
func defaultOrganization() *organization {
	return &organization{Name: "Emulated organization", LoginPassword: true, LoginMagicCode: true, LoginOAuth2: true}
}

// organizationJSON is the SDK's Organization (iam_sdk.go:3038), fields in its order.
type organizationJSON struct {
	ID                    string `json:"id"`
	Name                  string `json:"name"`
	Alias                 string `json:"alias"`
	LoginPasswordEnabled  bool   `json:"login_password_enabled"`
	LoginMagicCodeEnabled bool   `json:"login_magic_code_enabled"`
	LoginOauth2Enabled    bool   `json:"login_oauth2_enabled"`
	LoginSamlEnabled      bool   `json:"login_saml_enabled"`
}

func (s *Server) organizationOut() organizationJSON {
	o := s.st.Organization
	return organizationJSON{s.st.OrganizationID, o.Name, o.Alias, o.LoginPassword, o.LoginMagicCode, o.LoginOAuth2, o.LoginSAML}
}

// checkOrgPath validates the organization in a path: malformed is 400, another
// organization 403 (out of the bearer's reach, as organization_id elsewhere).
func (s *Server) checkOrgPath(c *call, resource string) *apiError {
	id, e := pathID(c, "organization_id")
	if e != nil {
		return e
	}
	return s.checkOrg(id, resource)
}

func getOrganization(s *Server, c *call) (int, any, *apiError) {
	if e := s.checkOrgPath(c, "organization"); e != nil {
		return 0, nil, e
	}
	return http.StatusOK, s.organizationOut(), nil
}

type loginMethodsReq struct {
	LoginPasswordEnabled  *bool `json:"login_password_enabled"`
	LoginOauth2Enabled    *bool `json:"login_oauth2_enabled"`
	LoginMagicCodeEnabled *bool `json:"login_magic_code_enabled"`
	LoginSamlEnabled      *bool `json:"login_saml_enabled"`
}

// updateLoginMethods is partial (every request field is optional, iam_sdk.go:3280-3289).
// Two refusals are the emulator's (nothing public gives the real answers): turning SAML
// login on while SAML is not configured and valid (Saml.status, iam_sdk.go:3123) is 400 on
// login_saml_enabled, since nobody could log in through it; and turning every method off is
// 400 on the field that turned the last one off, since nobody could log in at all.
func updateLoginMethods(s *Server, c *call) (int, any, *apiError) {
	if e := s.checkOrgPath(c, "organization"); e != nil {
		return 0, nil, e
	}
	var req loginMethodsReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	next := *s.st.Organization
	lastOff := ""
	for _, f := range []struct {
		arg string
		v   *bool
		to  *bool
	}{
		{"login_password_enabled", req.LoginPasswordEnabled, &next.LoginPassword},
		{"login_oauth2_enabled", req.LoginOauth2Enabled, &next.LoginOAuth2},
		{"login_magic_code_enabled", req.LoginMagicCodeEnabled, &next.LoginMagicCode},
		{"login_saml_enabled", req.LoginSamlEnabled, &next.LoginSAML},
	} {
		if f.v == nil {
			continue
		}
		*f.to = *f.v
		if !*f.v {
			lastOff = f.arg
		}
	}
	if next.LoginSAML && !s.st.Organization.LoginSAML {
		if s.st.Saml == nil || s.samlStatus(s.st.Saml) != "valid" {
			return 0, nil, errInvalid("login_saml_enabled", "constraint", "SAML login needs a valid SAML configuration: enable SAML and set its entity ID, single sign-on URL and a signing certificate first")
		}
	}
	if !next.LoginPassword && !next.LoginOAuth2 && !next.LoginMagicCode && !next.LoginSAML {
		return 0, nil, errInvalid(lastOff, "constraint", "at least one login method must stay enabled")
	}
	*s.st.Organization = next
	return http.StatusOK, s.organizationOut(), nil
}
