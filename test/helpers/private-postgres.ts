/**
 * A PostgreSQL cluster of the test's own, in a temporary directory on a free
 * port, so a test can stop and restart a real server (or crash it) without
 * touching the PostgreSQL every other test shares. It uses the machine's
 * PostgreSQL binaries (`pg_config --bindir`); as root it runs them as the
 * `postgres` user, since initdb and postgres refuse to run as root.
 */
import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

const run = promisify(execFile);

/** How `pg_ctl stop` ends the server: `fast` as a restart does, `immediate` as a crash would (recovery from WAL follows). */
export type ShutdownMode = 'fast' | 'immediate';

/** Why a private cluster cannot be made here, or undefined if it can. */
export async function privatePostgresUnavailableReason(): Promise<string | undefined> {
  try {
    await run('pg_config', ['--bindir']);
    if (process.getuid?.() === 0) await run('id', ['-u', 'postgres']);
    return undefined;
  } catch (error) {
    const reason = `PostgreSQL's server binaries are not usable here (${(error as Error).message.split('\n')[0]})`;
    if (process.env.CI === 'true') throw new Error(`${reason}; under CI they are required.`);
    return reason;
  }
}

export class PrivatePostgres {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    private readonly asPostgres: boolean,
    readonly port: number,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const bin = (await run('pg_config', ['--bindir'])).stdout.trim();
    const dir = mkdtempSync(path.join(tmpdir(), 'todo-graphql-pg-'));
    const asPostgres = process.getuid?.() === 0;
    if (asPostgres) {
      const uid = Number((await run('id', ['-u', 'postgres'])).stdout);
      const gid = Number((await run('id', ['-g', 'postgres'])).stdout);
      chownSync(dir, uid, gid);
    }
    const cluster = new PrivatePostgres(bin, dir, asPostgres, await freePort());
    await cluster.pg('initdb', [
      '-D',
      cluster.data,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    await cluster.begin();
    return cluster;
  }

  /** A connection URL to the cluster's `postgres` database. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get data(): string {
    return path.join(this.dir, 'data');
  }

  /** Starts the server and waits until it accepts connections (after crash recovery, if it needs one). */
  async begin(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir}`;
    await this.pg('pg_ctl', ['-D', this.data, '-l', path.join(this.dir, 'log'), '-o', options, '-w', 'start']);
  }

  async stop(mode: ShutdownMode): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.data, '-m', mode, '-w', 'stop']);
  }

  /** Stops the server if it runs, and deletes the cluster. */
  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async pg(program: string, args: string[]): Promise<void> {
    const file = path.join(this.bin, program);
    if (this.asPostgres) await run('runuser', ['-u', 'postgres', '--', file, ...args], { cwd: this.dir });
    else await run(file, args, { cwd: this.dir });
  }
}
