package emulator

import (
	"encoding/json"
	"net/http"
)

// apiError is an error answer in the shape the real API uses (BEHAVIOUR.md §6). Handlers
// return it; serve writes it. Its body never contains a secret.
type apiError struct {
	status int
	body   any
}

func (e *apiError) Error() string { return http.StatusText(e.status) }

type argDetail struct {
	ArgumentName string `json:"argument_name"`
	HelpMessage  string `json:"help_message"`
	Reason       string `json:"reason"`
}

type invalidArgsBody struct {
	Details []argDetail `json:"details"`
	Message string      `json:"message"`
	Type    string      `json:"type"`
}

// errInvalid is 400 invalid_arguments with one detail; reason is one of unknown, required,
// format, constraint.
func errInvalid(arg, reason, help string) *apiError {
	return &apiError{http.StatusBadRequest, invalidArgsBody{
		Details: []argDetail{{ArgumentName: arg, HelpMessage: help, Reason: reason}},
		Message: "invalid argument(s)", Type: "invalid_arguments",
	}}
}

type notFoundBody struct {
	Message    string `json:"message"`
	Resource   string `json:"resource"`
	ResourceID string `json:"resource_id"`
	Type       string `json:"type"`
}

// errNotFound is the recorded 404 (BEHAVIOUR.md §5.5): resource is application, group,
// policy, user, access_key, project_id, or "" for a non-member in remove-member.
func errNotFound(resource, id string) *apiError {
	return &apiError{http.StatusNotFound, notFoundBody{"resource is not found", resource, id, "not_found"}}
}

type transientBody struct {
	CurrentState string `json:"current_state"`
	Message      string `json:"message"`
	Resource     string `json:"resource"`
	ResourceID   string `json:"resource_id"`
	Type         string `json:"type"`
}

// errTransient is the recorded 409 (group-membership-basic #15).
func errTransient(resource, id string) *apiError {
	return &apiError{http.StatusConflict, transientBody{"updating", "resource is in a transient state", resource, id, "transient_state"}}
}

type permDetail struct {
	Action   string `json:"action"`
	Resource string `json:"resource"`
}

type permDeniedBody struct {
	Details []permDetail `json:"details"`
	Message string       `json:"message"`
	Type    string       `json:"type"`
}

// errDenied is the recorded 403 (BEHAVIOUR.md §1). action is "read" or "write".
func errDenied(action, resource string) *apiError {
	return &apiError{http.StatusForbidden, permDeniedBody{[]permDetail{{action, resource}}, "insufficient permissions", "permissions_denied"}}
}

type deniedAuthBody struct {
	Message string `json:"message"`
	Method  string `json:"method"`
	Reason  string `json:"reason"`
	Type    string `json:"type"`
}

// errAuth is 401 denied_authentication. reason: not_found (recorded), expired,
// invalid_argument (chosen for a missing or malformed token; not recorded).
func errAuth(reason string) *apiError {
	return &apiError{http.StatusUnauthorized, deniedAuthBody{"authentication is denied", "api_key", reason, "denied_authentication"}}
}

type messageBody struct {
	Message string `json:"message"`
	Type    string `json:"type,omitempty"`
}

// writeJSON writes v with the status; every answer is application/json, even 204 (§1).
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusNoContent || v == nil {
		w.WriteHeader(status)
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		// Wire types are plain structs; this cannot happen, but never answer half a body.
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"message":"internal error"}`))
		return
	}
	w.WriteHeader(status)
	w.Write(data)
}

func writeError(w http.ResponseWriter, e *apiError) { writeJSON(w, e.status, e.body) }

type alreadyExistsBody struct {
	HelpMessage string `json:"help_message"`
	Message     string `json:"message"`
	Resource    string `json:"resource"`
	ResourceID  string `json:"resource_id"`
	Type        string `json:"type"`
}

// errAlreadyExists is 409 already_exists in the layout recorded for another product
// (BEHAVIOUR.md §6, mnq sqs-already-activated); IAM never recorded one.
func errAlreadyExists(resource, id, help string) *apiError {
	return &apiError{http.StatusConflict, alreadyExistsBody{help, "resource already exists", resource, id, "already_exists"}}
}

type quotaDetail struct {
	Current        int    `json:"current"`
	OrganizationID string `json:"organization_id"`
	Quota          int64  `json:"quota"`
	Resource       string `json:"resource"`
}

type quotasExceededBody struct {
	Details []quotaDetail `json:"details"`
	Message string        `json:"message"`
	Type    string        `json:"type"`
}

// errQuota is 403 quotas_exceeded: the details layout of scaleway-sdk-js's error tests
// (current, quota, resource, organization_id), which scaleway-sdk-go decodes into
// *scw.QuotasExceededError (scw/errors.go:134, 335).
func errQuota(resource, orgID string, quota int64, current int) *apiError {
	return &apiError{http.StatusForbidden, quotasExceededBody{
		Details: []quotaDetail{{Current: current, OrganizationID: orgID, Quota: quota, Resource: resource}},
		Message: "quota(s) exceeded for this resource", Type: "quotas_exceeded",
	}}
}
