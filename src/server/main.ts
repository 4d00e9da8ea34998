/**
 * Entry point of the companion server: reads the configuration, opens the store, serves HTTP and
 * shuts down gracefully on SIGINT/SIGTERM (in-flight requests finish, then the database closes).
 */
import fs from 'node:fs';
import os from 'node:os';
import { Worker, isMainThread } from 'node:worker_threads';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type ServerConfig } from './config';
import { ensureAdmin } from './auth/admin-bootstrap';
import { buildApp } from './http/app';
import { openStore } from './store/open-store';
import { IngestService } from './ingest/ingest-service';
import { ForwardServer } from './ingest/forward-server';
import { MqttBroker } from './ingest/mqtt-broker';
import { MqttBridge } from './ingest/mqtt-bridge';
import { DEFAULT_MQTT_TOPICS } from './ingest/mqtt-topics';
import { Sources } from './ingest/sources';
import type { Store } from './store/store';
import { JobThreads } from './jobs/job-threads';
import { DemoFleet } from './demo/demo-fleet';
import { InProcessPublisher, type LivePublisher } from './live/publisher';
import { AnomalyRunner } from './alarms/anomaly-runner';
import { AlarmEvaluator } from './alarms/alarm-evaluator';
import { alarmStatusRoutes } from './http/routes/alarms';
import { ActionApplier } from './alarms/action-applier';
import { PlanScheduler } from './maintenance/plan-scheduler';
import { RetentionRunner } from './retention/retention-runner';
import { ReadingApplier } from './maintenance/reading-applier';
import { PredictionRunner } from './predict/prediction-runner';
import { DegradationRunner } from './predict/degradation-runner';
import { HealthRunner } from './predict/health-runner';
import { predictionModelRoutes } from './http/routes/prediction-models';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The version in package.json, reported by /api/health. */
export function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  /** Port of the fluentd forward protocol listener. */
  forwardPort: number;
  forward: ForwardServer;
  /** The embedded MQTT broker and its port (undefined: MQTT_PORT=off, or the default port was taken). */
  mqtt: MqttBroker | undefined;
  mqttPort: number | undefined;
  /** The bridge to the external broker of MQTT_URL (undefined: none). */
  mqttBridge: MqttBridge | undefined;
  /** The simulated fleet, when DEMO is on: `fleet.start()` resolves once its history is written and it streams live. */
  fleet: DemoFleet | undefined;
  /** The live event bus (what GET /api/events streams). */
  live: LivePublisher;
  /** The alarm rule evaluator (absent with ALARMS=0). */
  alarms: AlarmEvaluator | undefined;
  /** The reading applier: manual readings appended to their channels. */
  readings: ReadingApplier;
  /** Retention passes (RETENTION_DAYS, sites' and channels' retention_days). */
  retention: RetentionRunner;
  close(): Promise<void>;
}


/** An address to reach a listener bound to `host` on this machine (a wildcard bind is reached on loopback). */
function loopbackFor(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}

export interface StartOptions {
  logLevel?: string | undefined;
  /** Registers extra routes or plugins before the server listens (embedding, tests). */
  extend?: (app: FastifyInstance) => void | Promise<void>;
  /** The clock of sign-in throttling (tests move it instead of sleeping). */
  now?: () => number;
}

/** Opens the store and starts listening; resolves once the server accepts connections. */
export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const store = await openStore(config);
  let app: FastifyInstance | undefined;
  let ingest: IngestService;
  let forward: ForwardServer;
  let forwardPort: number | undefined;
  let mqtt: MqttBroker | undefined;
  let mqttPort: number | undefined;
  let mqttBridge: MqttBridge | undefined;
  let live: LivePublisher;
  let alarms: AlarmEvaluator | undefined;
  let readings: ReadingApplier | undefined;
  try {
    const adminWarning = await ensureAdmin(store.accounts, config.adminPassword);
    // One live bus for the process: ingestion and the HTTP routes publish, GET /api/events reads.
    live = new InProcessPublisher();
    ingest = new IngestService(store, { timeWindow: config.ingestTimeWindow, live });
    // Manual readings become samples of their assets' manual-reading channels, once each: on write
    // (the document routes call it before answering) and by its sweep (started below). Its log is
    // the app's, made just after.
    readings = new ReadingApplier({ store, live, timeWindow: config.ingestTimeWindow, log: { info: (object, message) => app?.log.info(object, message), warn: (object, message) => app?.log.warn(object, message) } });
    app = await buildApp({
      store,
      version: packageVersion(),
      clientDir: config.clientDir,
      demo: config.demo,
      ingest,
      trustProxy: config.trustProxy,
      http: config.http,
      live,
      liveHeartbeatMs: config.liveHeartbeatMs,
      forwardPort: () => forwardPort,
      mqtt: () => (mqttPort === undefined || !config.mqtt ? undefined : { port: mqttPort, topics: config.mqtt.topics }),
      readings,
      ...(options.logLevel ? { logLevel: options.logLevel } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    // Said at every start until resolved: ADMIN_PASSWORD no longer matches and was not applied.
    if (adminWarning) app.log.warn(adminWarning);
    // Alarm rules are evaluated as data arrives: woken by this process's appends, polling for the rest.
    const log = app.log;
    alarms = config.alarms ? new AlarmEvaluator(store, { live, pollMs: config.alarmsPollMs, log: { warn: (object, message) => log.warn(object, message) } }) : undefined;
    await app.register(alarmStatusRoutes, { evaluator: alarms });
    await app.register(predictionModelRoutes, { store });
    await options.extend?.(app);
    await app.listen({ host: config.host, port: config.port });
    forward = new ForwardServer(new Sources(store.driver), ingest, app.log, { requireHandshake: config.forwardSecurity, ...config.forwardLimits });
    forwardPort = await forward.listen(config.host, config.forwardPort);
    if (config.mqtt) {
      const broker = new MqttBroker(new Sources(store.driver), ingest, app.log, config.mqtt);
      try {
        mqttPort = await broker.listen(config.host, config.mqtt.port);
        mqtt = broker;
      } catch (error) {
        await broker.close();
        // The default port taken (another broker on this machine, or another Fieldline): the server
        // runs without its own; a port asked for by MQTT_PORT must be had.
        if (config.mqtt.portGiven || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        app.log.warn(`MQTT port ${config.mqtt.port} is in use: no embedded MQTT broker (set MQTT_PORT to another port, or off)`);
      }
    }
    if (config.mqttBridge) {
      mqttBridge = new MqttBridge(new Sources(store.driver), ingest, app.log, { ...config.mqttBridge, topics: config.mqtt?.topics ?? DEFAULT_MQTT_TOPICS });
      mqttBridge.start();
    }
  } catch (error) {
    await mqtt?.close().catch(() => undefined);
    await mqttBridge?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await store.close();
    throw error;
  }
  const address = app!.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  let closing: Promise<void> | undefined;
  const started = app!;
  // The simulated fleet sends to the forward port like any agent, so it starts once that listens.
  // Its history is written in the background: the server answers meanwhile.
  const fleet = config.demo
    ? new DemoFleet({ store, forwardHost: loopbackFor(config.host), forwardPort: forwardPort!, forwardSecurity: config.forwardSecurity, days: config.demoDays, years: config.demoYears, log: started.log, live: live! })
    : undefined;
  fleet?.start().catch((error: unknown) => started.log.error({ err: error }, 'demo fleet: could not start; the server goes on without it'));
  // Derived anomaly channels (ALARMS=0 turns them off with the alarm evaluator).
  const anomalies = config.alarms ? new AnomalyRunner(store, { live: live!, pollMs: config.alarmsPollMs, onError: (error) => started.log.warn({ err: error }, 'anomaly runner: a pass failed; it runs again') }) : undefined;
  anomalies?.start();
  // People's actions on alarms (acknowledge, comment, shelve, …) applied to the alarms, each once.
  const alarmActions = config.alarms ? new ActionApplier({ driver: store.driver, live: live!, log: started.log }) : undefined;
  alarmActions?.start();
  readings!.start();
  alarms?.start();
  // Preventive plans: work orders generated ahead of time, each once (plan-scheduler.ts).
  const plans = new PlanScheduler(store, { live: live!, pollMs: config.maintenancePollMs, log: { warn: (object, message) => started.log.warn(object, message) } });
  plans.start();
  // Remaining useful life: each enabled model's parts predicted as data arrives, each step once;
  // the first training of a model that has none enqueued (prediction-runner.ts).
  // PREDICT=0 leaves these three runners to another process on the same database.
  const predictions = config.predict ? new PredictionRunner(store, { live: live!, pollMs: config.predictPollMs, onError: (error) => started.log.warn({ err: error }, 'prediction runner: a pass failed or a model cannot be used') }) : undefined;
  predictions?.start();
  // Degradation rates of inverters and turbines (at start, then as inputs reach a new day) and
  // every asset's health document, written when it changes (degradation-runner.ts, health-runner.ts).
  const degradation = config.predict ? new DegradationRunner(store, { live: live!, log: { info: (object, message) => started.log.info(object, message), warn: (object, message) => started.log.warn(object, message) } }) : undefined;
  degradation?.start();
  const health = config.predict ? new HealthRunner(store, { live: live!, pollMs: config.healthPollMs, log: { warn: (object, message) => started.log.warn(object, message) } }) : undefined;
  health?.start();
  // Raw samples and streams past their retention (channel, site or RETENTION_DAYS) dropped, summaries kept.
  const retention = new RetentionRunner(store, { ...(config.retentionDays === undefined ? {} : { defaultDays: config.retentionDays }), pollMs: config.retentionPollMs, log: { warn: (object, message) => started.log.warn(object, message) } });
  retention.start();
  return {
    app: started,
    store,
    forward: forward!,
    forwardPort: forwardPort!,
    mqtt,
    mqttPort,
    mqttBridge,
    fleet,
    live: live!,
    alarms,
    readings: readings!,
    retention,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    close() {
      // Order matters: stop accepting and drain requests first, then close the database they use.
      // The fleet stops sending first.
      closing ??= Promise.all([fleet?.stop(), anomalies?.stop(), alarmActions?.stop(), readings!.stop(), alarms?.stop(), plans.stop(), predictions?.stop(), degradation?.stop(), health?.stop(), retention.stop()]).then(() => Promise.all([started.close(), forward!.close(), mqtt?.close(), mqttBridge?.close()])).then(() => store.close());
      return closing;
    },
  };
}

/**
 * A job worker thread. Threads do not inherit the TypeScript loader the server runs under (tsx),
 * so the thread starts from a tiny module that registers it first.
 */
function startJobThread(config: ServerConfig, name: string): Worker {
  const entry = new URL('./jobs/worker-thread.ts', import.meta.url).href;
  const bootstrap = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), { workerData: { config, name } });
}

/** Runs the server until a signal asks it to stop. */
export async function main(): Promise<void> {
  const config = loadConfig(process.env, projectRoot);
  const server = await startServer(config, { logLevel: process.env.LOG_LEVEL });
  // Job workers in threads of this process, each with its own database connection; one that
  // exits unexpectedly is started again (with backoff), so queued jobs never wait for a restart by hand.
  const threads = new JobThreads({ count: config.jobThreads, spawn: (index) => startJobThread(config, `${os.hostname()}:${process.pid}:${index}`), log: server.app.log });
  threads.start();
  server.app.log.info(`Fieldline ${packageVersion()} on ${server.url} (data in ${config.dataDir}, backend ${server.store.backend}, ${config.jobThreads} job threads, forward protocol on port ${server.forwardPort}${server.mqttPort === undefined ? '' : `, MQTT on port ${server.mqttPort}`})`);
  const stop = (signal: string) => {
    server.app.log.info(`${signal} received: finishing in-flight requests`);
    // A second signal while draining means "now".
    process.once(signal, () => process.exit(1));
    Promise.all([server.close(), threads.stop()]).then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (isMainThread && process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`fieldline: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
