package model

// Coexistence with an identity provider. Scaleway's SCIM provisions members (since 2026-02)
// and groups with their members (since 2026-08). Without a word from the manifests iamsync
// treats members and memberships as its own, so that it and the identity provider would undo
// each other's changes on every sync. The manifests hand them over explicitly:
//
//   - users_from: identity_provider (stack-wide) — the stack never creates, updates, locks
//     or deletes a member. Members are still referred to by email (group members, policy
//     principals), and a users: entry names a member the stack expects (for its audit
//     silences) without managing it. A member the identity provider has not provisioned (or
//     has deprovisioned) is not created: the plan warns and leaves it out of the groups that
//     list it, so the next plan after the provider adds them simply adds the membership.
//   - members_from: identity_provider (per group) — the stack manages the group (name,
//     description, tags) and its policies, never its members: the plan takes the live
//     members as the desired ones, so it plans no member change, and the access review
//     expands the members the group has.
//
// The API cannot tell a provisioned member or group from another (scaleway-sdk-go v1.39's
// User and Group have no field for it; emulator/doc.go), so the manifests' declaration is
// what iamsync goes by. Stack-wide for users because the identity provider owns the whole
// directory: a member that only some entries hand over would leave "missing" meaning either
// "create" or "wait for the provider". Members iamsync must create (a break-glass account)
// belong in another stack.

// FromIdentityProvider is the value of users_from and members_from that hands members, or a
// group's memberships, to the identity provider.
const FromIdentityProvider = "identity_provider"

// UsersFromIdentityProvider reports whether the identity provider manages o's members.
func (o *Org) UsersFromIdentityProvider() bool { return o.UsersFrom == FromIdentityProvider }

// MembersFromIdentityProvider reports whether the identity provider manages g's members.
func (g *Group) MembersFromIdentityProvider() bool { return g.MembersFrom == FromIdentityProvider }
