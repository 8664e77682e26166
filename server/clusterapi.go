package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/cluster"
)

// clusterError is an error answer of the cluster API, in the reporting
// API's shape: {"error": {"code", "message"}} (docs/api.yaml).
type clusterError struct {
	status        int
	code, message string
}

var (
	errClusterUnauthorized = clusterError{http.StatusUnauthorized, "unauthorized", "a valid bearer token is required"}
	errClusterForbidden    = clusterError{http.StatusForbidden, "forbidden", "only admins may see or drain cluster nodes"}
	errNotClustered        = clusterError{http.StatusConflict, "not_clustered", "this node is not in a cluster (cluster.nats_url is not set)"}
	errClusterUnavailable  = clusterError{http.StatusServiceUnavailable, "cluster_unavailable", "the cluster directory could not be written now; a drain holds locally and the next heartbeat publishes it"}
)

// routeClusterAPI serves the admins' cluster operations:
//
//	GET  /api/v1/cluster/nodes  this node, the live nodes, and where placement would put a new conversation
//	POST /api/v1/cluster/drain  move this node to draining (as SIGTERM does)
func (a *app) routeClusterAPI(mux *http.ServeMux, verifier auth.Verifier) {
	admin := func(h func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if e := authenticateAdmin(r, verifier); e != nil {
				writeClusterError(w, *e)
				return
			}
			if a.node == nil {
				writeClusterError(w, errNotClustered)
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /api/v1/cluster/nodes", admin(a.clusterNodes))
	mux.HandleFunc("POST /api/v1/cluster/drain", admin(a.clusterDrain))
}

// nodesResponse is the answer of GET /api/v1/cluster/nodes.
type nodesResponse struct {
	Self      cluster.NodeRecord   `json:"self"`
	Nodes     []cluster.NodeRecord `json:"nodes"`
	Placement placementView        `json:"placement"`
}

type placementView struct {
	Policy string `json:"policy"`
	// Node is where a new conversation would be placed now (absent when no
	// node is serving).
	Node *cluster.NodeRecord `json:"node,omitempty"`
}

func (a *app) clusterNodes(w http.ResponseWriter, _ *http.Request) {
	self, err := a.node.Self()
	if err != nil {
		writeClusterError(w, errClusterUnavailable)
		return
	}
	res := nodesResponse{Self: self, Nodes: a.node.Directory().Nodes(), Placement: placementView{Policy: a.node.Placer().Policy().String()}}
	if n, err := a.node.Placer().Place(); err == nil {
		res.Placement.Node = &n
	} else if !errors.Is(err, cluster.ErrNoServingNode) {
		a.log.Error("cluster placement", "err", err)
	}
	writeClusterJSON(w, http.StatusOK, res)
}

func (a *app) clusterDrain(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	rec, err := a.drain(ctx)
	if err != nil {
		writeClusterError(w, errClusterUnavailable)
		return
	}
	a.log.Info("drain requested by an admin")
	writeClusterJSON(w, http.StatusOK, map[string]any{"node": rec})
}

// authenticateAdmin verifies the bearer token (header only: URLs end up in
// logs) and requires the admin role.
func authenticateAdmin(r *http.Request, verifier auth.Verifier) *clusterError {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return &errClusterUnauthorized
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	id, err := verifier.Verify(ctx, strings.TrimSpace(token))
	if err != nil {
		return &errClusterUnauthorized
	}
	if !id.HasRole(auth.RoleAdmin) {
		return &errClusterForbidden
	}
	return nil
}

func writeClusterError(w http.ResponseWriter, e clusterError) {
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="earshot"`)
	}
	writeClusterJSON(w, e.status, map[string]any{"error": map[string]string{"code": e.code, "message": e.message}})
}

func writeClusterJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
