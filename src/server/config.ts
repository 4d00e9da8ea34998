/**
 * Server configuration from the environment. Every variable is validated here, at the boundary,
 * so a typo stops the start with a clear message instead of a confusing failure later.
 */
import net from 'node:net';
import path from 'node:path';
import { DEFAULT_MQTT_TOPICS, checkTopicPatterns } from './ingest/mqtt-topics';
import { DEFAULT_FORWARD_LIMITS, MAX_DECOMPRESSED_BYTES_LIMIT, type ForwardLimits } from './ingest/forward-limits';
import { passwordProblem } from './auth/password-policy';
import { DEFAULT_TIME_WINDOW, type TimeWindow } from './ingest/time-window';
import { MAX_RETENTION_DAYS } from '../core';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  forwardPort: number;
  /** The bridge to an external MQTT broker (MQTT_URL; undefined: none), with its session's client id. */
  mqttBridge: { url: string; clientId: string } | undefined;
  /** The embedded MQTT broker (MQTT_PORT, default 1883; `off`: none) and its topics and limits. */
  mqtt: { port: number; portGiven: boolean; topics: string[]; maxPacketBytes: number; maxConnections: number } | undefined;
  /**
   * Whether the server runs the simulated fleet (DEMO): on by default with the embedded SQLite,
   * off with DATABASE_URL unless DEMO=1 (a production database must not fill with invented data).
   */
  demo: boolean;
  /** Days of history the simulated fleet writes on its first start (DEMO_DAYS, 0–365, default 30). */
  demoDays: number;
  /** Years of hourly history the demo fleet writes before its DEMO_DAYS on a first start (DEMO_YEARS, default 3). */
  demoYears: number;
  /** Folder of the built PWA (vite build output). */
  clientDir: string;
  /** Password of the `admin` user created on first start (generated and printed when absent). */
  adminPassword: string | undefined;
  /** Job worker threads in the server process (0: none; use separate worker processes). */
  jobThreads: number;
  /** How long a claimed job stays a worker's without renewal (JOB_LEASE_MS): a dead worker's jobs return after it. */
  jobLeaseMs: number;
  /** How long a worker waits before looking again when the queue is empty (JOB_POLL_MS). */
  jobPollMs: number;
  /** Require the forward protocol's shared-key handshake (FORWARD_SECURITY=1). */
  forwardSecurity: boolean;
  /** Connections, timeouts and memory of the forward protocol server (FORWARD_* below). */
  forwardLimits: ForwardLimits;
  /** Timeouts and the body memory budget of the HTTP server (HTTP_*). */
  http: HttpLimits;
  /**
   * Proxies whose X-Forwarded-For/-Proto are believed (TRUST_PROXY), as Fastify's `trustProxy`
   * takes them: false (none: request.ip is the socket's), a hop count, or addresses/CIDRs.
   */
  trustProxy: false | number | string[];
  /** Event times ingestion accepts (INGEST_MIN_TIME, INGEST_MAX_FUTURE_MS). */
  ingestTimeWindow: TimeWindow;
  /** How often GET /api/events sends a heartbeat and checks the session again (LIVE_HEARTBEAT_MS). */
  liveHeartbeatMs: number;
  /** Whether this process evaluates alarm rules as data arrives (ALARMS, default on). */
  alarms: boolean;
  /** How often the alarm evaluator looks for appends of other processes and for clock-driven changes (ALARMS_POLL_MS, default 1000). */
  alarmsPollMs: number;
  /** How often the preventive plan scheduler looks for work orders to generate (MAINTENANCE_POLL_MS, default 60 000). */
  maintenancePollMs: number;
  /** Whether this process runs the prediction, degradation and health runners (PREDICT, default on). */
  predict: boolean;
  /** How often the prediction runner looks for new whole steps to predict (PREDICT_POLL_MS, default 60 000). */
  predictPollMs: number;
  /** How often the health runner recomputes assets' health (HEALTH_POLL_MS, default 60 000). */
  healthPollMs: number;
  /** Days raw samples and streams are kept where no channel or site says (RETENTION_DAYS; undefined, the default: forever). */
  retentionDays: number | undefined;
  /** Time between retention passes (RETENTION_POLL_MS, default an hour). */
  retentionPollMs: number;
}

/** Raised when an environment variable has a value the server cannot use. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parsePort(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  // 0 asks the OS for a free port (tests use it); anything else must be a real TCP port.
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${name} must be an integer between 0 and 65535, got ${JSON.stringify(raw)}`);
  }
  return port;
}

/** MQTT_URL (mqtt://, mqtts://, ws://, wss://) and MQTT_BRIDGE_CLIENT_ID. */
function parseMqttBridge(env: NodeJS.ProcessEnv): ServerConfig['mqttBridge'] {
  if (!env.MQTT_URL) return undefined;
  let url: URL;
  try {
    url = new URL(env.MQTT_URL);
  } catch {
    throw new ConfigError('MQTT_URL must be a URL such as mqtt://user:password@broker:1883');
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:'].includes(url.protocol)) throw new ConfigError(`MQTT_URL must be mqtt://, mqtts://, ws:// or wss://, got ${url.protocol}`);
  const clientId = env.MQTT_BRIDGE_CLIENT_ID || 'fieldline-bridge';
  if (clientId.length > 128) throw new ConfigError('MQTT_BRIDGE_CLIENT_ID must be at most 128 characters');
  return { url: env.MQTT_URL, clientId };
}

/** MQTT_PORT (`off` turns the broker off), MQTT_TOPICS, MQTT_MAX_PACKET_BYTES, MQTT_MAX_CONNECTIONS. */
function parseMqtt(env: NodeJS.ProcessEnv): ServerConfig['mqtt'] {
  if (env.MQTT_PORT?.toLowerCase() === 'off') return undefined;
  const topics = (env.MQTT_TOPICS ?? '')
    .split(',')
    .map((topic) => topic.trim())
    .filter(Boolean);
  const chosen = topics.length > 0 ? topics : [...DEFAULT_MQTT_TOPICS];
  try {
    checkTopicPatterns(chosen);
  } catch (error) {
    throw new ConfigError(`MQTT_TOPICS: ${(error as Error).message}`);
  }
  return {
    port: parsePort('MQTT_PORT', env.MQTT_PORT, 1883),
    portGiven: env.MQTT_PORT !== undefined && env.MQTT_PORT !== '',
    topics: chosen,
    // Telemetry messages are small; 1 MiB leaves room for batches of readings without letting one
    // connection make the server hold 256 MiB (MQTT's largest packet).
    maxPacketBytes: parseWhole('MQTT_MAX_PACKET_BYTES', env.MQTT_MAX_PACKET_BYTES, 1024 * 1024, 1024, 256 * 1024 * 1024, 'bytes'),
    maxConnections: parseWhole('MQTT_MAX_CONNECTIONS', env.MQTT_MAX_CONNECTIONS, 10_000, 1, 1_000_000, 'connections'),
  };
}

function parseFlag(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be 0 or 1, got ${JSON.stringify(raw)}`);
}

/** INGEST_MIN_TIME: a date (ISO 8601, e.g. 2000-01-01) before now; a bare number is refused (seconds or ms?). */
function parseMinTime(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_TIME_WINDOW.minTime;
  const time = /^\s*[-+]?[\d.]+\s*$/.test(raw) ? Number.NaN : Date.parse(raw);
  if (!Number.isFinite(time) || time >= Date.now()) throw new ConfigError(`INGEST_MIN_TIME must be a date before now, like 2000-01-01 or 2000-01-01T00:00:00Z, got ${JSON.stringify(raw)}`);
  return time;
}

/** INGEST_MAX_FUTURE_MS: milliseconds, a whole number from 0 to 10 years. */
function parseMaxFuture(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_TIME_WINDOW.maxFutureMs;
  const ms = Number(raw);
  // Beyond 10 years it no longer guards against anything (and now + it must stay a Date).
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(ms) || ms > 10 * 366 * 86_400_000) throw new ConfigError(`INGEST_MAX_FUTURE_MS must be a whole number of milliseconds from 0 to 10 years, got ${JSON.stringify(raw)}`);
  return ms;
}

// proxy-addr's names for address ranges, accepted in TRUST_PROXY beside addresses and CIDRs.
const proxyRangeNames = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** TRUST_PROXY: off, a hop count, or a comma-separated list of proxy addresses/CIDRs. */
function parseTrustProxy(raw: string | undefined): false | number | string[] {
  const value = raw?.trim() ?? '';
  if (value === '' || ['0', 'false', 'no', 'off'].includes(value.toLowerCase())) return false;
  if (/^\d+$/.test(value)) return Number(value);
  if (['true', 'yes', 'on', 'all', '*'].includes(value.toLowerCase())) {
    // Trusting every address lets any client write its own X-Forwarded-For and pick the address
    // the sign-in throttle counts it under.
    throw new ConfigError('TRUST_PROXY must name the proxies (addresses or CIDRs, e.g. 127.0.0.1 or 10.0.0.0/8) or be a hop count, not trust everyone');
  }
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (proxyRangeNames.has(entry)) continue;
    const [address = '', prefix, extra] = entry.split('/');
    const family = net.isIP(address);
    const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError(`TRUST_PROXY: ${JSON.stringify(entry)} is not an address, a CIDR (10.0.0.0/8) or one of loopback, linklocal, uniquelocal`);
    }
  }
  return entries;
}

/** How long the HTTP server waits for a client, and how many body bytes it holds at once. */
export interface HttpLimits {
  /** A whole request (headers and body) must arrive within this (HTTP_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** Its headers within this (HTTP_HEADERS_TIMEOUT_MS); at most requestTimeoutMs. */
  headersTimeoutMs: number;
  /**
   * Bytes of large bodies (attachments, ingest batches, upload pieces) held at once
   * (HTTP_BODY_MEMORY_MB); a body larger than all of it is refused (413).
   */
  bodyMemoryBytes: number;
}

function parseMilliseconds(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined || raw === '') return fallback;
  const ms = Number(raw);
  // 0 ("no timeout") is refused on purpose: it is what let a client trickle one byte every few seconds forever.
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(ms) || ms < min || ms > 86_400_000) throw new ConfigError(`${name} must be a whole number of milliseconds from ${min} to 86400000 (a day), got ${JSON.stringify(raw)}`);
  return ms;
}

/** HTTP_REQUEST_TIMEOUT_MS (default 5 min), HTTP_HEADERS_TIMEOUT_MS (30 s), HTTP_BODY_MEMORY_MB (512). */
function parseHttpLimits(env: NodeJS.ProcessEnv): HttpLimits {
  const requestTimeoutMs = parseMilliseconds('HTTP_REQUEST_TIMEOUT_MS', env.HTTP_REQUEST_TIMEOUT_MS, 300_000, 100);
  const headersTimeoutMs = parseMilliseconds('HTTP_HEADERS_TIMEOUT_MS', env.HTTP_HEADERS_TIMEOUT_MS, Math.min(30_000, requestTimeoutMs), 100);
  if (headersTimeoutMs > requestTimeoutMs) throw new ConfigError(`HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  const raw = env.HTTP_BODY_MEMORY_MB;
  let bodyMemoryBytes = 512 * 1024 * 1024;
  if (raw !== undefined && raw !== '') {
    const mb = Number(raw);
    // Below the largest body (256 MiB attachments) is allowed: bigger bodies then get 413.
    if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(mb) || mb < 1 || mb > 1024 * 1024) throw new ConfigError(`HTTP_BODY_MEMORY_MB must be a whole number of MiB from 1 to 1048576, got ${JSON.stringify(raw)}`);
    bodyMemoryBytes = mb * 1024 * 1024;
  }
  return { requestTimeoutMs, headersTimeoutMs, bodyMemoryBytes };
}

/** A whole number from `min` to `max` (the variable's name and range in the message otherwise). */
function parseWhole(name: string, raw: string | undefined, fallback: number, min: number, max: number, unit: string): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number of ${unit} from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * FORWARD_MAX_CONNECTIONS, FORWARD_IDLE_TIMEOUT_MS, FORWARD_FRAME_TIMEOUT_MS, FORWARD_BUFFER_BYTES,
 * FORWARD_MAX_FRAME_BYTES, FORWARD_MAX_DECOMPRESSED_BYTES (defaults in ingest/forward-limits.ts).
 */
function parseForwardLimits(env: NodeJS.ProcessEnv): ForwardLimits {
  const defaults = DEFAULT_FORWARD_LIMITS;
  // Timers take at most 2^31 - 1 ms (about 24.8 days); a longer one would fire at once.
  const maxTimer = 2_147_483_647;
  const limits: ForwardLimits = {
    maxConnections: parseWhole('FORWARD_MAX_CONNECTIONS', env.FORWARD_MAX_CONNECTIONS, defaults.maxConnections, 1, 1_000_000, 'connections'),
    idleTimeoutMs: parseWhole('FORWARD_IDLE_TIMEOUT_MS', env.FORWARD_IDLE_TIMEOUT_MS, defaults.idleTimeoutMs, 1000, maxTimer, 'milliseconds'),
    frameTimeoutMs: parseWhole('FORWARD_FRAME_TIMEOUT_MS', env.FORWARD_FRAME_TIMEOUT_MS, defaults.frameTimeoutMs, 1000, maxTimer, 'milliseconds'),
    bufferBytes: parseWhole('FORWARD_BUFFER_BYTES', env.FORWARD_BUFFER_BYTES, defaults.bufferBytes, 1024 * 1024, Number.MAX_SAFE_INTEGER, 'bytes'),
    maxFrameBytes: parseWhole('FORWARD_MAX_FRAME_BYTES', env.FORWARD_MAX_FRAME_BYTES, defaults.maxFrameBytes, 64 * 1024, 1024 * 1024 * 1024, 'bytes'),
    maxDecompressedBytes: parseWhole('FORWARD_MAX_DECOMPRESSED_BYTES', env.FORWARD_MAX_DECOMPRESSED_BYTES, defaults.maxDecompressedBytes, 64 * 1024, MAX_DECOMPRESSED_BYTES_LIMIT, 'bytes'),
  };
  // A frame of the largest size must fit in the budget, or it could never be received.
  if (limits.bufferBytes < limits.maxFrameBytes) throw new ConfigError(`FORWARD_BUFFER_BYTES (${limits.bufferBytes}) must be at least FORWARD_MAX_FRAME_BYTES (${limits.maxFrameBytes})`);
  return limits;
}

/** DEMO_DAYS: a number of days from 0 to 365 (fractions allowed: tests use minutes of history). */
function parseDemoDays(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 30;
  const days = Number(raw);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(raw) || !(days >= 0 && days <= 365)) throw new ConfigError(`DEMO_DAYS must be a number of days from 0 to 365, like 30 or 0.5, got ${JSON.stringify(raw)}`);
  return days;
}

/** Reads the configuration from `env` (defaults: 127.0.0.1:8080, ./data, forward port 24224). */
export function loadConfig(env: NodeJS.ProcessEnv, projectRoot: string): ServerConfig {
  const databaseUrl = env.DATABASE_URL === '' ? undefined : env.DATABASE_URL;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const adminPassword = env.ADMIN_PASSWORD || undefined;
  const adminProblem = adminPassword === undefined ? undefined : passwordProblem(adminPassword, 'admin');
  if (adminProblem) throw new ConfigError(`ADMIN_PASSWORD: ${adminProblem}`);
  return {
    adminPassword,
    jobThreads: parseWhole('JOB_THREADS', env.JOB_THREADS, 1, 0, 64, 'threads'),
    // The lease is renewed every third of it while a job runs: under a second, renewals would
    // crowd the database; past a day, a dead worker's job would wait that long to be taken over.
    jobLeaseMs: parseWhole('JOB_LEASE_MS', env.JOB_LEASE_MS, 30_000, 1000, 86_400_000, 'milliseconds'),
    jobPollMs: parseWhole('JOB_POLL_MS', env.JOB_POLL_MS, 500, 10, 60_000, 'milliseconds'),
    forwardSecurity: parseFlag('FORWARD_SECURITY', env.FORWARD_SECURITY, false),
    forwardLimits: parseForwardLimits(env),
    http: parseHttpLimits(env),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    ingestTimeWindow: { minTime: parseMinTime(env.INGEST_MIN_TIME), maxFutureMs: parseMaxFuture(env.INGEST_MAX_FUTURE_MS) },
    // Proxies close idle connections after 30-60 s (nginx: proxy_read_timeout 60 s): 15 s stays well under.
    liveHeartbeatMs: parseWhole('LIVE_HEARTBEAT_MS', env.LIVE_HEARTBEAT_MS, 15_000, 100, 3_600_000, 'milliseconds'),
    alarms: parseFlag('ALARMS', env.ALARMS, true),
    // Under 50 ms the length checks would crowd the database; past a minute stale alarms come late.
    alarmsPollMs: parseWhole('ALARMS_POLL_MS', env.ALARMS_POLL_MS, 1000, 50, 60_000, 'milliseconds'),
    // Plans fall due by the day or by hours of use: a minute is soon enough; under a second would
    // reread every plan's documents many times a second, over a day would miss same-day leads.
    maintenancePollMs: parseWhole('MAINTENANCE_POLL_MS', env.MAINTENANCE_POLL_MS, 60_000, 1000, 86_400_000, 'milliseconds'),
    predict: parseFlag('PREDICT', env.PREDICT, true),
    predictPollMs: parseWhole('PREDICT_POLL_MS', env.PREDICT_POLL_MS, 60_000, 1000, 86_400_000, 'milliseconds'),
    healthPollMs: parseWhole('HEALTH_POLL_MS', env.HEALTH_POLL_MS, 60_000, 1000, 86_400_000, 'milliseconds'),
    retentionDays: env.RETENTION_DAYS === undefined || env.RETENTION_DAYS === '' || env.RETENTION_DAYS === 'off' ? undefined : parseWhole('RETENTION_DAYS', env.RETENTION_DAYS, 0, 1, MAX_RETENTION_DAYS, 'days (or off)'),
    retentionPollMs: parseWhole('RETENTION_POLL_MS', env.RETENTION_POLL_MS, 3_600_000, 1000, 86_400_000, 'milliseconds'),
    host: env.HOST || '127.0.0.1',
    port: parsePort('PORT', env.PORT, 8080),
    dataDir: path.resolve(projectRoot, env.DATA_DIR || 'data'),
    databaseUrl,
    forwardPort: parsePort('FORWARD_PORT', env.FORWARD_PORT, 24224),
    mqtt: parseMqtt(env),
    mqttBridge: parseMqttBridge(env),
    demo: parseFlag('DEMO', env.DEMO, databaseUrl === undefined),
    demoDays: parseDemoDays(env.DEMO_DAYS),
    demoYears: parseWhole('DEMO_YEARS', env.DEMO_YEARS, 3, 0, 10, 'years'),
    clientDir: path.resolve(projectRoot, env.CLIENT_DIR || 'dist/client'),
  };
}
