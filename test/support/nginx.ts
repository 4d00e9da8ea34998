/**
 * A throwaway nginx (Debian's) in front of server processes for tests: a config in a temp folder
 * with an upstream of the given ports and one server block that includes the repository's
 * deploy/nginx/fieldline-locations.conf (what the deployment guide tells people to use), on a free
 * port of 127.0.0.1. Runs in the foreground as a child process; `stop()` ends it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { freePort } from './free-port';

export interface Nginx {
  url: string;
  stop(): Promise<void>;
  /** What nginx logged (errors and warnings). */
  log(): string;
}

function nginxBinary(): string {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (fs.existsSync(candidate)) return candidate;
  throw new Error("nginx is missing: on Debian `sudo apt-get install -y nginx` (.ci/run does this)");
}

export async function startNginx(upstreamPorts: readonly number[], projectRoot: string): Promise<Nginx> {
  const binary = nginxBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fieldline-nginx-'));
  // Worker processes run as nobody when the master is root: they must reach the temp folders.
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const locations = path.join(projectRoot, 'deploy', 'nginx', 'fieldline-locations.conf');
  const config = `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream fieldline {
${upstreamPorts.map((upstream) => `    server 127.0.0.1:${upstream} max_fails=1 fail_timeout=10s;`).join('\n')}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    include ${locations};
  }
}
`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), config);
  execFileSync(binary, ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'pipe' });
  const child = spawn(binary, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : ''}`);
    try {
      await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (attempt > 100) throw new Error('nginx did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    log: () => (fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : ''),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
