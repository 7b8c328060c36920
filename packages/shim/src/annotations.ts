/**
 * The OCI annotations the shim reads (a module of its own: `start` needs them, and nothing of
 * the Task service's protobuf).
 *
 * @module
 */

/** The annotation CRI puts on every container of a pod, naming the pod's sandbox container. */
export const SANDBOX_ANNOTATION = 'io.kubernetes.cri.sandbox-id';
