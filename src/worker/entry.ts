/**
 * The worker entry module: what every worker runs (see `workerEntry`).
 *
 * @module
 */
import "./main.ts";
