package storetest

import "github.com/earshot/earshot/auth"

func authTenant(s string) auth.TenantID { return auth.TenantID(s) }
func authUser(s string) auth.UserID     { return auth.UserID(s) }
