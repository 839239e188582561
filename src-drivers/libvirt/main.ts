// Process entry point of the libvirt driver: the engine forks this file (bundled into one
// main.mjs, run inside the bundle sandbox) and talks to it over the driver protocol.
import { serveDriver } from '../sdk/index.ts';
import { libvirtDriver } from './driver.ts';

serveDriver(libvirtDriver);
