// Package reporting is the HTTP JSON API over the durable store: audit
// search with cursor pagination, CSV export, the supervision summary, help
// request history, conversation history, and chain verification. Every
// request carries a bearer token in the Authorization header; only
// supervisors and admins are served, and only their own tenant's data.
// The API is described in docs/api.yaml.
package reporting
