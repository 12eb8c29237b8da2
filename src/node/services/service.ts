/**
 * One part of a running node, started the same way as every other: its start function does
 * its own clean-up when it fails, and on success hands back what it offers and how it stops.
 * The node pushes each `stop` on one clean-up stack (cleanup-stack.ts).
 */
export interface Service<T> {
  /** Named in the log when it stops. */
  readonly name: string;
  /** What the service offers the rest of the node: a server, its ports, a registry. */
  readonly value: T;
  /** Stop it; the clean-up stack calls this once. */
  stop(): Promise<void> | void;
}
