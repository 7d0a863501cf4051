package emulator

import (
	"errors"
	"fmt"
	"time"
)

// seedOrganization creates what a new organization has: the owner user, the default project
// (its ID equals the organization's, §4), and the owner application with its API key.
func (s *Server) seedOrganization() {
	now := s.now().UTC().Truncate(time.Microsecond)
	st := s.st
	st.RootUserID = st.newID()
	owner := &user{ID: st.newID(), Seq: st.Counter, Email: "owner@example.com", CreatedAt: now, Owner: true, Tags: []string{}}
	st.Users[owner.ID] = owner
	st.OwnerUserID = owner.ID
	s.newProject(st.OrganizationID, "default", "", now)
	app := s.newApplication("iamsync-emulator-owner", "Owner application of the emulated organization", nil, now)
	st.OwnerApplicationID = app.ID
	k := &apiKey{Description: "owner key", CreatedAt: now, UpdatedAt: now, DefaultProjectID: st.OrganizationID, CreationIP: "127.0.0.1", ApplicationID: app.ID}
	s.issueKey(k)
	st.OwnerAccessKey = k.AccessKey
	st.ensureManagedGroups()
}

// seedManaged adds a provider-managed application and its policy, shaped like the recorded
// "VPN Gateway" pair (list-iam-applications-basic #8, list-iam-policies-basic #19).
func (s *Server) seedManaged() {
	now := s.now().UTC().Truncate(time.Microsecond)
	gw := s.st.newID()
	tags := []string{"iam-managed-product=s-2-s-vpn", "iam-managed-resource-name=vpn_gateway", "iam-managed-resource-id=" + gw}
	app := s.newApplication("VPN Gateway "+gw, "Managed application for connections of VPN Gateway "+gw, append([]string{}, tags...), now)
	app.Managed = true
	p := s.newPolicy("VPN Gateway "+gw, "Managed policy for connections of VPN Gateway "+gw, append([]string{}, tags...), now)
	p.Managed = true
	p.ApplicationID = app.ID
	p.Rules = []rule{{ID: s.st.newID(), PermissionSetNames: []string{"VPCReadOnly", "IPAMReadOnly", "PrivateNetworksReadOnly", "SiteToSiteVPNReadOnly"},
		OrganizationID: s.st.OrganizationID}}
}

// NewCredentials creates an application named appName, an organization-scoped policy
// granting permissionSets to it (none = no policy, so every IAM call is refused), and an API
// key; it returns the key's credentials.
func (s *Server) NewCredentials(appName string, permissionSets ...string) (Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := checkName("name", appName); e != nil {
		return Credentials{}, fmt.Errorf("new credentials: invalid application name %q", appName)
	}
	if len(permissionSets) > 0 {
		org := s.st.OrganizationID
		if _, e := s.buildRules([]ruleSpec{{PermissionSetNames: permissionSets, OrganizationID: &org}}); e != nil {
			return Credentials{}, fmt.Errorf("new credentials: invalid permission sets %v", permissionSets)
		}
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	app := s.newApplication(appName, "", nil, now)
	if len(permissionSets) > 0 {
		org := s.st.OrganizationID
		rules, _ := s.buildRules([]ruleSpec{{PermissionSetNames: permissionSets, OrganizationID: &org}})
		p := s.newPolicy(appName, "", nil, now)
		p.ApplicationID = app.ID
		p.Rules = rules
	}
	k := &apiKey{CreatedAt: now, UpdatedAt: now, DefaultProjectID: s.st.OrganizationID, CreationIP: "127.0.0.1", ApplicationID: app.ID}
	s.issueKey(k)
	if err := s.persistLocked(); err != nil {
		return Credentials{}, err
	}
	return Credentials{AccessKey: k.AccessKey, SecretKey: k.Secret, OrganizationID: s.st.OrganizationID, ProjectID: s.st.OrganizationID}, nil
}

// BulkSpec describes an organization to seed directly (no HTTP), for benchmarks. Names are
// Prefix + kind + index ("bulk-app-00042"); every object gets the tag Prefix+"seeded".
type BulkSpec struct {
	Prefix string // default "bulk-"
	// Applications to create, each with KeysPerApplication API keys.
	Applications       int
	KeysPerApplication int
	// Policies to create, each with RulesPerPolicy organization-scoped rules; policy i has
	// application i mod Applications as principal (none when Applications is 0).
	Policies       int
	RulesPerPolicy int
	// Groups to create, each with MembersPerGroup members taken in turn from the seeded
	// users, then applications.
	Groups          int
	MembersPerGroup int
	// Users (members) and Projects to create.
	Users    int
	Projects int
	// Tags are added to every application, group and policy (after Prefix+"seeded").
	Tags []string
	// Stack, when set, makes the objects owned by that iamsync stack, so that a benchmark can
	// plan an unchanged organization: applications, groups and policies get the tag
	// "iamsync-stack=STACK", and key j of an application gets the description
	// "[iamsync:STACK/kJ]" (iamsync's marker, model.KeyDescription with an empty description;
	// written out here because the emulator imports nothing of iamsync's).
	Stack string
}

// SeedBulk adds spec's objects in one locked pass and persists once.
func (s *Server) SeedBulk(spec BulkSpec) error {
	if spec.Applications < 0 || spec.KeysPerApplication < 0 || spec.Policies < 0 || spec.RulesPerPolicy < 0 ||
		spec.Groups < 0 || spec.MembersPerGroup < 0 || spec.Users < 0 || spec.Projects < 0 {
		return errors.New("seed bulk: counts must not be negative")
	}
	p := spec.Prefix
	if p == "" {
		p = "bulk-"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UTC().Truncate(time.Microsecond)
	tags := append([]string{p + "seeded"}, spec.Tags...)
	if spec.Stack != "" {
		tags = append(tags, "iamsync-stack="+spec.Stack)
	}
	var users, apps []string
	for i := 0; i < spec.Users; i++ {
		u, err := s.addUserLocked(fmt.Sprintf("%suser-%05d@example.com", p, i))
		if err != nil {
			return fmt.Errorf("seed bulk: %w", err)
		}
		users = append(users, u.ID)
	}
	for i := 0; i < spec.Projects; i++ {
		s.newProject(s.st.newID(), fmt.Sprintf("%sproject-%05d", p, i), "", now)
	}
	for i := 0; i < spec.Applications; i++ {
		a := s.newApplication(fmt.Sprintf("%sapp-%05d", p, i), "", append([]string{}, tags...), now)
		apps = append(apps, a.ID)
		for j := 0; j < spec.KeysPerApplication; j++ {
			desc := fmt.Sprintf("%skey-%05d-%d", p, i, j)
			if spec.Stack != "" {
				desc = fmt.Sprintf("[iamsync:%s/k%d]", spec.Stack, j)
			}
			s.issueKey(&apiKey{Description: desc, CreatedAt: now, UpdatedAt: now,
				DefaultProjectID: s.st.OrganizationID, CreationIP: "127.0.0.1", ApplicationID: a.ID})
		}
	}
	sets := []string{"IAMReadOnly", "ProjectReadOnly", "BillingReadOnly", "OrganizationReadOnly"}
	projectSets := []string{"AllProductsReadOnly", "ContainerRegistryReadOnly", "AllProductsFullAccess"}
	for i := 0; i < spec.Policies; i++ {
		pol := s.newPolicy(fmt.Sprintf("%spolicy-%05d", p, i), "", append([]string{}, tags...), now)
		if len(apps) > 0 {
			pol.ApplicationID = apps[i%len(apps)]
		}
		for j := 0; j < spec.RulesPerPolicy; j++ {
			name := sets[j%len(sets)]
			if j%2 == 1 {
				name = projectSets[j%len(projectSets)]
			}
			pol.Rules = append(pol.Rules, rule{ID: s.st.newID(), PermissionSetNames: []string{name}, OrganizationID: s.st.OrganizationID})
		}
	}
	members := append(append([]string{}, users...), apps...)
	next := 0
	for i := 0; i < spec.Groups; i++ {
		g := s.newGroup(fmt.Sprintf("%sgroup-%05d", p, i), "", append([]string{}, tags...), now)
		for j := 0; j < spec.MembersPerGroup && len(members) > 0; j++ {
			idx := next % len(members)
			next++
			if id := members[idx]; idx < len(users) {
				g.UserIDs = append(g.UserIDs, id)
			} else {
				g.ApplicationIDs = append(g.ApplicationIDs, members[idx])
			}
		}
		g.UserIDs, g.ApplicationIDs = sorted(dedupe(g.UserIDs)), sorted(dedupe(g.ApplicationIDs))
	}
	return s.persistLocked()
}
