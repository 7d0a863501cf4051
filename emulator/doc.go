// Package emulator is an HTTP server that answers the Scaleway IAM API (/iam/v1alpha1:
// applications, groups, policies, API keys, users, SSH keys, logs, quotas, security
// settings, SAML, SCIM, login methods, console sessions), Account v3 projects
// (/account/v3/projects) and a few Secret Manager calls
// (/secret-manager/v1beta1) as the real ones do, so that iamsync's tests never reach
// Scaleway. Start one per test with Start, point scaleway-sdk-go at URL() with
// the Owner() credentials, and read Counts() to assert how many calls were made.
//
// The behaviour follows shared/scaleway-api/BEHAVIOUR.md (cited as §N) and is held to the
// recordings by the conformance test (CONFORMANCE.md). Wire types are written from the
// recordings, not taken from the SDK, so that a misreading of the API in iamsync's live
// package cannot be mirrored here and cancel out. The package uses the standard library only.
//
// # What a new organization holds
//
// New seeds an owner user (owner@example.com, type owner), a default project whose ID equals
// the organization ID (§4), an application "iamsync-emulator-owner" and its API key. That key
// always has every right; the owner application cannot be deleted (403) and the owner key
// cannot be deleted either, so a test can never lock itself out. Every organization also
// has the managed groups "All Users" and "All Applications" (below). Options.Users adds member
// users; Options.ManagedObjects adds a provider-managed "VPN Gateway …" application and
// policy (managed:true, editable:false, deletable:false) that refuse PATCH and DELETE (403).
//
// # Authentication and rights
//
// Every Scaleway path needs X-Auth-Token = a secret key (§1). Unknown key: the recorded 401
// {"message":"authentication is denied","method":"api_key","reason":"not_found","type":"denied_authentication"};
// missing token: the same with reason "invalid_argument"; expired key (expires_at past):
// reason "expired" (neither recorded). GET /metadata needs no token. Rights come from the
// organization-scoped rules of the policies reaching the key's bearer, directly or through a
// group: IAMManager and OrganizationManager give everything (project-level sets such as
// AllProductsFullAccess give no IAM right); OrganizationReadOnly every read; IAMReadOnly every
// read but projects' (Account's, read with ProjectReadOnly: Scaleway's permission-set reference
// gives IAMReadOnly "list and read access to users, groups, applications, policies, and API
// keys" and ProjectReadOnly "read access to Project management"; no recording shows either way);
// IAMApplication*, IAMGroup*,
// IAMPolicy*, IAMUser*, Project* their resource. Quotas, logs, security settings, the
// organization's login methods, SAML, SCIM and console sessions are read with IAMReadOnly,
// IAMManager, OrganizationReadOnly or OrganizationManager and written with the two managers
// (Scaleway's SAML and SCIM pages ask for "Owner status or IAM permissions"). SSH keys and secrets are project resources, granted
// by project-level sets per project (below). A refusal is the recorded 403 with details
// [{"action":"read"|"write","resource":…}] ("write" is the emulator's word for non-GET).
//
// # Choices where the recordings are silent (§9)
//
//   - name, policy_name and description filters: case-insensitive substring; tag: exact
//     membership.
//   - page_size outside 1..100 or page < 1: 400 invalid_arguments; a page past the end is
//     empty with the right total_count. Projects default to 100 per page (recorded: ≥ 42).
//   - Every sort breaks ties by creation order; name orders are case-insensitive (§5.7).
//   - Deleting an application deletes its keys (§5.5), removes it from groups, and its
//     policies then report no_principal:true (suggested by list-iam-policies-basic #18).
//     Deleting a group does the same to its policies.
//   - A second DELETE is 404. PUT members with two empty lists empties the group.
//     add-member of a current member is 200 and changes nothing.
//   - POST /policies/{id}/clone names the copy "<name> (copy)", keeps description, tags and
//     rules (new IDs), has no principal and answers with real counters.
//   - Policy PATCH never moves updated_at (recorded for tags and principal, assumed for name
//     and description); PUT /rules does.
//   - nb_permission_sets counts duplicates; nb_scopes counts each project of project_ids.
//   - Unknown permission set, project_ids with organization-level sets, a rule scope that
//     is not exactly one of organization_id/project_ids/account_root_user_id: 400
//     invalid_arguments on rules[i]…; an unknown project in project_ids or
//     default_project_id: 404 resource "project".
//   - Names must be 1–64 characters and descriptions ≤ 200 (documented limits); application
//     and policy names are not unique, project names neither (§5.6); group names are
//     (Limits below).
//   - API key expires_at in the past: 400; PATCH accepts expires_at (SDK v1.39 sends it).
//     expires_at is kept to the microsecond, finer digits truncated (a held-out recording,
//     issue 10; BEHAVIOUR.md §4 still says "the client's precision").
//   - The default project cannot be deleted, nor a project named in a rule, nor one holding
//     resources (secrets, SSH keys): 400. "The Project needs to be empty ... to be deleted"
//     (account_sdk.go:1369); DeleteProjectWithResources (1394) is not served. Project
//     create, update and delete otherwise follow the recordings (account/project-basic).
//   - An unknown path is 404 not_found; a known path with a wrong method 405; a malformed
//     body or a field of the wrong type 400 invalid_arguments. Never a 500 unless injected
//     as a fault (FuzzHandler checks it).
//   - GET /permission-sets serves permission-sets.tsv with empty descriptions.
//   - creation_ip is the caller's address (127.0.0.1 in tests).
//   - Seeded users: username = email, empty names and phone, locale en_US, status
//     activated, last_login_at null until AddSession or SetLastLogin, mfa false. SetUserMFA turns mfa (and
//     two_factor_enabled) on for tests: no API call enables MFA without an authenticator.
//
// # Limits
//
//   - At most 10 tags on an application, group, policy or user, on create and PATCH
//     (iam_sdk.go:1935, 1950, 1977, 3255, 3270, 3324, 3381): above, 400 invalid_arguments
//     with argument "tags", reason "constraint" (§6 layout).
//   - Group names are unique in the organization (iam_sdk.go:1944, 3264 "MUST be unique
//     inside an Organization"), compared exactly. A duplicate create or rename is 409
//     already_exists {help_message, message, resource:"group", resource_id: the holder}, the
//     layout §6 recorded for another product; 409 for a name clash is also what
//     gkrost/scaleway-ops-mcp-server#5 reports seeing. scaleway-sdk-go has no type for it
//     (a *scw.ResponseError).
//   - Quotas: GET /quota and /quota/{name} in the SDK's Quotum shape (iam_sdk.go:1574,
//     QuotumLimit 1096): locality_type "global", one limits entry {global:true, limit|unlimited}
//     and the deprecated top-level limit|unlimited. Names api_keys, applications, groups,
//     policies, ssh_keys, users are the emulator's (no public source names the IAM quota).
//     Only the quotas in Options.Quotas are enforced and reported with a limit; the others,
//     and all of them by default, are unlimited, so benchmarks creating thousands of
//     objects are never refused. DefaultQuotas holds the documented values: 100
//     applications, 50 groups, 50 policies, 50 users (Scaleway IAM FAQ), 100 API keys (the
//     IAM FAQ, newer than the Organization quotas page that says 50,
//     scaleway/docs-content#6868) and 50 SSH keys (Organization quotas page). Owner user,
//     owner application and owner key count. Going over is 403 quotas_exceeded {details:
//     [{current, organization_id, quota, resource}], message, type}: the status and detail
//     layout of scaleway-sdk-js's error tests and of a public report of a createServer 403
//     quotas_exceeded; scaleway-sdk-go decodes it as *scw.QuotasExceededError
//     (scw/errors.go:134, 335). Unknown quotum: 404 resource "quotum". Test helpers
//     (NewCredentials, SeedBulk, AddUser, ProvisionUser, ProvisionGroup) ignore quotas.
//
// # Members (users writes)
//
//   - POST /users creates a member (CreateUserRequest.member, iam_sdk.go:1193, 2031); the
//     answer is the recorded User shape (user-member #0). Guest invitations (email without
//     member) are 400 on "member": they are being retired and v1.39's UserType has no guest
//     (iam_sdk.go:1035). organization_id is required (the SDK fills it in).
//   - E-mails are unique in the organization, case-insensitively (this emulator's brief; the
//     SDK says nothing), and usernames too ("user identifier unique to the Organization",
//     iam_sdk.go:1780); a clash is 409 already_exists naming the holder, as for groups. An
//     empty username is 400 (the console and Terraform require one). locale "" becomes
//     en_US (creates with locale "" answer en_US, data-source-user-basic #0).
//   - No password and no welcome e-mail: the member is created without a password and logs
//     in with an e-mailed code; the API does not answer a generated one (no field for it in
//     User) and three recordings create such members with 200 (data-source-user-basic,
//     list-iam-users-basic, list-iam-users-mfa #0); Scaleway's docs say "Passwords are not
//     required for a first Member login". The emulator never generates a password and sends
//     no e-mail. Passwords (create, update-password) are never answered and join
//     IssuedSecrets, so secret canaries catch a leaked member password. No strength rule is
//     applied (none is public); update-password with "" is 400.
//   - PATCH /users/{id} is partial and does not move updated_at (user-member #6);
//     update-username does (#7), and so do update-password, lock and unlock (not recorded).
//   - Lock/unlock set locked; status stays "activated" (status is the deprecated invitation
//     status, iam_sdk.go:1817). A locked member's keys still authenticate but every call is
//     403: "cannot ... use API keys" (iam_sdk.go:3887), "lose their permissions" (docs,
//     manage members). Locking a locked member is 200 and changes nothing. The owner cannot
//     be locked ("Locking ... only applies to IAM Members") nor deleted (deletable:false,
//     iam_sdk.go:1804): 403, as for the owner application.
//   - DELETE /users/{id} deletes the member's API keys, removes it from groups and leaves its
//     policies without principal (no_principal), as iam_sdk.go:3694 describes ("deletes their
//     API keys, and any policies directly attached to them become orphaned").
//
// # SSH keys
//
//   - /ssh-keys as recorded (ssh-key*, data-source-*ssh-key*, list-iamssh-keys-basic):
//     public_key is answered as "TYPE BASE64", comment and surrounding white space (a
//     trailing newline included) dropped; fingerprint is "BITS MD5:hex:pairs (TYPE)", the MD5
//     of the decoded key (recorded for ed25519; bits for RSA, DSA and ECDSA are the modulus,
//     p or curve size, as ssh-keygen counts them, and the parenthesis keeps the key type
//     name: extrapolations). PATCH (name, disabled) is partial and moves updated_at.
//   - Accepted types are the SDK's list (iam_sdk.go:2002): ssh-rsa, ssh-dss, ssh-ed25519,
//     ecdsa-sha2-nistp256/384/521. Anything else, a key that is not base64, whose encoded
//     type differs from the stated one, or whose wire data is short, long or malformed is
//     400 invalid_arguments on public_key (reason format). name is required, ≤ 1000
//     characters; public_key ≤ 65000 (iam_sdk.go:1999, 2002). project_id is required (the
//     SDK fills in the default project) and must exist (404 project).
//   - The same public key may be added twice and names are not unique
//     (list-iamssh-keys-basic #0, #4). disabled=true lists only disabled keys (#15), so
//     disabled=false lists only enabled ones; name is a substring filter like the others.
//   - Rights are per project: SSHKeysReadOnly/SSHKeysFullAccess and AllProductsReadOnly/
//     AllProductsFullAccess (project-level sets, permission-sets.tsv) on the key's project, or
//     on every project when the rule is scoped to the organization. IAM sets give none
//     (IAMManager covers "users, groups, applications, policies and API keys"). A list shows
//     the keys of readable projects; a key of another project is 403, not 404.
//   - A project holding SSH keys cannot be deleted (400, like a project named by a rule).
//   - Quota ssh_keys, documented at 50 (Organization quotas page).
//
// # Organization security settings
//
//   - GET/PATCH /organizations/{organization_id}/security-settings answer the SDK's
//     OrganizationSecuritySettings (iam_sdk.go:3062) with every field present; durations are
//     protobuf JSON strings ("259200s", "1.500s"), which scw.Duration reads
//     (scw/custom_types.go:302); the SDK's own "%d.%09ds" (custom_types.go:293) is accepted.
//     A negative or malformed duration is 400 on its field. PATCH is partial (an empty body
//     changes nothing, as a public client reports from the live API). Another organization
//     in the path is 403, a malformed one 400.
//   - Defaults: enforce_password_renewal false, grace_period_duration 3 days,
//     max_login_session_duration 30 days, max_api_key_expiration_duration 0 (no maximum): the
//     Scaleway docs ("default (3 days)", "by default ... 30 days", "By default, API keys do
//     not expire"), matching the 259200s, 2592000s and 0s a public client quotes.
//     login_attempts_before_locked 5 is a guess (no public default).
//   - With max_api_key_expiration_duration set, POST /api-keys without expires_at is 400
//     invalid_arguments on expires_at (reason required), and an expires_at further than that
//     from now, on create or PATCH, is 400 (reason constraint): the docs say such a create
//     "will result in an error" without its shape. Keys that exist are left alone ("does not
//     affect existing API keys"). Read with any IAM or Organization read right, written
//     with IAMManager or OrganizationManager.
//
// # Audit logs
//
//   - GET /logs and /logs/{id} serve the SDK's Log (iam_sdk.go:1427). Every successful write
//     on a resource type of LogResourceType (770: api_key, user, application, group,
//     policy) logs one entry, action created/updated/deleted (LogAction, 725): creates and
//     clones created, PATCH, membership calls, PUT /rules (on the policy), update-username,
//     update-password, lock and unlock updated, DELETE deleted. resource_id is the object's
//     ID, the access key for API keys. bearer_id is the application or user bearing the key
//     used (the owner key's is the owner application); ip and user_agent are the request's.
//     Nothing is logged for reads, refused writes, SSH keys, projects, security settings,
//     login methods, SAML, SCIM or sessions (no resource type), nor for the keys a deletion takes along (the emulator's choice).
//   - Filters: action and resource_type (their unknown_* zero values mean no filter, as on
//     users), search = exactly a bearer ID or a resource ID (iam_sdk.go:2585),
//     created_after/created_before exclusive; order created_at asc (default) or desc;
//     unknown log 404 resource "log".
//   - Reading logs needs a right on all of IAM or the Organization (IAMReadOnly,
//     IAMManager, OrganizationReadOnly, OrganizationManager; the docs ask for "Owner status
//     or IAM permissions"): the per-resource sets (IAMApplicationManager, …) get 403 read log.
//
// # Secret Manager
//
//   - /secret-manager/v1beta1/regions/{region}/secrets, as the SDK builds the paths
//     (api/secret/v1beta1): list (project_id, organization_id, name, path, tags, type,
//     scheduled_for_deletion, order_by name_asc by default), create, get, delete; versions:
//     create (data base64), list (newest first, status filter), get, access (a revision,
//     "latest", "latest_enabled"), delete. Shapes, "latest" flags, version_count and the
//     unmoved updated_at are those of the two api-key-ephemeral-resource-* recordings, which
//     the conformance test now replays whole. Regions: fr-par, nl-ams, pl-waw
//     (secret_sdk.go:1126); another is 400 on region. Secrets live in their region.
//   - Choices: name filters match exactly; type defaults to opaque and path to "/"; a name
//     already used at that path in the project and region is 409 already_exists (lookups by
//     path need one secret per name); data is required, ≤ 64 KiB; data_crc32 is kept, not
//     checked. A deleted secret stays readable with deletion_requested_at (recorded) and is
//     listed only with scheduled_for_deletion=true; a deleted version keeps its number (and
//     counts in version_count, recorded), shows status deleted and forgets its data. Acting
//     on something deleted is 412 precondition_failed "resource_not_usable" (the body a
//     public client quotes from Secret Manager); so is reading a disabled version
//     (disable_previous) and deleting a protected secret (precondition value a guess).
//   - Rights per project (project-level sets): SecretManagerReadOnly and
//     AllProductsReadOnly see secrets and versions but not data; SecretManagerSecretAccess
//     also reads data; Create/Write/Delete write; FullAccess and AllProductsFullAccess do
//     all. IAM sets give none.
//   - IssuedSecrets covers stored data of 8 bytes or more, unless it is a bare access key or
//     already holds an issued secret, so a secret canary catches it.
//
// # Managed groups "All Users" and "All Applications"
//
//   - Present in every organization (changelog 2026-09-02; Group.AllUsers and
//     Group.AllApplications, iam_sdk.go:1400-1404), answered with managed:true,
//     editable:false, deletable:false (1391-1398); PATCH, DELETE and the membership calls
//     are 403 write group. Every group answers all_users and all_applications (false for
//     the others); the conformance test allows these two keys, which postdate the
//     recordings.
//   - Their user_ids and application_ids are empty (BEHAVIOUR.md §10: not recorded whether
//     the API lists them), yet a policy on "All Users" gives its rights to every user's keys
//     and one on "All Applications" to every non-managed application's ("contains all
//     non-managed applications", 1403). They list first in creation order, do not count
//     toward the groups quota (emulator's choice), and their IDs derive from the
//     organization ID, so older state files gain them on load with no other ID moving.
//     ManagedGroupIDs returns them.
//
// # SAML, SCIM and login methods (no recordings; SDK v1.39 is the contract, §10)
//
//   - GET /organizations/{id} and PATCH /organizations/{id}/login-methods answer the SDK's
//     Organization (iam_sdk.go:3038; GetOrganization 5293, UpdateOrganizationLoginMethods
//     5320, a partial PATCH of the four optional fields of 3275-3290). Defaults: password,
//     magic code and OAuth2 on, SAML off; name "Emulated organization", no alias. Turning
//     SAML login on while SAML is not "valid", or turning every method off, is 400
//     (emulator's choices: nobody could log in).
//   - SAML (5352-5590): GET/POST /organizations/{id}/saml (404 resource "saml" while
//     disabled; enabling twice is 409 already_exists), PATCH/DELETE /saml/{id} (UpdateSaml
//     3356: entity_id, single_sign_on_url, partial; the URL must be absolute https),
//     GET/POST /saml/{id}/certificates ({"certificates":[…]}, no total_count nor paging,
//     2870-2879), GET/DELETE /saml-certificates/{id} (404 "saml_certificate"). Saml (3117)
//     answers status per SamlStatus (950-957): missing_certificate (no signing
//     certificate), missing_entity_id, missing_single_sign_on_url, else valid;
//     service_provider (1854) URLs are guesses built from the SAML ID. A certificate (1719)
//     is type signing|encryption (908-916; unknown is 400), content an X.509 certificate,
//     PEM or bare base64 DER, answered as sent, expires_at its NotAfter (1735), origin
//     identity_provider (866-874; Scaleway's own certificates are not emulated). Deleting
//     SAML drops its certificates and turns SAML login off; it is 400 while SAML login is
//     the only method on.
//   - SCIM (5592-5766): GET/POST /organizations/{id}/scim (Scim 3155; 404 "scim" while
//     disabled, 409 when enabled twice), DELETE /scim/{id} (tokens go with it; provisioned
//     members stay), GET/POST /scim/{id}/tokens (ListScimTokensRequest 2882: order_by
//     created_at_asc|desc, page, page_size; {"scim_tokens","total_count"} 2898),
//     GET/DELETE /scim-tokens/{id} (404 "scim_token"). POST answers CreateScimTokenResponse
//     (2016) {token, bearer_token}: the bearer ("scim_" + 64 hex digits) is answered once,
//     never read back, and joins IssuedSecrets. Tokens live one year; a third while two are
//     unexpired is 403 quotas_exceeded {resource scim_token, quota 2} (the documented limit
//     of §10 in the emulator's quota layout). SCIMTokenActive(bearer) checks one.
//   - The SCIM protocol endpoint is not served: tests act as the identity provider with
//     ProvisionUser, DeprovisionUser, ProvisionGroup and SetProvisionedGroupMembers (SCIM
//     must be enabled). Provisioned members and groups are remembered but answered like any
//     other: v1.39's User (1773-1835) and Group (1363-1408) have no field that tells them
//     apart.
//
// # Console sessions and last login
//
//   - GET /jwts, GET and DELETE /jwts/{jti} (ListJWTs 5024, GetJWT 5084, DeleteJWT 5110)
//     answer the SDK's JWT (1119) in {"jwts","total_count"} (2531); order_by created_at
//     or updated_at, asc or desc (289-295); audience_id narrows to a user; expired=true
//     lists expired sessions only, false live ones only (as the api-keys filter). 404
//     "jwt". POST /jwts (CreateJWT) is not served.
//   - AddSession(userID) opens a session as a console login would: issuer and audience the
//     user, ip 127.0.0.1, expiring after max_login_session_duration, and last_login_at
//     (User.LastLoginAt, 1807) set to now; a locked member cannot log in ("A locked member
//     cannot log in", 3887). Locking keeps open sessions (nothing says it ends them; iamsync
//     revokes them itself); deleting a member ends them. SetLastLogin(userID, *time.Time)
//     sets or clears last_login_at, and order_by last_login_* sorts by it (never logged in
//     first, ascending).
//
// # Determinism, faults and accounting
//
// IDs, access keys and secrets derive from Options.Seed and a persisted counter: the same
// seed and the same writes give the same IDs. (So secrets are predictable: the emulator is
// for loopback tests, never a real credential store.) Faults (SetFaults, FailNext) inject
// 429 with Retry-After, 500, 503, 409 transient_state, a connection closed mid-response,
// a write committed whose answer is lost, and latency, deterministically for a given order of
// requests. Counts tells reads, writes, /metadata, faults and rate-limited requests apart,
// reads and writes per route template; the standalone server also serves them at GET
// /_emulator/stats and resets them on DELETE /_emulator/stats (no token needed; these paths
// are outside Scaleway's).
//
// # Rate limit
//
// Options.RateLimit (iamsync emulator --rate-limit N) refuses the requests above N per
// second with 429, from a token bucket holding one second's worth. What is evidence: the
// real gateway answers 429 with "x-envoy-ratelimited: true" and no Retry-After nor
// X-RateLimit-* header (a captured real 429, scaleway/terraform-provider-scaleway#4183;
// already so in 2017, scaleway/api.scaleway.com#50, which also quotes support's 100
// requests per second). What is a guess: the body, JSON {help_message, message:"too many
// requests", type:"too_many_requests"} (the type scaleway-sdk-js parses; the Go SDK makes it
// a *scw.ResponseError), and the one-second burst. Options.RateLimitHeaders adds Retry-After
// (seconds to the next token) and X-RateLimit-Limit, -Remaining, -Reset (seconds to a full
// bucket) for clients that honour them when present: the real API is not known to send
// them. Counts.RateLimited counts these 429s apart from Faults; GET /metadata and the
// /_emulator paths are not limited.
//
// # Persistence
//
// With Options.StatePath the state is a snapshot (StatePath, JSON) plus a journal
// (StatePath + ".journal") of the write requests answered since, both 0600 as they hold
// secret keys and request bodies. Every successful write is appended to the journal and
// fsynced before its answer is sent, so neither SIGTERM nor SIGKILL loses an acknowledged
// write; concurrent writes share one fsync (group commit). A write costs one append and one
// fsync whatever the size of the state (BenchmarkPersistedWrite: about 0.2 ms from 0 to 16,000
// objects, where re-encoding the whole state cost 0.7 ms at 0 and 36 ms at 16,000). The
// journal is replayed and folded into a new snapshot at start-up, and a snapshot is written at
// Close, by the test helpers and whenever the journal outgrows it; a torn last line is
// dropped; a journal that does not replay to the answers it recorded (another emulator
// version) stops New with an error naming both files. The design note is in journal.go.
// One lock guards the state (reads share it), which makes the server safe under -race.
// Listen serves in the background until Close.
package emulator
