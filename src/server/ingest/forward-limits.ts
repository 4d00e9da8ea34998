/**
 * Limits of the forward protocol server, kept apart from its behaviour: what one connection and
 * all of them together may cost. Each has an environment variable (config.ts validates them).
 */

export interface ForwardLimits {
  /** Connections open at once; one more is closed as soon as it is accepted (FORWARD_MAX_CONNECTIONS). */
  maxConnections: number;
  /**
   * A connection that sends nothing for this long is closed (FORWARD_IDLE_TIMEOUT_MS), unless it
   * waits for acks of frames still being committed or the server has paused reading it.
   */
  idleTimeoutMs: number;
  /** A frame must be received completely within this long of its first byte (FORWARD_FRAME_TIMEOUT_MS). */
  frameTimeoutMs: number;
  /**
   * Bytes held for all connections together (FORWARD_BUFFER_BYTES): partial frames, frames received
   * and not yet committed, and decompressed entries. Over it, reading pauses while commits in
   * progress will free enough; when only partial frames hold it, the connection with the largest closes.
   */
  bufferBytes: number;
  /** A frame larger than this closes the connection (FORWARD_MAX_FRAME_BYTES). */
  maxFrameBytes: number;
  /** CompressedPackedForward entries that inflate to more than this close the connection (FORWARD_MAX_DECOMPRESSED_BYTES). */
  maxDecompressedBytes: number;
}

/**
 * Decompressed entries never exceed this, whatever the configuration; it is also the bound when
 * a stored frame is decoded again (a rebuild), since the frame was accepted under a smaller one.
 */
export const MAX_DECOMPRESSED_BYTES_LIMIT = 1024 * 1024 * 1024;

export const DEFAULT_FORWARD_LIMITS: Readonly<ForwardLimits> = Object.freeze({
  // One connection per fluentd agent (two or three with several flush threads): a thousand
  // agents, and below the usual 1024 file descriptors of a process once HTTP has its share.
  maxConnections: 1000,
  // out_forward keeps no connection open by default (keepalive false) and a keepalive one
  // carries a chunk every flush_interval (60 s by default): five minutes of silence is generous.
  idleTimeoutMs: 5 * 60_000,
  // out_forward gives up writing a chunk after send_timeout (60 s by default): twice that.
  frameTimeoutMs: 2 * 60_000,
  // Four frames of the largest size, whatever they are waiting for.
  bufferBytes: 256 * 1024 * 1024,
  // fluentd's memory buffer cuts chunks at 8 MB by default; a file buffer's are bigger.
  maxFrameBytes: 64 * 1024 * 1024,
  // A compressed frame may carry as much as an uncompressed one.
  maxDecompressedBytes: 64 * 1024 * 1024,
});
