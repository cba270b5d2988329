// Package deploycheck tests deploy/: the NATS configurations (single
// server and three-node cluster), deploy/compose.yaml, the Kubernetes
// manifests, the Dockerfile and the commands deploy/README.md shows. It
// has no code of its own, only tests.
//
// It checks what a machine without a Docker engine or a Kubernetes API
// server can: every NATS configuration passes `nats-server -t` with the
// variables it reads; three real nats-server processes form a cluster from
// deploy/nats/cluster and keep a three-replica stream (and docketd) working
// when a node stops; the compose file and the manifests are parsed and
// their references, images, resources, probes and environment checked,
// docketd's environment with docketd's own config package; the commands
// in deploy/README.md exist with the flags shown.
//
// The nats-server binary is services/internal/testkit/natsbin's: $NATS_SERVER_BIN,
// or one built from the module proxy; without one the tests that need it
// skip, unless CI is "true". `make deploy-check` runs this package.
package deploycheck
