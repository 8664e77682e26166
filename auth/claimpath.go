package auth

import "strings"

// claimPath resolves a dotted path such as "realm_access.roles" in decoded
// JWT claims. It returns the values for a string or an array of strings; ok
// is false when the path is absent or holds anything else, so that a claim
// of an unexpected shape never grants a role by accident.
//
// Claim names may themselves contain dots (Auth0-style namespaced claims
// such as "https://example.com/roles"), so at each level the longest key
// that matches a prefix of the path wins.
func claimPath(claims map[string]any, path string) (values []string, ok bool) {
	if path == "" {
		return nil, false
	}
	if v, found := claims[path]; found {
		return claimStrings(v)
	}
	for i := strings.LastIndexByte(path, '.'); i > 0; i = strings.LastIndexByte(path[:i], '.') {
		nested, isMap := claims[path[:i]].(map[string]any)
		if !isMap {
			continue
		}
		if values, ok := claimPath(nested, path[i+1:]); ok {
			return values, true
		}
	}
	return nil, false
}

// claimStrings accepts a string or an array made only of strings.
func claimStrings(v any) ([]string, bool) {
	switch v := v.(type) {
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			s, isString := item.(string)
			if !isString {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	case []string:
		return v, true
	default:
		return nil, false
	}
}
