// A log written by a terminal (the guest's serial console) holds escape sequences meant for a
// terminal: colours, cursor moves, "where is the cursor?" queries. Shown as text they are noise
// ("□[6n"), so the Logs tab shows and searches the text without them.

/** CSI (ESC [ … final byte), OSC (ESC ] … BEL or ESC \), other two-byte escapes, and C0 controls but tab and newline. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const terminalControls = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-_]|[\u0000-\u0008\u000b-\u001f\u007f]/g;

export function withoutTerminalControls(text: string): string {
  return text.replace(terminalControls, '');
}
