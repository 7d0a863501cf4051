package schema

import (
	"fmt"

	"github.com/iamsync/iamsync/model"
)

// reservedGroupNames: E403. all-users and all-applications name Scaleway's managed groups in a
// policy's principal ({group: all-users}, model/managed.go); a declared group of either name
// would make that principal ambiguous.
func (c *checker) reservedGroupNames() {
	for _, g := range c.org.Groups {
		if model.IsManagedGroupName(g.Name) {
			managed := map[string]string{model.AllUsersGroup: "All Users", model.AllApplicationsGroup: "All Applications"}[g.Name]
			c.add(c.srcs.groups[g], "/name", "E403", g.Key(),
				fmt.Sprintf("the group name %s is reserved: {group: %s} in a policy names Scaleway's managed group %q", g.Name, g.Name, managed),
				"rename the group; to attach a policy to the managed group, write principal: {group: "+g.Name+"} without declaring it")
		}
	}
}
