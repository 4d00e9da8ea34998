/**
 * A throwaway mosquitto (Debian's) for tests: a config in a temp folder (anonymous clients,
 * persistence in the folder so a restart keeps sessions and queued messages), on a free port of
 * 127.0.0.1, in the foreground as a child process. `restart()` stops it and starts it again on the
 * same port and store (a broker restart mid-stream).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort } from './free-port';

export interface Mosquitto {
  url: string;
  port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

function binary(): string {
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']) if (fs.existsSync(candidate)) return candidate;
  throw new Error('mosquitto is missing: on Debian `sudo apt-get install -y mosquitto` (.ci/run does this)');
}

async function listening(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('mosquitto did not start');
}

export async function startMosquitto(): Promise<Mosquitto> {
  const command = binary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fieldline-mosquitto-'));
  const port = await freePort();
  // As root mosquitto would drop to its own user, which cannot write this folder.
  const config = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`, 'autosave_interval 1', ...(process.getuid?.() === 0 ? ['user root'] : [])].join('\n');
  fs.writeFileSync(path.join(dir, 'mosquitto.conf'), `${config}\n`);
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(command, ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    await listening(port, child);
  };
  const stopChild = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    // SIGTERM: mosquitto saves its store (sessions, queued messages) and exits.
    running.kill('SIGTERM');
    await new Promise((resolve) => running.once('exit', resolve));
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    restart: async () => {
      await stopChild();
      await start();
    },
    stop: async () => {
      await stopChild();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
