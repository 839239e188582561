// Process entry point of the built-in QEMU driver: the engine forks this file (or runs it in
// an Electron utility process) and talks to it over the driver protocol.
import { serveDriver } from '../sdk/index.ts';
import { qemuDriver } from './driver.ts';

serveDriver(qemuDriver);
