/**
 * The module every built-in worker runs: the worker loop over this
 * worker's `parentPort` or `self`.
 *
 * @module
 */

import { hostChannel } from "./_host.ts";
import { serveWorker } from "./serve.ts";

serveWorker(hostChannel());
