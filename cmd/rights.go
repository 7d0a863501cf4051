package cmd

// The rights iamsync's commands need, stated once: README, the GitLab template and the hints
// say the same (a test compares them), and TestExamplesPlanWithTheStatedRights plans every
// example with a key holding exactly readRights. Scaleway's permission-set reference: IAMReadOnly
// reads "users, groups, applications, policies and API keys", not projects, which ProjectReadOnly
// reads; IAMManager "includes all ProjectManager permissions".

// readRights are the organization-scoped permission sets a plan or an audit needs: every plan
// lists the projects, to resolve the names the manifests give.
var readRights = []string{"IAMReadOnly", "ProjectReadOnly"}

// readRightsText is readRights as prose, for messages and usage texts.
const readRightsText = "IAMReadOnly and ProjectReadOnly"

// secretManagerRights are the project-level sets apply --secrets-to scaleway-secret-manager
// needs on the project holding the secrets: it lists them (read), creates secrets and
// versions, and deletes what it created when the key's creation is undone.
var secretManagerRights = []string{"SecretManagerSecretCreate", "SecretManagerSecretWrite", "SecretManagerSecretDelete"}
