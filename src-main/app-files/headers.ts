// The security headers both shells send with the renderer's files. The page needs its own
// scripts, styles, images and fonts and nothing else: no eval, no plugins, no framing, no
// forms. style-src keeps 'unsafe-inline' because xterm.js injects <style> elements for its
// theme and cell colours; styles run no code. Each shell adds what differs (connect-src).

const pageDirectives: Readonly<Record<string, string>> = {
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self' 'unsafe-inline'",
  'img-src': "'self' data:",
  'font-src': "'self'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
};

/** The page's CSP with a shell's own directives added (or replaced). */
export function contentSecurityPolicy(shellDirectives: Readonly<Record<string, string>>): string {
  return Object.entries({ ...pageDirectives, ...shellDirectives }).map(([name, value]) => `${name} ${value}`).join('; ');
}

/** Every response of either shell carries these, the CSP included. */
export function securityHeaders(csp: string): Readonly<Record<string, string>> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
