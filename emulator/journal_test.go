package emulator

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	secretapi "github.com/scaleway/scaleway-sdk-go/api/secret/v1beta1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

// killChildEnv makes the test binary a child that writes until it is killed (TestMain).
const killChildEnv = "IAMSYNC_EMULATOR_KILL_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(killChildEnv); path != "" {
		os.Exit(writeUntilKilled(path))
	}
	announceMissingShared(os.Stderr)
	os.Exit(m.Run())
}

// writeUntilKilled creates applications in the state at path and prints each one's ID once
// its create has been answered, until the parent kills the process.
func writeUntilKilled(path string) int {
	s, err := New(Options{Seed: 90, StatePath: path})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	tok, org := s.Owner().SecretKey, s.OrganizationID()
	for i := 0; ; i++ {
		code, body := serve(s, "POST", "/iam/v1alpha1/applications", tok, fmt.Sprintf(`{"name":"app-%d","organization_id":"%s"}`, i, org))
		if code != 200 {
			fmt.Fprintln(os.Stderr, code, body)
			return 1
		}
		var a struct{ ID string }
		json.Unmarshal([]byte(body), &a)
		os.Stdout.WriteString(a.ID + "\n")
	}
}

// serve runs one request through the handler, without a network.
func serve(s *Server, method, path, token, body string) (int, string) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("X-Auth-Token", token)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// stateJSON is the server's state as the snapshot would hold it, minus the journal position.
func stateJSON(t testing.TB, s *Server) string {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := *s.st
	st.JournalSeq = 0
	data, err := json.MarshalIndent(&st, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestJournalReplaysEveryWrite: a server that is never closed leaves a snapshot and a
// journal that rebuild exactly its state, through every write route, failures included (a
// handler changing something before refusing would show here), across checkpoints taken
// as the journal outgrows the snapshot.
func TestJournalReplaysEveryWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s1, err := Start(Options{Seed: 91, StatePath: path, Users: []string{"u1@example.com"}, ManagedObjects: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s1.mu.Lock()
	s1.journal.minSize = 1 // checkpoint whenever the journal outgrows the snapshot
	s1.mu.Unlock()
	cl := sdkClient(t, s1, s1.Owner())
	api := iam.NewAPI(cl)
	org := s1.OrganizationID()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	proj, err := account.NewProjectAPI(cl).CreateProject(&account.ProjectAPICreateProjectRequest{Name: "p"})
	must(err)
	_, err = account.NewProjectAPI(cl).UpdateProject(&account.ProjectAPIUpdateProjectRequest{ProjectID: proj.ID, Description: scw.StringPtr("d")})
	must(err)
	sshKey := testKeys(t)[0].line("")
	if _, err := s1.AddUser("late@example.com"); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 8; round++ {
		if round == 4 {
			// From here on, no checkpoint: the rest must come back by replay alone.
			s1.mu.Lock()
			s1.journal.minSize = 1 << 40
			s1.mu.Unlock()
		}
		app, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: fmt.Sprintf("app-%d", round), Tags: []string{"a"}})
		must(err)
		_, err = api.UpdateApplication(&iam.UpdateApplicationRequest{ApplicationID: app.ID, Description: scw.StringPtr("x")})
		must(err)
		exp := time.Now().Add(time.Hour)
		key, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &app.ID, ExpiresAt: &exp, DefaultProjectID: &proj.ID})
		must(err)
		_, err = api.UpdateAPIKey(&iam.UpdateAPIKeyRequest{AccessKey: key.AccessKey, Description: scw.StringPtr("k")})
		must(err)
		g, err := api.CreateGroup(&iam.CreateGroupRequest{Name: fmt.Sprintf("group-%d", round)})
		must(err)
		u, err := api.CreateUser(&iam.CreateUserRequest{Member: member(fmt.Sprintf("m%d@example.com", round), fmt.Sprintf("m%d", round))})
		must(err)
		_, err = api.SetGroupMembers(&iam.SetGroupMembersRequest{GroupID: g.ID, UserIDs: []string{u.ID}, ApplicationIDs: []string{app.ID}})
		must(err)
		_, err = api.RemoveGroupMember(&iam.RemoveGroupMemberRequest{GroupID: g.ID, ApplicationID: &app.ID})
		must(err)
		pol, err := api.CreatePolicy(&iam.CreatePolicyRequest{Name: fmt.Sprintf("pol-%d", round), GroupID: &g.ID,
			Rules: []*iam.RuleSpecs{{PermissionSetNames: &[]string{"IAMReadOnly"}, OrganizationID: &org}}})
		must(err)
		_, err = api.SetRules(&iam.SetRulesRequest{PolicyID: pol.ID, Rules: []*iam.RuleSpecs{{PermissionSetNames: &[]string{"AllProductsFullAccess"}, ProjectIDs: &[]string{proj.ID}}}})
		must(err)
		_, err = api.ClonePolicy(&iam.ClonePolicyRequest{PolicyID: pol.ID})
		must(err)
		_, err = api.UpdateUser(&iam.UpdateUserRequest{UserID: u.ID, Tags: &[]string{"t"}})
		must(err)
		_, err = api.UpdateUserUsername(&iam.UpdateUserUsernameRequest{UserID: u.ID, Username: fmt.Sprintf("mm%d", round)})
		must(err)
		_, err = api.UpdateUserPassword(&iam.UpdateUserPasswordRequest{UserID: u.ID, Password: "pw"})
		must(err)
		_, err = api.LockUser(&iam.LockUserRequest{UserID: u.ID})
		must(err)
		ssh, err := api.CreateSSHKey(&iam.CreateSSHKeyRequest{Name: "k", PublicKey: sshKey, ProjectID: org})
		must(err)
		_, err = api.UpdateSSHKey(&iam.UpdateSSHKeyRequest{SSHKeyID: ssh.ID, Disabled: scw.BoolPtr(true)})
		must(err)
		sm := secretapi.NewAPI(cl)
		sec, err := sm.CreateSecret(&secretapi.CreateSecretRequest{Region: scw.RegionFrPar, ProjectID: org, Name: fmt.Sprintf("s%d", round)})
		must(err)
		_, err = sm.CreateSecretVersion(&secretapi.CreateSecretVersionRequest{Region: scw.RegionFrPar, SecretID: sec.ID, Data: []byte("journal-data")})
		must(err)
		_, err = sm.CreateSecretVersion(&secretapi.CreateSecretVersionRequest{Region: scw.RegionFrPar, SecretID: sec.ID, Data: []byte("journal-data-2"), DisablePrevious: scw.BoolPtr(true)})
		must(err)
		must(sm.DeleteSecretVersion(&secretapi.DeleteSecretVersionRequest{Region: scw.RegionFrPar, SecretID: sec.ID, Revision: "1"}))
		if round%2 == 1 {
			must(sm.DeleteSecret(&secretapi.DeleteSecretRequest{Region: scw.RegionFrPar, SecretID: sec.ID}))
		}
		_, err = api.UpdateOrganizationSecuritySettings(&iam.UpdateOrganizationSecuritySettingsRequest{LoginAttemptsBeforeLocked: scw.Uint32Ptr(uint32(3 + round))})
		must(err)
		// Refused writes: none may leave a trace.
		if _, err := api.CreateGroup(&iam.CreateGroupRequest{Name: g.Name}); err == nil {
			t.Fatal("duplicate group accepted")
		}
		if _, err := api.CreatePolicy(&iam.CreatePolicyRequest{Name: "bad", NoPrincipal: scw.BoolPtr(true),
			Rules: []*iam.RuleSpecs{{PermissionSetNames: &[]string{"IAMReadOnly"}, OrganizationID: &org}, {PermissionSetNames: &[]string{"Nope"}, OrganizationID: &org}}}); err == nil {
			t.Fatal("bad policy accepted")
		}
		if round%2 == 1 {
			must(api.DeleteSSHKey(&iam.DeleteSSHKeyRequest{SSHKeyID: ssh.ID}))
			must(api.DeleteUser(&iam.DeleteUserRequest{UserID: u.ID}))
			must(api.DeleteGroup(&iam.DeleteGroupRequest{GroupID: g.ID}))
			must(api.DeleteAPIKey(&iam.DeleteAPIKeyRequest{AccessKey: key.AccessKey}))
			must(api.DeleteApplication(&iam.DeleteApplicationRequest{ApplicationID: app.ID}))
			must(api.DeletePolicy(&iam.DeletePolicyRequest{PolicyID: pol.ID}))
		}
	}
	want := stateJSON(t, s1)
	checkKeyIndex(t, s1)
	s1.mu.RLock()
	folded := s1.st.JournalSeq
	s1.mu.RUnlock()
	pending, _, err := readJournal(journalPath(path))
	if err != nil {
		t.Fatal(err)
	}
	if folded < 20 || len(pending) < 80 {
		t.Fatalf("%d writes folded by checkpoints, %d left to replay: the test must cover both", folded, len(pending))
	}
	// No Close: what is on disk now is what a SIGKILL would leave.
	s2, err := New(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := stateJSON(t, s2); got != want {
		t.Fatalf("replayed state differs from the live one:\n%s", firstDiff(want, got))
	}
}

// checkKeyIndex: the derived key index kept in step with every write equals one rebuilt
// from the keys.
func checkKeyIndex(t *testing.T, s *Server) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	live := s.keys
	s.reindexKeys()
	if fmt.Sprint(live.bySecret) != fmt.Sprint(s.keys.bySecret) || fmt.Sprint(live.perApp) != fmt.Sprint(s.keys.perApp) {
		t.Fatalf("key index out of step: live %v, rebuilt %v", live.perApp, s.keys.perApp)
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d: live %q, replayed %q", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(al), len(bl))
}

// createApps makes n applications through the handler and returns their IDs.
func createApps(t *testing.T, s *Server, n int, prefix string) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		code, body := serve(s, "POST", "/iam/v1alpha1/applications", s.Owner().SecretKey, fmt.Sprintf(`{"name":"%s-%d","organization_id":"%s"}`, prefix, i, s.OrganizationID()))
		if code != 200 {
			t.Fatalf("create: %d %s", code, body)
		}
		var a struct{ ID string }
		json.Unmarshal([]byte(body), &a)
		ids = append(ids, a.ID)
	}
	return ids
}

func requireApps(t *testing.T, s *Server, ids []string) {
	t.Helper()
	for _, id := range ids {
		if code, body := serve(s, "GET", "/iam/v1alpha1/applications/"+id, s.Owner().SecretKey, ""); code != 200 {
			t.Fatalf("acknowledged application %s lost: %d %s", id, code, body)
		}
	}
}

// TestJournalTornTail: whatever a crash leaves after the last acknowledged write (half a
// line, a line whose CRC fails, garbage) is dropped, earlier writes survive, and new writes
// after the reload are not lost behind the garbage.
func TestJournalTornTail(t *testing.T) {
	for name, tail := range map[string]string{
		"half a line":   `0badc0de {"seq":6,"now":"2026-`,
		"bad checksum":  "00000000 {\"seq\":6}\n",
		"zeroed pages":  strings.Repeat("\x00", 300),
		"bad then good": "deadbeef {}\n" + validLineFor(t, 7),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			s1, err := New(Options{Seed: 92, StatePath: path})
			if err != nil {
				t.Fatal(err)
			}
			ids := createApps(t, s1, 5, "before")
			f, err := os.OpenFile(journalPath(path), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(tail)
			f.Close()
			s2, err := New(Options{StatePath: path})
			if err != nil {
				t.Fatalf("a torn journal tail stopped the load: %v", err)
			}
			requireApps(t, s2, ids)
			more := createApps(t, s2, 2, "after")
			s3, err := New(Options{StatePath: path})
			if err != nil {
				t.Fatal(err)
			}
			requireApps(t, s3, append(ids, more...))
		})
	}
}

// validLineFor is a well-formed journal line (right CRC) of sequence seq.
func validLineFor(t *testing.T, seq uint64) string {
	line, err := encodeEntry(&journalEntry{Seq: seq, Method: "DELETE", URL: "/iam/v1alpha1/groups/x"})
	if err != nil {
		t.Fatal(err)
	}
	return string(line)
}

// TestJournalRefusesAForeignReplay: a journal whose replay answers differently, or that
// skips entries, stops the load with an error naming the files, instead of giving another
// state.
func TestJournalRefusesAForeignReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s1, err := New(Options{Seed: 93, StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	createApps(t, s1, 3, "a")
	entries, _, err := readJournal(journalPath(path))
	if err != nil || len(entries) != 3 {
		t.Fatalf("journal: %d entries, %v", len(entries), err)
	}
	rewrite := func(es []journalEntry) {
		var buf bytes.Buffer
		for i := range es {
			line, err := encodeEntry(&es[i])
			if err != nil {
				t.Fatal(err)
			}
			buf.Write(line)
		}
		if err := os.WriteFile(journalPath(path), buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tampered := append([]journalEntry(nil), entries...)
	tampered[1].Answer = "000000000000000000000000"
	rewrite(tampered)
	if _, err := New(Options{StatePath: path}); err == nil || !strings.Contains(err.Error(), "another emulator version") || !strings.Contains(err.Error(), journalPath(path)) {
		t.Fatalf("a replay that answers differently: %v", err)
	}
	rewrite([]journalEntry{entries[0], entries[2]})
	if _, err := New(Options{StatePath: path}); err == nil || !strings.Contains(err.Error(), "jumps") {
		t.Fatalf("a journal with a gap: %v", err)
	}
	rewrite(entries)
	s2, err := New(Options{StatePath: path})
	if err != nil {
		t.Fatalf("the untouched journal: %v", err)
	}
	s2.Close()
	os.Remove(path)
	rewrite(entries)
	if _, err := New(Options{StatePath: path}); err == nil || !strings.Contains(err.Error(), "without its snapshot") {
		t.Fatalf("a journal without its snapshot: %v", err)
	}
}

// TestJournalSurvivesSIGKILL: a child process writes as fast as it can and is killed with
// SIGKILL; every write it saw answered is in the state the next start loads.
func TestJournalSurvivesSIGKILL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(out)
	for len(acked) < 40 && sc.Scan() {
		acked = append(acked, sc.Text())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() { // answers already printed before the kill landed
		acked = append(acked, sc.Text())
	}
	cmd.Wait()
	if len(acked) < 40 {
		t.Fatalf("the child acknowledged only %d writes: %s", len(acked), stderr.String())
	}
	s, err := New(Options{StatePath: path})
	if err != nil {
		t.Fatalf("loading what the killed child left: %v", err)
	}
	defer s.Close()
	requireApps(t, s, acked)
	t.Logf("%d acknowledged writes before SIGKILL, all loaded", len(acked))
}

// TestJournalReplayIgnoresTodaysQuotas: a write accepted under one quota is not undone by a
// restart with a lower one, and an IPv6 caller's address comes back in the logs.
func TestJournalReplayIgnoresTodaysQuotas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s1, err := New(Options{Seed: 94, StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/iam/v1alpha1/groups", strings.NewReader(`{"name":"g1","organization_id":"`+s1.OrganizationID()+`"}`))
	req.RemoteAddr = "[2001:db8::1]:4242"
	req.Header.Set("X-Auth-Token", s1.Owner().SecretKey)
	rec := httptest.NewRecorder()
	s1.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body.String())
	}
	createApps(t, s1, 1, "a")
	want := stateJSON(t, s1)
	s2, err := New(Options{StatePath: path, Quotas: map[string]int64{"groups": 0, "applications": 0}})
	if err != nil {
		t.Fatalf("replay under lower quotas: %v", err)
	}
	if got := stateJSON(t, s2); got != want {
		t.Fatalf("replayed state differs:\n%s", firstDiff(want, got))
	}
	if !strings.Contains(want, `"ip": "2001:db8::1"`) {
		t.Fatalf("the IPv6 caller is not in the logs:\n%s", want)
	}
	if code, _ := serve(s2, "POST", "/iam/v1alpha1/groups", s2.Owner().SecretKey, `{"name":"g2","organization_id":"`+s2.OrganizationID()+`"}`); code != 403 {
		t.Fatalf("today's quota of 0 groups: %d, want 403", code)
	}
}

// TestRefusedWritesChangeNothing: writes refused after some checks passed (a quota reached
// once the rules are valid, a PATCH whose second field is bad) leave no trace, so the journal,
// which holds only accepted writes, still rebuilds the state.
func TestRefusedWritesChangeNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s1, err := New(Options{Seed: 96, StatePath: path, Quotas: map[string]int64{"policies": 1}})
	if err != nil {
		t.Fatal(err)
	}
	tok, org := s1.Owner().SecretKey, s1.OrganizationID()
	pol := `{"name":"p","organization_id":"` + org + `","no_principal":true,"rules":[{"permission_set_names":["IAMReadOnly"],"organization_id":"` + org + `"}]}`
	if code, body := serve(s1, "POST", "/iam/v1alpha1/policies", tok, pol); code != 200 {
		t.Fatalf("first policy: %d %s", code, body)
	}
	if code, _ := serve(s1, "POST", "/iam/v1alpha1/policies", tok, pol); code != 403 {
		t.Fatalf("second policy over a quota of 1: %d, want 403", code)
	}
	_, body := serve(s1, "POST", "/account/v3/projects", tok, `{"name":"p","organization_id":"`+org+`"}`)
	var p struct{ ID string }
	json.Unmarshal([]byte(body), &p)
	if code, _ := serve(s1, "PATCH", "/account/v3/projects/"+p.ID, tok, `{"name":"renamed","description":"`+strings.Repeat("d", 201)+`"}`); code != 400 {
		t.Fatalf("PATCH with a too long description: %d, want 400", code)
	}
	if _, body := serve(s1, "GET", "/account/v3/projects/"+p.ID, tok, ""); !strings.Contains(body, `"name":"p"`) {
		t.Fatalf("a refused PATCH renamed the project: %s", body)
	}
	createApps(t, s1, 2, "after")
	want := stateJSON(t, s1)
	s2, err := New(Options{StatePath: path})
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if got := stateJSON(t, s2); got != want {
		t.Fatalf("replayed state differs:\n%s", firstDiff(want, got))
	}
}
