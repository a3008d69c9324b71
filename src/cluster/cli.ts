/**
 * The worker host command, the same file on every runtime:
 *
 * ```sh
 * deno run -A src/cluster/cli.ts --servers nats://10.0.0.1:4222 --processes 8
 * bun src/cluster/cli.ts --servers nats://10.0.0.1:4222 --allow-source
 * node src/cluster/cli.ts --servers nats://10.0.0.1:4222 --name host-a
 * ```
 *
 * Prints one line, `serving <name> <processes>`, once it pulls tasks; on
 * SIGTERM or SIGINT it drains (finishes its running tasks) and exits 0; a
 * second signal exits at once (its tasks are delivered again elsewhere).
 * Bad flags or a failed connection: one line on stderr, exit code 2 or 1.
 *
 * @module
 */

import { credsAuthenticator } from "@nats-io/nats-core";
import { builtin } from "../adapters/_env.ts";
import {
  serveWorkers,
  type ServeWorkersOptions,
  type WorkerHost,
} from "./_serve.ts";
import type { Context } from "../types.ts";
import { redact } from "./_settings.ts";

/** What the command uses of `process` (typed here: no Node types needed). */
interface Proc {
  argv: string[];
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  exit(code: number): never;
  on(signal: string, listener: () => void): unknown;
}

type ParseArgs = (config: {
  args: string[];
  strict: boolean;
  allowPositionals: boolean;
  options: Record<string, { type: "string" | "boolean" }>;
}) => { values: Record<string, string | boolean | undefined> };

const process: Proc = (globalThis as unknown as { process: Proc }).process;

const USAGE =
  "usage: cli.ts --servers nats://host:4222[,...] [--processes N] [--allow-source] [--name NAME] [--context web|bun|node] [--user U --pass P | --token T | --creds FILE] [--tls-ca FILE] [--tls-cert FILE --tls-key FILE] [--stream NAME] [--subject-prefix P] [--ack-wait SECONDS] [--max-deliver N]";

/** Reads the flags into serveWorkers options; throws a one-line error. */
function parseFlags(args: string[]): ServeWorkersOptions {
  const { parseArgs } = builtin<{ parseArgs: ParseArgs }>("node:util")!;
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      servers: { type: "string" },
      processes: { type: "string" },
      "allow-source": { type: "boolean" },
      name: { type: "string" },
      context: { type: "string" },
      user: { type: "string" },
      pass: { type: "string" },
      token: { type: "string" },
      creds: { type: "string" },
      "tls-ca": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      stream: { type: "string" },
      "subject-prefix": { type: "string" },
      "ack-wait": { type: "string" },
      "max-deliver": { type: "string" },
      help: { type: "boolean" },
    },
  });
  const v = values as Record<string, string | undefined> & {
    "allow-source"?: boolean;
    help?: boolean;
  };
  if (v.help) throw new Error(USAGE);
  if (v.servers === undefined) {
    throw new Error(`--servers is required; ${USAGE}`);
  }
  const number = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n)) {
      throw new Error(`--${flag} must be a number: received '${value}'`);
    }
    return n;
  };
  const options: ServeWorkersOptions = { servers: v.servers };
  const set = <K extends keyof ServeWorkersOptions>(
    key: K,
    value: ServeWorkersOptions[K] | undefined,
  ) => {
    if (value !== undefined) options[key] = value;
  };
  set("processes", number("processes", v.processes));
  set("allowSource", v["allow-source"]);
  set("name", v.name);
  set("context", v.context as Context | undefined);
  if ((v.user === undefined) !== (v.pass === undefined)) {
    throw new Error(
      `--user and --pass go together: give both (or --token, or --creds FILE)`,
    );
  }
  const fs = builtin<
    {
      readFileSync(path: string): Uint8Array;
      existsSync(path: string): boolean;
    }
  >("node:fs")!;
  for (const flag of ["creds", "tls-ca", "tls-cert", "tls-key"]) {
    const file = v[flag];
    if (file !== undefined && !fs.existsSync(file)) {
      throw new Error(`--${flag} ${file}: no such file`);
    }
  }
  set("user", v.user);
  set("pass", v.pass);
  set("token", v.token);
  set("stream", v.stream);
  set("subjectPrefix", v["subject-prefix"]);
  set("ackWait", number("ack-wait", v["ack-wait"]));
  set("maxDeliver", number("max-deliver", v["max-deliver"]));
  if (v.creds !== undefined) {
    options.authenticator = credsAuthenticator(fs.readFileSync(v.creds));
  }
  if (v["tls-ca"] || v["tls-cert"] || v["tls-key"]) {
    const tls: Record<string, string> = {};
    if (v["tls-ca"]) tls.caFile = v["tls-ca"];
    if (v["tls-cert"]) tls.certFile = v["tls-cert"];
    if (v["tls-key"]) tls.keyFile = v["tls-key"];
    options.tls = tls;
  }
  return options;
}

function oneLine(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error))
    .replace(/\s+/g, " ");
}

async function main(): Promise<void> {
  let options: ServeWorkersOptions;
  try {
    options = parseFlags(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${oneLine(error)}\n`);
    process.exit(2);
  }
  let host: WorkerHost;
  try {
    host = await serveWorkers(options);
  } catch (error) {
    process.stderr.write(`${oneLine(error)}\n`);
    process.exit(1);
  }
  let signals = 0;
  const stop = () => {
    if (++signals > 1) process.exit(1);
    host.close().then(() => process.exit(0), (error) => {
      process.stderr.write(`${oneLine(error)}\n`);
      process.exit(1);
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  host.closed.catch((error) => {
    process.stderr.write(`${oneLine(error)}\n`);
    process.exit(1);
  });
  process.stdout.write(
    `serving ${host.name} ${host.processes}\n`,
  );
}

if ((import.meta as { main?: boolean }).main ?? isMain()) await main();

/** Whether this module is the program (Node has no `import.meta.main`). */
function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  const here = new URL(import.meta.url).pathname;
  return here === entry || here.endsWith(entry.replace(/^\.\//, "/"));
}
