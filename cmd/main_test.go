package cmd_test

// End-to-end tests: testscript runs the real CLI (this test binary re-executed as "iamsync")
// against an emulator started in the test process for each script. Custom commands:
//
//	exitcode N PROG [ARGS...]   run PROG and require exit code N (testscript's ! only means non-zero)
//	converged [PATH...]         'iamsync plan --detailed-exitcode' exits 0: nothing left to change
//	apicalls reset              zero the emulator's request counters
//	apicalls writes|reads N     the emulator served exactly N writes (reads) since the last reset
//	apicalls writes|reads <= N  at most N
//	apicalls METHOD ROUTE N     the emulator served exactly N calls of that route (GET /iam/v1alpha1/rules)
//	nosecret                    no secret the emulator ever issued appears in the last stdout or
//	                            stderr, or in any file under $WORK except *.secrets.* files
//	                            (checked again, with every run's output, when each script ends)
//	nosecretfrom FILE [ENTRY...] as nosecret, for the secrets held in secrets FILE (those of an
//	                            'apply --local', whose emulator is not the script's): its API
//	                            keys', or the named entries' (keys, passwords, bearer tokens)
//	filemode FILE 0600          FILE's permission bits
//	secretworks FILE ENTRY      ENTRY's credentials in secrets FILE authenticate against the emulator
//	smsecret NAME VERSIONS      Secret Manager secret NAME (default project, fr-par) has VERSIONS
//	                            enabled versions (0: or does not exist) and the latest one's
//	                            credentials authenticate
//	emu OP ARGS...              change the organization behind iamsync's back (see emuCmd); the identity
//	                            provider, logins and console sessions: see emuIdentityCmd
//	emu --state FILE OP ARGS... the same on the organization of a --local state file

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	secret "github.com/scaleway/scaleway-sdk-go/api/secret/v1beta1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/cmd"
	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/secrets"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"iamsync": func() {
			env := cmd.OSEnv()
			// Every run's output is also appended to a log in $WORK, which the canary check at
			// the end of each script searches: no script can forget to look for secrets.
			var log *os.File
			if p := os.Getenv(outputLogEnv); p != "" {
				if f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
					log = f
					env.Stdout, env.Stderr = io.MultiWriter(os.Stdout, f), io.MultiWriter(os.Stderr, f)
				}
			}
			code := cmd.Main(context.Background(), os.Args[1:], env)
			if log != nil {
				log.Close()
			}
			os.Exit(code)
		},
	})
}

const outputLogEnv = "IAMSYNC_TEST_OUTPUT_LOG"

// noSecretInWork fails the script when an issued secret appears in any file under dir but a
// secrets file, the output log included.
func noSecretInWork(fail func(string), emu *emulator.Server, dir string) {
	noneOfInWork(fail, emu.IssuedSecrets(), dir)
}

// noneOfInWork fails the script when one of secrets appears in any file under dir but a secrets
// file.
func noneOfInWork(fail func(string), issued []string, dir string) {
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		// Secrets files, the scw config file a script writes credentials into, and the state
		// of a --local emulator hold secrets by design.
		// Only regular files: a script's FIFO would block the read, and a link's target is
		// searched under its own name when it is in $WORK.
		if err != nil || !d.Type().IsRegular() || strings.Contains(d.Name(), ".secrets.") || strings.Contains(path, filepath.Join(".config", "scw")) ||
			strings.Contains(path, string(filepath.Separator)+".iamsync"+string(filepath.Separator)) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		for _, s := range issued {
			if strings.Contains(string(data), s) {
				fail(fmt.Sprintf("an issued secret appears in %s", path))
			}
		}
		return nil
	})
}

const emuKey = "emulator"

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("IAMSYNC_UPDATE_SCRIPTS") != "",
		Setup: func(env *testscript.Env) error {
			emu, err := emulator.Start(emulator.Options{Users: []string{"alice@example.com", "bob@example.com"}})
			if err != nil {
				return err
			}
			env.Defer(func() { emu.Close() })
			env.Defer(func() { noSecretInWork(func(msg string) { env.T().Fatal(msg) }, emu, env.WorkDir) })
			env.Setenv(outputLogEnv, filepath.Join(env.WorkDir, ".iamsync-outputs.log"))
			env.Values[emuKey] = emu
			c := emu.Owner()
			env.Setenv("SCW_API_URL", emu.URL())
			env.Setenv("SCW_ACCESS_KEY", c.AccessKey)
			env.Setenv("SCW_SECRET_KEY", c.SecretKey)
			env.Setenv("SCW_DEFAULT_ORGANIZATION_ID", c.OrganizationID)
			env.Setenv("SCW_DEFAULT_PROJECT_ID", c.ProjectID)
			env.Setenv("ORG_ID", c.OrganizationID)
			env.Setenv("HOME", env.WorkDir) // no real scw config leaks in
			env.Setenv("NO_COLOR", "1")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode":     exitcodeCmd,
			"converged":    convergedCmd,
			"apicalls":     apicallsCmd,
			"nosecret":     nosecretCmd,
			"filemode":     filemodeCmd,
			"nosecretfrom": nosecretfromCmd,
			"secretworks":  secretworksCmd,
			"smsecret":     smsecretCmd,
			"emu":          emuCmd,
			"sleep":        sleepCmd,
		},
	})
}

// sleepCmd waits, for grace periods measured in seconds.
func sleepCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}

func server(ts *testscript.TestScript) *emulator.Server {
	return ts.Value(emuKey).(*emulator.Server)
}

func exitcodeCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee interface{ ExitCode() int }
		if !asExit(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}

func asExit(err error, target *interface{ ExitCode() int }) bool {
	for err != nil {
		if e, ok := err.(interface{ ExitCode() int }); ok {
			*target = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func convergedCmd(ts *testscript.TestScript, neg bool, args []string) {
	err := ts.Exec("iamsync", append([]string{"plan", "--detailed-exitcode"}, args...)...)
	if (err == nil) == neg {
		ts.Fatalf("converged: plan --detailed-exitcode: %v (neg=%v)", err, neg)
	}
}

func apicallsCmd(ts *testscript.TestScript, neg bool, args []string) {
	emu := server(ts)
	if len(args) == 1 && args[0] == "reset" {
		emu.ResetCounts()
		return
	}
	if len(args) == 3 && args[0] == strings.ToUpper(args[0]) {
		n, err := strconv.Atoi(args[2])
		ts.Check(err)
		rc := emu.Counts().ByRoute[args[0]+" "+args[1]]
		if (rc.Reads+rc.Writes == n) == neg {
			ts.Fatalf("apicalls: %d calls of %s %s", rc.Reads+rc.Writes, args[0], args[1])
		}
		return
	}
	atMost := len(args) == 3 && args[1] == "<="
	if len(args) != 2 && !atMost {
		ts.Fatalf("usage: apicalls reset | apicalls writes|reads [<=] N")
	}
	n, err := strconv.Atoi(args[len(args)-1])
	if err != nil {
		ts.Fatalf("apicalls: %v", err)
	}
	c := emu.Counts()
	got := c.Writes
	if args[0] == "reads" {
		got = c.Reads
	}
	ok := got == n
	if atMost {
		ok = got <= n
	}
	if ok == neg {
		ts.Fatalf("apicalls: %d %s served (by route: %v)", got, args[0], c.ByRoute)
	}
}

func nosecretCmd(ts *testscript.TestScript, neg bool, args []string) {
	emu := server(ts)
	for _, s := range emu.IssuedSecrets() {
		for _, out := range []string{"stdout", "stderr"} {
			if strings.Contains(ts.ReadFile(out), s) {
				ts.Fatalf("an issued secret appears in %s", out)
			}
		}
	}
	noSecretInWork(func(msg string) { ts.Fatalf("%s", msg) }, emu, ts.Getenv("WORK"))
}

func nosecretfromCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || neg {
		ts.Fatalf("usage: nosecretfrom FILE [ENTRY...]")
	}
	f := secrets.Open(ts.MkAbs(args[0]))
	names := args[1:]
	if len(names) == 0 {
		keys, err := f.AccessKeys()
		ts.Check(err)
		for _, name := range keys {
			names = append(names, name)
		}
	}
	var held []string
	for _, name := range names {
		c, ok, err := f.Get(name)
		ts.Check(err)
		if !ok {
			ts.Fatalf("%s has no entry %s", args[0], name)
		}
		for _, v := range []secrets.Value{c.SecretKey, c.Password, c.BearerToken} {
			if !v.IsZero() {
				held = append(held, v.Reveal())
			}
		}
	}
	if len(held) == 0 {
		ts.Fatalf("%s holds no secret: nothing to look for", args[0])
	}
	for _, s := range held {
		for _, out := range []string{"stdout", "stderr"} {
			if strings.Contains(ts.ReadFile(out), s) {
				ts.Fatalf("a secret of %s appears in %s", args[0], out)
			}
		}
	}
	noneOfInWork(func(msg string) { ts.Fatalf("%s", msg) }, held, ts.Getenv("WORK"))
}

func filemodeCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: filemode FILE MODE")
	}
	st, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	if (st.Mode().Perm() == fs.FileMode(want)) == neg {
		ts.Fatalf("%s has mode %#o", args[0], st.Mode().Perm())
	}
}

func secretworksCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: secretworks FILE ENTRY")
	}
	c, ok, err := secrets.Open(ts.MkAbs(args[0])).Get(args[1])
	ts.Check(err)
	if !ok {
		ts.Fatalf("no entry %s in %s", args[1], args[0])
	}
	emu := server(ts)
	client, err := scw.NewClient(scw.WithAPIURL(emu.URL()), scw.WithAuth(c.AccessKey, c.SecretKey.Reveal()),
		scw.WithDefaultOrganizationID(emu.Owner().OrganizationID))
	ts.Check(err)
	_, err = iam.NewAPI(client).GetAPIKey(&iam.GetAPIKeyRequest{AccessKey: c.AccessKey})
	// Authentication succeeded unless the API answered 401; a 403 (no rights) still proves the
	// secret is the key's.
	var denied *scw.DeniedAuthenticationError
	authenticated := !asDenied(err, &denied)
	if authenticated == neg {
		ts.Fatalf("secret of %s: authenticated=%v (%v)", args[1], authenticated, err)
	}
}

func smsecretCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 || neg {
		ts.Fatalf("usage: smsecret NAME VERSIONS")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	emu := server(ts)
	o := emu.Owner()
	client, err := scw.NewClient(scw.WithAPIURL(emu.URL()), scw.WithAuth(o.AccessKey, o.SecretKey), scw.WithDefaultOrganizationID(o.OrganizationID))
	ts.Check(err)
	api := secret.NewAPI(client)
	list, err := api.ListSecrets(&secret.ListSecretsRequest{Region: scw.RegionFrPar, ProjectID: &o.ProjectID, Name: &args[0]}, scw.WithAllPages())
	ts.Check(err)
	if want == 0 && len(list.Secrets) == 0 {
		return
	}
	if len(list.Secrets) != 1 {
		ts.Fatalf("%d Secret Manager secrets named %s, want 1", len(list.Secrets), args[0])
	}
	id := list.Secrets[0].ID
	versions, err := api.ListSecretVersions(&secret.ListSecretVersionsRequest{Region: scw.RegionFrPar, SecretID: id,
		Status: []secret.SecretVersionStatus{secret.SecretVersionStatusEnabled}}, scw.WithAllPages())
	ts.Check(err)
	if len(versions.Versions) != want {
		ts.Fatalf("secret %s has %d enabled versions, want %d", args[0], len(versions.Versions), want)
	}
	if want == 0 {
		return
	}
	latest, err := api.AccessSecretVersion(&secret.AccessSecretVersionRequest{Region: scw.RegionFrPar, SecretID: id, Revision: "latest"})
	ts.Check(err)
	var c struct {
		AccessKey string `json:"access_key"`
		SecretKey string `json:"secret_key"`
	}
	ts.Check(json.Unmarshal(latest.Data, &c))
	kc, err := scw.NewClient(scw.WithAPIURL(emu.URL()), scw.WithAuth(c.AccessKey, c.SecretKey), scw.WithDefaultOrganizationID(o.OrganizationID))
	ts.Check(err)
	_, err = iam.NewAPI(kc).GetAPIKey(&iam.GetAPIKeyRequest{AccessKey: c.AccessKey})
	var denied *scw.DeniedAuthenticationError
	if asDenied(err, &denied) {
		ts.Fatalf("the latest version of %s does not authenticate: %v", args[0], err)
	}
}

func asDenied(err error, target **scw.DeniedAuthenticationError) bool {
	if err == nil {
		return false
	}
	if d, ok := err.(*scw.DeniedAuthenticationError); ok {
		*target = d
		return true
	}
	if re, ok := err.(*scw.ResponseError); ok && re.StatusCode == 401 {
		return true
	}
	return false
}

// emuCmd changes the organization directly through the SDK with the owner's key, as a person
// or another tool would:
//
//	emu app NAME [DESCRIPTION]          create an unmanaged application
//	emu group NAME [TAG...]             create a group with these tags (none: unmanaged)
//	emu user EMAIL                      add a member no stack owns
//	emu mfa EMAIL                       the member enables MFA
//	emu lockuser EMAIL                  lock the member by hand
//	emu sshkey NAME PUBKEY...           add an SSH key no stack owns, in the default project
//	emu maxkeylife DURATION             set max_api_key_expiration_duration (e.g. 2592000s)
//	emu quota NAME N                    enforce quota NAME (applications, users, ...) at N
//	emu describe KIND NAME DESCRIPTION  set the description of the application, group or policy NAME
//	emu delete KIND NAME                delete it
//	emu saveid KIND NAME                remember its ID
//	emu sameid KIND NAME                its ID is the one remembered (adoption did not re-create it)
//	emu readonly NAME SETS...           a new application NAME whose key holds only SETS (e.g.
//	                                    IAMReadOnly); its credentials in $RO_ACCESS_KEY, $RO_SECRET_KEY
//	emu userkey EMAIL DESCRIPTION       a personal API key of the user EMAIL, never expiring
//	emu rules POLICY SET...             replace the rules of policy POLICY by one organization-wide rule of SETs
//	emu grant APP SET...                a new policy giving application APP the SETs organization-wide
//	emu secret NAME                     a Secret Manager secret NAME in the default project that no stack owns
//	emu project NAME [DESCRIPTION]      create a project no stack owns
//	emu projectgrant APP PROJECT SET... a new policy "grant-APP" giving application APP the SETs on project PROJECT
//	emu fail METHOD ROUTE KIND N        the next N answers of route "METHOD ROUTE" are the fault KIND (500, 503, ...)
func emuCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 && !(len(args) == 1 && args[0] == "scim") {
		ts.Fatalf("usage: emu [--state FILE] OP ARGS...")
	}
	emu := server(ts)
	if args[0] == "--state" {
		// The emulator a --local run starts, from its state file: changed, then saved on Close.
		local, err := emulator.Start(emulator.Options{StatePath: ts.MkAbs(args[1])})
		ts.Check(err)
		defer func() { ts.Check(local.Close()) }()
		emu, args = local, args[2:]
	}
	o := emu.Owner()
	client, err := scw.NewClient(scw.WithAPIURL(emu.URL()), scw.WithAuth(o.AccessKey, o.SecretKey), scw.WithDefaultOrganizationID(o.OrganizationID))
	ts.Check(err)
	api := iam.NewAPI(client)
	switch args[0] {
	case "app":
		desc := ""
		if len(args) > 2 {
			desc = args[2]
		}
		_, err = api.CreateApplication(&iam.CreateApplicationRequest{Name: args[1], Description: desc, OrganizationID: o.OrganizationID})
	case "user":
		_, err = emu.AddUser(args[1])
	case "mfa", "lockuser":
		users, lerr := api.ListUsers(&iam.ListUsersRequest{OrganizationID: &o.OrganizationID}, scw.WithAllPages())
		ts.Check(lerr)
		id := ""
		for _, u := range users.Users {
			if strings.EqualFold(u.Email, args[1]) {
				id = u.ID
			}
		}
		if id == "" {
			ts.Fatalf("no user %s", args[1])
		}
		if args[0] == "mfa" {
			err = emu.SetUserMFA(id, true)
		} else {
			_, err = api.LockUser(&iam.LockUserRequest{UserID: id})
		}
	case "sshkey":
		_, err = api.CreateSSHKey(&iam.CreateSSHKeyRequest{Name: args[1], PublicKey: strings.Join(args[2:], " "), ProjectID: o.ProjectID})
	case "maxkeylife":
		d, perr := time.ParseDuration(args[1])
		ts.Check(perr)
		_, err = api.UpdateOrganizationSecuritySettings(&iam.UpdateOrganizationSecuritySettingsRequest{OrganizationID: o.OrganizationID,
			MaxAPIKeyExpirationDuration: scw.NewDurationFromTimeDuration(d)})
	case "quota":
		n, perr := strconv.ParseInt(args[2], 10, 64)
		ts.Check(perr)
		err = emu.SetQuotas(map[string]int64{args[1]: n})
	case "group":
		_, err = api.CreateGroup(&iam.CreateGroupRequest{Name: args[1], Tags: args[2:], OrganizationID: o.OrganizationID})
	case "readonly":
		c, err := emu.NewCredentials(args[1], args[2:]...)
		ts.Check(err)
		ts.Setenv("RO_ACCESS_KEY", c.AccessKey)
		ts.Setenv("RO_SECRET_KEY", c.SecretKey)
		return
	case "userkey":
		if len(args) != 3 {
			ts.Fatalf("usage: emu userkey EMAIL DESCRIPTION")
		}
		users, err := api.ListUsers(&iam.ListUsersRequest{OrganizationID: &o.OrganizationID}, scw.WithAllPages())
		ts.Check(err)
		var id string
		for _, u := range users.Users {
			if u.Email == args[1] {
				id = u.ID
			}
		}
		if id == "" {
			ts.Fatalf("no user %s", args[1])
		}
		_, err = api.CreateAPIKey(&iam.CreateAPIKeyRequest{UserID: &id, Description: args[2]})
	case "rules":
		if len(args) < 3 {
			ts.Fatalf("usage: emu rules POLICY SET...")
		}
		sets := args[2:]
		_, err = api.SetRules(&iam.SetRulesRequest{PolicyID: findID(ts, api, o.OrganizationID, "policy", args[1]),
			Rules: []*iam.RuleSpecs{{PermissionSetNames: &sets, OrganizationID: &o.OrganizationID}}})
	case "grant":
		if len(args) < 3 {
			ts.Fatalf("usage: emu grant APP SET...")
		}
		sets := args[2:]
		app := findID(ts, api, o.OrganizationID, "application", args[1])
		_, err = api.CreatePolicy(&iam.CreatePolicyRequest{Name: "grant-" + args[1], OrganizationID: o.OrganizationID, ApplicationID: &app,
			Rules: []*iam.RuleSpecs{{PermissionSetNames: &sets, OrganizationID: &o.OrganizationID}}})
	case "project":
		desc := ""
		if len(args) > 2 {
			desc = args[2]
		}
		_, err = account.NewProjectAPI(client).CreateProject(&account.ProjectAPICreateProjectRequest{Name: args[1], Description: desc, OrganizationID: o.OrganizationID})
	case "projectgrant":
		if len(args) < 4 {
			ts.Fatalf("usage: emu projectgrant APP PROJECT SET...")
		}
		sets := args[3:]
		app := findID(ts, api, o.OrganizationID, "application", args[1])
		projects := []string{findProjectID(ts, client, o.OrganizationID, args[2])}
		_, err = api.CreatePolicy(&iam.CreatePolicyRequest{Name: "grant-" + args[1], OrganizationID: o.OrganizationID, ApplicationID: &app,
			Rules: []*iam.RuleSpecs{{PermissionSetNames: &sets, ProjectIDs: &projects}}})
	case "secret":
		_, err = secret.NewAPI(client).CreateSecret(&secret.CreateSecretRequest{Region: scw.RegionFrPar, ProjectID: o.ProjectID, Name: args[1]})
	case "fail":
		if len(args) != 5 {
			ts.Fatalf("usage: emu fail METHOD ROUTE KIND N")
		}
		n, err := strconv.Atoi(args[4])
		ts.Check(err)
		emu.FailNext(args[1]+" "+args[2], emulator.FaultKind(args[3]), n)
		return
	case "saveid", "sameid":
		if len(args) != 3 {
			ts.Fatalf("usage: emu %s KIND NAME", args[0])
		}
		id := ""
		if args[1] == "project" {
			id = findProjectID(ts, client, o.OrganizationID, args[2])
		} else {
			id = findID(ts, api, o.OrganizationID, args[1], args[2])
		}
		env := "ID_" + strings.NewReplacer("-", "_", ".", "_").Replace(args[1]+"_"+args[2])
		if args[0] == "saveid" {
			ts.Setenv(env, id)
		} else if (ts.Getenv(env) == id) == neg {
			ts.Fatalf("%s %s has ID %s, saved %s", args[1], args[2], id, ts.Getenv(env))
		}
		return
	case "describe", "delete":
		if len(args) < 3 {
			ts.Fatalf("usage: emu %s KIND NAME ...", args[0])
		}
		id := findID(ts, api, o.OrganizationID, args[1], args[2])
		switch {
		case args[0] == "delete" && args[1] == "application":
			err = api.DeleteApplication(&iam.DeleteApplicationRequest{ApplicationID: id})
		case args[0] == "delete" && args[1] == "group":
			err = api.DeleteGroup(&iam.DeleteGroupRequest{GroupID: id})
		case args[0] == "delete" && args[1] == "policy":
			err = api.DeletePolicy(&iam.DeletePolicyRequest{PolicyID: id})
		case args[1] == "application":
			_, err = api.UpdateApplication(&iam.UpdateApplicationRequest{ApplicationID: id, Description: &args[3]})
		case args[1] == "group":
			_, err = api.UpdateGroup(&iam.UpdateGroupRequest{GroupID: id, Description: &args[3]})
		case args[1] == "policy":
			_, err = api.UpdatePolicy(&iam.UpdatePolicyRequest{PolicyID: id, Description: &args[3]})
		}
	case "scim", "provision", "deprovision", "idpmembers", "session", "sessions", "lastlogin":
		err = emuIdentityCmd(ts, emu, api, o.OrganizationID, args)
	default:
		ts.Fatalf("emu: unknown op %q", args[0])
	}
	if (err != nil) != neg {
		ts.Fatalf("emu %v: %v", args, err)
	}
}

// findProjectID is the ID of the one project named name.
func findProjectID(ts *testscript.TestScript, client *scw.Client, org, name string) string {
	r, err := account.NewProjectAPI(client).ListProjects(&account.ProjectAPIListProjectsRequest{OrganizationID: org, Name: &name}, scw.WithAllPages())
	ts.Check(err)
	for _, p := range r.Projects {
		if p.Name == name {
			return p.ID
		}
	}
	ts.Fatalf("no project named %s", name)
	return ""
}

func findID(ts *testscript.TestScript, api *iam.API, org, kind, name string) string {
	switch kind {
	case "application":
		r, err := api.ListApplications(&iam.ListApplicationsRequest{OrganizationID: org, Name: &name}, scw.WithAllPages())
		ts.Check(err)
		for _, a := range r.Applications {
			if a.Name == name {
				return a.ID
			}
		}
	case "group":
		r, err := api.ListGroups(&iam.ListGroupsRequest{OrganizationID: org, Name: &name}, scw.WithAllPages())
		ts.Check(err)
		for _, g := range r.Groups {
			if g.Name == name {
				return g.ID
			}
		}
	case "ssh_key":
		r, err := api.ListSSHKeys(&iam.ListSSHKeysRequest{OrganizationID: &org}, scw.WithAllPages())
		ts.Check(err)
		for _, k := range r.SSHKeys {
			if base, _ := model.ParseSSHKeyName(k.Name); base == name {
				return k.ID
			}
		}
	case "user":
		r, err := api.ListUsers(&iam.ListUsersRequest{OrganizationID: &org}, scw.WithAllPages())
		ts.Check(err)
		for _, u := range r.Users {
			if strings.EqualFold(u.Email, name) {
				return u.ID
			}
		}
	case "policy":
		r, err := api.ListPolicies(&iam.ListPoliciesRequest{OrganizationID: org, PolicyName: &name}, scw.WithAllPages())
		ts.Check(err)
		for _, p := range r.Policies {
			if p.Name == name {
				return p.ID
			}
		}
	}
	ts.Fatalf("no %s named %s", kind, name)
	return ""
}
