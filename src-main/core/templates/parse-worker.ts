// The worker side of parse.ts: parses and validates one template document per message, off the
// engine's thread. Answers with the plain document or the DriverError it raised, serialized.
import { parentPort } from 'node:worker_threads';
import { toDriverError } from '../../../src-drivers/sdk/errors.ts';
import { parseDocumentHere } from './parse.ts';
import type { ParseReply, ParseRequest } from './parse.ts';

const port = parentPort;
if (!port) throw new Error('parse-worker.ts runs as a worker thread only');

port.on('message', (request: ParseRequest) => {
  let reply: ParseReply;
  try {
    reply = { id: request.id, document: parseDocumentHere(request.text, request.source) };
  } catch (error) {
    reply = { id: request.id, error: toDriverError(error).toJSON() };
  }
  port.postMessage(reply);
});
