// The downloader's Transport on undici's low-level dispatch API, for the download bench's
// comparison with the hand-written direct transport (src-main/core/downloads/direct.ts): a
// handler whose onResponseData appends each chunk to the same ring (BodySink), pausing the
// connection while the ring is full, with no Readable stream in between.
import { Agent, interceptors, type Dispatcher } from 'undici';
import type { BodySink } from '../src-main/core/downloads/body.ts';
import type { RawResponse } from '../src-main/core/downloads/direct.ts';
import type { Transport, TransportRequest } from '../src-main/core/downloads/http.ts';

/** `dispatcher` defaults to an Agent that follows redirects, as the direct transport does. */
export function undiciDispatchTransport(dispatcher: Dispatcher = new Agent().compose(interceptors.redirect({ maxRedirections: 10 }))): Transport {
  return { request: (url, o) => dispatchGet(dispatcher, url, o), close: () => dispatcher.close() };
}

function dispatchGet(dispatcher: Dispatcher, url: string, o: TransportRequest): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolveHead, rejectHead) => {
    let controller: Dispatcher.DispatchController | undefined;
    let sink: BodySink | undefined;
    let early: Buffer[] = [];
    let ended = false;
    let failure: Error | undefined;
    let body: { resolve: () => void; reject: (error: Error) => void } | undefined;
    const append = (chunk: Buffer): void => {
      if (!sink || !controller) return;
      let more = true;
      for (let at = 0; at < chunk.length; at += sink.chunkLimit) more = sink.append(chunk.subarray(at, at + sink.chunkLimit)) && more;
      if (!more) {
        const paused = controller;
        paused.pause();
        sink.ready().then(() => paused.resume(), (error: Error) => paused.abort(error));
      }
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) { controller = c; },
      onResponseStart(c, status, headers) {
        // Held until pipeTo(): the head answers first, the body waits for its sink.
        c.pause();
        resolveHead({
          status,
          headers,
          body: {
            pipeTo(into) {
              if (failure) return Promise.reject(failure);
              sink = into;
              const held = early;
              early = [];
              for (const chunk of held) append(chunk);
              if (ended) return Promise.resolve();
              return new Promise((resolve, reject) => { body = { resolve, reject }; c.resume(); });
            },
            cancel() { c.abort(new Error('cancelled')); },
          },
        });
      },
      onResponseData(_c, chunk) {
        if (sink) append(chunk);
        else early.push(chunk);
      },
      onResponseEnd() { ended = true; body?.resolve(); },
      onResponseError(_c, error) {
        failure = error;
        rejectHead(error);
        body?.reject(error);
      },
    };
    o.signal?.addEventListener('abort', () => controller?.abort(o.signal?.reason instanceof Error ? o.signal.reason : new Error('aborted')), { once: true });
    dispatcher.dispatch({
      origin: target.origin, path: `${target.pathname}${target.search}`, method: 'GET', headers: o.headers,
      headersTimeout: o.idleTimeoutMs, bodyTimeout: o.idleTimeoutMs,
    }, handler);
  });
}
