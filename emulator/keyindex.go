package emulator

// keyIndex is derived from state.APIKeys, never persisted: the access key of each secret
// (authentication) and the number of keys of each application (nb_api_keys), so that
// neither costs a pass over every key per request. It changes with the keys, in issueKey
// and dropKey, and is rebuilt whenever the state is replaced (New, load).
type keyIndex struct {
	bySecret map[string]string
	perApp   map[string]int
}

func (s *Server) reindexKeys() {
	s.keys = keyIndex{bySecret: make(map[string]string, len(s.st.APIKeys)), perApp: map[string]int{}}
	for _, k := range s.st.APIKeys {
		s.indexKey(k)
	}
}

func (s *Server) indexKey(k *apiKey) {
	s.keys.bySecret[k.Secret] = k.AccessKey
	if k.ApplicationID != "" {
		s.keys.perApp[k.ApplicationID]++
	}
}

// dropKey deletes a key from the state and the index.
func (s *Server) dropKey(k *apiKey) {
	delete(s.st.APIKeys, k.AccessKey)
	delete(s.keys.bySecret, k.Secret)
	if k.ApplicationID != "" {
		if s.keys.perApp[k.ApplicationID]--; s.keys.perApp[k.ApplicationID] <= 0 {
			delete(s.keys.perApp, k.ApplicationID)
		}
	}
}

// keyBySecret finds the key whose secret is token.
func (s *Server) keyBySecret(token string) *apiKey {
	k := s.st.APIKeys[s.keys.bySecret[token]]
	if k == nil || k.Secret != token {
		return nil
	}
	return k
}
