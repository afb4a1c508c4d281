/**
 * The shipper's host name, for events whose records carry no `node=` name: the Elasticsearch
 * `_id` (so it MUST NOT change across restarts of the same node) and the HEC `host`.
 * `AUDITSHIP_HOST_NAME` overrides the system's host name: in a Kubernetes pod the host name is
 * the pod's, new at every restart; the DaemonSet sets it to the node's name (spec.nodeName).
 */
import { hostname } from 'node:os'

export function hostName (env: NodeJS.ProcessEnv = process.env): string {
  const h = env.AUDITSHIP_HOST_NAME?.trim()
  return h !== undefined && h !== '' ? h : hostname()
}
